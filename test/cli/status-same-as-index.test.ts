/**
 * `claude-hub status` and the server's live index report the same diagnostics for the same tree:
 * both come from one builder (src/hub/diagnostics.ts), so a code one of them makes and the other
 * misses (as `task-ref-unknown` and `assignee-unknown` once did) fails here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { statusCommand } from '../../src/commands/status.js';
import { LiveIndex } from '../../src/hub/index.js';
import type { Diagnostic } from '../../src/protocol/types.js';
import { TEST_KEY, seedHubState } from './hub-state.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const dirs = tempDirs();
afterAll(() => dirs.removeAll());
const temp = dirs.make;

const TASK = (id: string, assignee: string | null, extra = ''): string =>
  `---\nid: ${id}\ntitle: Task ${id}\nstatus: todo\n${assignee === null ? '' : `assignee: ${assignee}\n`}priority: medium\n${extra}---\n\n- [ ] step\n`;

/** A tree with a problem of every kind both readers see: errors and warnings, files and the set. */
async function troubledTree(): Promise<string> {
  const root = await temp('hub-same-root-');
  await mkdir(join(root, '.claude-hub/tasks'), { recursive: true });
  await writeFile(join(root, 'TODO.md'), '# Plan\n\n## Agent_1: work\n\n- [ ] a (TASK-1)\n- [ ] b (TASK-404)\n');
  await writeFile(join(root, '.claude-hub/tasks/TASK-1.md'), TASK('TASK-1', 'Agent_1', 'depends_on: [TASK-77]\n'));
  await writeFile(join(root, '.claude-hub/tasks/TASK-2.md'), TASK('TASK-2', 'Nobody_9'));
  await writeFile(join(root, '.claude-hub/tasks/TASK-3-copy.md'), TASK('TASK-1', 'Agent_1'));
  await writeFile(join(root, '.claude-hub/tasks/TASK-4.md'), '---\nid: TASK-4\ntitle: [unclosed\n---\n');
  return root;
}

async function cliDiagnostics(root: string, state: string | null): Promise<readonly Diagnostic[]> {
  let out = '';
  let err = '';
  const stateDir = state ?? join(root, 'no-state-here');
  await statusCommand([root, '--json', '--state-dir', stateDir], {
    stdout: {
      isTTY: false,
      write: (chunk: string) => {
        out += chunk;
        return true;
      },
    },
    stderr: {
      isTTY: false,
      write: (chunk: string) => {
        err += chunk;
        return true;
      },
    },
    env: { CLAUDE_HUB_KEY: TEST_KEY },
  });
  expect(err).toBe('');
  return (JSON.parse(out) as { diagnostics: Diagnostic[] }).diagnostics;
}

/** The index as `serve` builds it: the state's agents, hook events under the state dir. */
async function serverDiagnostics(root: string, state: string, agents: readonly string[]): Promise<readonly Diagnostic[]> {
  const index = new LiveIndex({ stateDir: state, watcher: { rescanIntervalMs: 0 } });
  try {
    await index.addSession({ id: 's1', name: 'web', root, agents: agents.map((name) => ({ name, specialization: null })) });
    return index.sessionStatus('s1').diagnostics;
  } finally {
    await index.close();
  }
}

describe('claude-hub status and the live index: one list of diagnostics', () => {
  it('report the same diagnostics, in the same order, for the same tree (assignee-unknown and task-ref-unknown included)', async () => {
    const root = await troubledTree();
    const state = await temp('hub-same-state-');
    await seedHubState(state, { id: 's1', name: 'web', root }, ['Agent_1']);
    const cli = await cliDiagnostics(root, state);
    const server = await serverDiagnostics(root, state, ['Agent_1']);
    expect(cli).toEqual(server);
    const codes = cli.map((d) => `${d.file}:${d.code}`);
    expect(codes).toEqual([
      '.claude-hub/tasks/TASK-3-copy.md:id-mismatch',
      '.claude-hub/tasks/TASK-4.md:yaml-invalid',
      '.claude-hub/tasks/TASK-2.md:assignee-unknown',
      '.claude-hub/tasks/TASK-1.md:depends-on-unknown',
      'TODO.md:task-ref-unknown',
    ]);
    expect(cli.filter((d) => d.code === 'task-ref-unknown').map((d) => d.message)).toEqual(['The item names TASK-404, but no task file has that id.']);
    // Most severe first.
    const ranks = cli.map((d) => ['error', 'warning', 'info'].indexOf(d.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(ranks[0]).toBe(0);
  });

  it('a root that is no hub session has no team to check assignees against, but the rest is the same', async () => {
    const root = await troubledTree();
    const state = await temp('hub-same-state-');
    const cli = await cliDiagnostics(root, null);
    const server = await serverDiagnostics(root, state, ['Agent_1']);
    expect(cli.some((d) => d.code === 'assignee-unknown')).toBe(false);
    expect(cli).toEqual(server.filter((d) => d.code !== 'assignee-unknown'));
    expect(cli.some((d) => d.code === 'task-ref-unknown')).toBe(true);
  });
});
