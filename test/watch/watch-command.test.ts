import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { findEventsDir, watchCommand, type WatchLine } from '../../src/commands/watch.js';
import { removeAll, taskText, tasksDir, tempRoot, waitFor, writeAtomic } from './helpers.js';

let root: string;
let state: string;

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

beforeEach(async () => {
  root = await tempRoot('hub-watchcmd-');
  state = await tempRoot('hub-watchcmd-state-');
  await mkdir(tasksDir(root), { recursive: true });
  await writeFile(join(root, 'TODO.md'), '## Agent_1\n\n- [ ] one\n- [ ] two\n');
  await writeFile(join(tasksDir(root), 'TASK-1-a.md'), taskText({ id: 'TASK-1', title: 'A', assignee: 'Agent_1' }, '- [ ] step\n'));
});
afterEach(async () => removeAll(root, state));

describe('claude-hub watch', () => {
  it('--json prints one NDJSON line per change, with agents from the state dir, until aborted', async () => {
    const hookFile = join(state, 'events', 'sess-42', 'Agent_1.jsonl');
    await mkdir(join(state, 'events', 'sess-42'), { recursive: true });
    await writeFile(hookFile, JSON.stringify({ hook_event_name: 'SessionStart', source: 'startup', session_id: 'c', cwd: root }) + '\n');
    const out = capture();
    const err = capture();
    const abort = new AbortController();
    const done = watchCommand([root, '--json', '--state-dir', state], { stdout: out.stream, stderr: err.stream, signal: abort.signal, env: {} });
    const lines = (): WatchLine[] =>
      out
        .text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as WatchLine);
    await waitFor(() => lines().some((l) => l.kind === 'agent'), 'initial agent line');
    expect(lines()[0]).toMatchObject({ session: 'sess-42', kind: 'watching', progress: { done: 0, total: 2 } });
    expect(lines().find((l) => l.kind === 'agent')).toMatchObject({ agent: 'Agent_1', status: 'idle', task: 'TASK-1', progress: { done: 0, total: 3 } });

    await appendFile(hookFile, JSON.stringify({ hook_event_name: 'UserPromptSubmit', session_id: 'c', cwd: root, prompt: 'go' }) + '\n');
    await waitFor(() => lines().some((l) => l.kind === 'agent' && l.status === 'working'), 'working line');
    await writeAtomic(join(tasksDir(root), 'TASK-1-a.md'), taskText({ id: 'TASK-1', title: 'A', status: 'in_progress', assignee: 'Agent_1' }, '- [x] step\n'));
    await waitFor(() => lines().some((l) => l.kind === 'task'), 'task line');
    await writeAtomic(join(root, 'TODO.md'), '## Agent_1\n\n- [x] one\n- [ ] two\n');
    await waitFor(() => lines().some((l) => l.kind === 'todo'), 'todo line');
    abort.abort();
    expect(await done).toBe(0);
    const all = lines();
    expect(all.find((l) => l.kind === 'task')).toMatchObject({
      session: 'sess-42',
      task: 'TASK-1',
      status: 'in_progress',
      progress: { done: 1, total: 1 },
      agent: 'Agent_1',
    });
    expect(all.find((l) => l.kind === 'todo')).toMatchObject({ progress: { done: 1, total: 2 } });
    for (const l of all) expect(Number.isNaN(Date.parse(l.ts))).toBe(false);
    expect(err.text()).toBe('');
  });

  it('prints readable lines without --json and works with no hook events at all', async () => {
    const out = capture();
    const abort = new AbortController();
    const done = watchCommand([root, '--state-dir', state], { stdout: out.stream, stderr: capture().stream, signal: abort.signal, env: {} });
    await waitFor(() => out.text().includes('watching'), 'ready line');
    await writeAtomic(join(tasksDir(root), 'TASK-2-b.md'), taskText({ id: 'TASK-2', title: 'B', status: 'blocked' }));
    await waitFor(() => out.text().includes('TASK-2'), 'task line');
    abort.abort();
    expect(await done).toBe(0);
    expect(out.text()).toMatch(
      /^\d\d:\d\d:\d\d {2}watching .* \(not a hub session: no agents\): TODO 0\/2, 1 tasks, 0 agents, 0 errors, 0 warnings, no hook events$/m,
    );
    expect(out.text()).toMatch(/^\d\d:\d\d:\d\d {2}TASK-2 {2}blocked {2}0\/0$/m);
  });

  it('refuses bad arguments and a missing root with exact codes', async () => {
    for (const [argv, code] of [
      [['--state-dir'], 'INVALID_ARGUMENT'],
      [['--bogus', root], 'INVALID_ARGUMENT'],
      [[root, 'extra'], 'INVALID_ARGUMENT'],
      [[join(root, 'missing')], 'INVALID_PATH'],
    ] as const) {
      const err = capture();
      expect(await watchCommand(argv, { stdout: capture().stream, stderr: err.stream, env: {} })).toBe(2);
      expect(err.text().startsWith(`${code}: `)).toBe(true);
    }
    // ROOT defaults to the working directory.
    const out = capture();
    const abort = new AbortController();
    const done = watchCommand(['--json', '--state-dir', state], { stdout: out.stream, stderr: capture().stream, cwd: root, signal: abort.signal, env: {} });
    await waitFor(() => out.text().includes('"watching"'), 'ready line');
    abort.abort();
    expect(await done).toBe(0);
    expect(JSON.parse(out.text().split('\n')[0] ?? '{}')).toMatchObject({ kind: 'watching', progress: { done: 0, total: 2 } });
    const help = capture();
    expect(await watchCommand(['--help'], { stdout: help.stream, stderr: capture().stream })).toBe(0);
    expect(help.text()).toContain('claude-hub watch [ROOT]');
  });

  it('a task file that breaks is "broken" with its diagnostic, not "removed"; a deleted TODO.md is "missing", not 0/0', async () => {
    const out = capture();
    const abort = new AbortController();
    const done = watchCommand([root, '--json', '--state-dir', state], { stdout: out.stream, stderr: capture().stream, signal: abort.signal, env: {} });
    const lines = (): WatchLine[] =>
      out
        .text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as WatchLine);
    await waitFor(() => lines().some((l) => l.kind === 'watching'), 'ready line');
    await writeAtomic(join(tasksDir(root), 'TASK-1-a.md'), '---\nid: TASK-1\ntitle: [unclosed\n---\n');
    const broken = await waitFor(() => lines().find((l) => l.kind === 'task_broken'), 'broken line');
    expect(broken).toMatchObject({ task: 'TASK-1', why: expect.stringMatching(/^\.claude-hub\/tasks\/TASK-1-a\.md:\d+ yaml-invalid: /) });
    expect(lines().some((l) => l.kind === 'task_removed')).toBe(false);
    await rm(join(root, 'TODO.md'));
    expect(await waitFor(() => lines().find((l) => l.kind === 'todo'), 'todo line')).toMatchObject({ status: 'missing' });
    abort.abort();
    expect(await done).toBe(0);
  });

  it('finds the events dir of a root by the cwd its hook lines carry', async () => {
    await mkdir(join(state, 'events', 'other'), { recursive: true });
    await writeFile(join(state, 'events', 'other', 'Agent_1.jsonl'), JSON.stringify({ hook_event_name: 'Stop', cwd: '/elsewhere' }) + '\n');
    await mkdir(join(state, 'events', 'mine'), { recursive: true });
    await writeFile(join(state, 'events', 'mine', 'Agent_3.jsonl'), JSON.stringify({ hook_event_name: 'Stop', cwd: join(root, 'sub') }) + '\n');
    expect(await findEventsDir(state, root)).toEqual({ session: 'mine', dir: join(state, 'events', 'mine') });
    expect(await findEventsDir(join(state, 'nothing'), root)).toBeNull();
  });
});
