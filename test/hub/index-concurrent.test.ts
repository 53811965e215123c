import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LiveIndex, type NudgeRequest } from '../../src/hub/index.js';
import { appendTaskLog, setTaskFields } from '../../src/protocol/index.js';
import { updateProtocolFile } from '../../src/store/files.js';
import { removeAll, taskText, tasksDir, tempRoot, waitFor } from '../watch/helpers.js';

const REL = '.claude-hub/tasks/TASK-5-review.md';
let root: string;
let index: LiveIndex;
let nudges: NudgeRequest[];

beforeEach(async () => {
  root = await tempRoot('hub-cas-');
  await mkdir(tasksDir(root), { recursive: true });
  await writeFile(
    join(root, REL),
    taskText({ id: 'TASK-5', title: 'Review the API', status: 'todo', assignee: 'Agent_1', from: 'Agent_3' }, '- [ ] read it\n'),
  );
  index = new LiveIndex({ stateDir: null, watcher: { rescanIntervalMs: 0 } });
  nudges = [];
  index.onNudge((n) => nudges.push(n));
  await index.addSession({ id: 's1', name: 'cas', root, agents: ['Agent_1', 'Agent_2', 'Agent_3'].map((name) => ({ name, specialization: null })) });
});

afterEach(async () => {
  await index.close();
  await removeAll(root);
});

describe('the hub and a person edit one task file at the same moment', () => {
  it('loses neither update; the index settles on the merged file; each agent is nudged as it should be, once', async () => {
    const path = join(root, REL);
    let personWrote = false;
    const result = await updateProtocolFile(
      root,
      REL,
      (text) => {
        if (!personWrote) {
          // The person saves from their editor right after the hub read the file.
          personWrote = true;
          const current = readFileSync(path, 'utf8');
          writeFileSync(
            path + '.swp-save',
            appendTaskLog(current, REL, { at: '2026-11-21 12:00', who: 'person', text: 'please look at the auth part', to: 'Agent_2' }),
          );
          renameSync(path + '.swp-save', path);
        }
        return appendTaskLog(setTaskFields(text, REL, { status: 'in_progress' }), REL, {
          at: '2026-11-21 12:01',
          who: 'hub',
          text: 'message from the person',
          to: 'Agent_1',
        });
      },
      { beforeWrite: (p, hash) => index.expectOwnWrite(p, hash, { routed: true, onlyFor: ['Agent_1'] }) },
    );
    expect(result.retries).toBeGreaterThanOrEqual(1);
    const final = await readFile(path, 'utf8');
    expect(final).toContain('status: in_progress');
    expect(final).toContain('please look at the auth part');
    expect(final).toContain('message from the person');

    await waitFor(() => index.task('s1', 'TASK-5')?.summary.status === 'in_progress', 'merged state in the index');
    await sleep(300);
    await index.whenSettled();
    const doc = index.task('s1', 'TASK-5')?.doc;
    expect(doc?.log.map((l) => l.to)).toEqual(['Agent_2', 'Agent_1']);
    // Agent_2 gets the person's line once (whether or not the person's own save was seen on its
    // own); Agent_1 gets nothing from routing because the hub nudges it itself.
    expect(nudges.map((n) => [n.agent, n.reasons.join('+')])).toEqual([['Agent_2', 'log']]);
    await index.rescan();
    expect(nudges).toHaveLength(1);
  });
});
