import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { LiveIndex, type IndexChange, type NudgeRequest } from '../../src/hub/index.js';
import type { HookEvent } from '../../src/hub/types.js';
import { chokidarFactory, type FsWatcherFactory } from '../../src/watch/watcher.js';
import { removeAll, taskText, tasksDir, tempRoot, waitFor, writeAtomic } from '../watch/helpers.js';

const TODO = `# Plan

## Agent_1 — backend

- [x] schema
- [ ] api

## Agent_2 — frontend

- [ ] login page
`;

let root: string;
let state: string;
let index: LiveIndex;
let changes: IndexChange[];
let nudges: NudgeRequest[];
let hookEvents: HookEvent[];

function hookLine(event: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ hook_event_name: event, session_id: 'conv-1', cwd: root, ...extra }) + '\n';
}

async function open(options: { fsFactory?: FsWatcherFactory } = {}): Promise<void> {
  index = new LiveIndex({ stateDir: state, watcher: { rescanIntervalMs: 0 }, ...options });
  changes = [];
  nudges = [];
  hookEvents = [];
  index.onChange((c) => changes.push(c));
  index.onNudge((n) => nudges.push(n));
  index.onHookEvent((e) => hookEvents.push(e));
  await index.addSession({
    id: 's1',
    name: 'demo',
    root,
    agents: [
      { name: 'Agent_1', specialization: 'backend' },
      { name: 'Agent_2', specialization: 'frontend' },
    ],
  });
}

const events = (agent: string): string => join(state, 'events', 's1', `${agent}.jsonl`);

beforeEach(async () => {
  root = await tempRoot('hub-index-');
  state = await tempRoot('hub-state-');
  await mkdir(tasksDir(root), { recursive: true });
  await writeFile(join(root, 'TODO.md'), TODO);
  await writeFile(
    join(tasksDir(root), 'TASK-1-api.md'),
    taskText({ id: 'TASK-1', title: 'Build the API', status: 'in_progress', assignee: 'Agent_1' }, '- [x] routes\n- [ ] tests\n'),
  );
  await writeFile(
    join(tasksDir(root), 'TASK-2-login.md'),
    taskText({ id: 'TASK-2', title: 'Login page', status: 'todo', assignee: 'Agent_2', from: 'Agent_1' }),
  );
});

afterEach(async () => {
  await index?.close();
  await removeAll(root, state);
});

/** A real chokidar watcher whose events can be dropped, as macOS FSEvents sometimes does. */
/**
 * The real chokidar watcher, which can drop events (an OS that never delivered them) and records
 * every path it reported (`seen`, after the watcher got it) or dropped: the positive signal a
 * test waits for before asserting that an event changed nothing.
 */
function lossyFactory(): { factory: FsWatcherFactory; drop(on: boolean): void; seen: string[]; dropped: string[] } {
  let dropping = false;
  const seen: string[] = [];
  const dropped: string[] = [];
  return {
    factory: (paths, options) => {
      const real = chokidarFactory(paths, options);
      return {
        ...real,
        onAll: (listener) =>
          real.onAll((e, p) => {
            if (dropping) return void dropped.push(p);
            listener(e, p);
            seen.push(p);
          }),
      };
    },
    drop(on) {
      dropping = on;
    },
    seen,
    dropped,
  };
}

describe('LiveIndex', () => {
  it('loads a session: TODO progress, tasks, agents with progress across TODO items and checklists', async () => {
    await open();
    const status = index.sessionStatus('s1');
    expect(status.session).toMatchObject({ id: 's1', name: 'demo', root, agents: ['Agent_1', 'Agent_2'] });
    expect(status.todo).toMatchObject({ done: 1, total: 3 });
    expect(status.tasks.total).toBe(2);
    expect(status.tasks.byStatus).toEqual({ in_progress: 1, todo: 1 });
    expect(status.tasks.items.map((t) => [t.id, t.file, t.progress])).toEqual([
      ['TASK-1', '.claude-hub/tasks/TASK-1-api.md', { done: 1, total: 2 }],
      ['TASK-2', '.claude-hub/tasks/TASK-2-login.md', { done: 0, total: 0 }],
    ]);
    const a1 = index.agentView('s1', 'Agent_1');
    expect(a1).toMatchObject({
      status: 'starting',
      currentTask: 'TASK-1',
      progress: { done: 2, total: 4 },
      specialization: 'backend',
      backend: 'tmux',
      queuedMessages: 0,
    });
    expect(index.task('s1', 'TASK-2')?.summary).toMatchObject({ title: 'Login page', from: 'Agent_1' });
    expect(index.task('s1', 'TASK-99')).toBeNull();
    // Loading is not routing: existing tasks nudge nobody.
    expect(nudges).toEqual([]);
    // Loading reports the session and its agents, not every file it read.
    expect(changes.map((c) => c.kind).sort()).toEqual(['agent', 'agent', 'sessions', 'status']);
  });

  it("lists a status's tasks most pressing first; index.tasks keeps file order", async () => {
    await writeFile(
      join(tasksDir(root), 'TASK-3-db.md'),
      taskText({ id: 'TASK-3', title: 'Database', status: 'todo', priority: 'critical', assignee: 'Agent_1' }),
    );
    await writeFile(join(tasksDir(root), 'TASK-4-docs.md'), taskText({ id: 'TASK-4', title: 'Docs', status: 'done', assignee: 'Agent_2' }));
    await open();
    expect(index.sessionStatus('s1').tasks.items.map((t) => t.id)).toEqual(['TASK-1', 'TASK-3', 'TASK-2', 'TASK-4']);
    expect(index.tasks('s1').map((t) => t.id)).toEqual(['TASK-1', 'TASK-2', 'TASK-3', 'TASK-4']);
  });

  it('caches the status until something changes, then reflects the change', async () => {
    await open();
    const first = index.sessionStatus('s1');
    expect(index.sessionStatus('s1')).toBe(first);
    await writeAtomic(join(root, 'TODO.md'), TODO.replace('- [ ] api', '- [x] api'));
    await waitFor(() => index.sessionStatus('s1').todo.done === 2, 'TODO tick');
    expect(index.sessionStatus('s1')).not.toBe(first);
    expect(index.agentView('s1', 'Agent_1').progress).toEqual({ done: 3, total: 4 });
    await index.whenSettled();
    expect(changes.filter((c) => c.kind === 'todo')).toEqual([{ kind: 'todo', session: 's1' }]);
  });

  it('follows hook events: starting → idle → working → waiting → idle, tells listeners, and every event reaches onHookEvent', async () => {
    await open();
    const statuses = (): string[] => changes.flatMap((c) => (c.kind === 'agent' && c.agent === 'Agent_2' ? [c.status] : []));
    await appendFile(events('Agent_2'), hookLine('SessionStart', { source: 'startup' }));
    await waitFor(() => index.agentView('s1', 'Agent_2').status === 'idle', 'idle');
    await appendFile(events('Agent_2'), hookLine('UserPromptSubmit', { prompt: 'TASK-2 from Agent_1: Login page' }));
    await waitFor(() => index.agentView('s1', 'Agent_2').status === 'working', 'working');
    await appendFile(events('Agent_2'), hookLine('PermissionRequest', { tool_name: 'Edit' }));
    await waitFor(() => index.agentView('s1', 'Agent_2').status === 'waiting_for_person', 'waiting');
    await appendFile(events('Agent_2'), hookLine('PostToolUse', { tool_name: 'Edit' }) + hookLine('SubagentStop') + hookLine('Stop'));
    await waitFor(() => index.agentView('s1', 'Agent_2').status === 'idle' && hookEvents.length === 6, 'idle again');
    await index.whenSettled();
    expect(statuses()).toEqual(['starting', 'idle', 'working', 'waiting_for_person', 'idle']);
    expect(hookEvents.map((e) => e.event)).toEqual(['SessionStart', 'UserPromptSubmit', 'PermissionRequest', 'PostToolUse', 'SubagentStop', 'Stop']);
    expect(hookEvents[1]?.payload.prompt).toBe('TASK-2 from Agent_1: Login page');
    const view = index.agentView('s1', 'Agent_2');
    expect(view.why).toMatch(/^Stop hook at \d\d:\d\d:\d\d$/);
    expect(view.claudeSessionId).toBe('conv-1');
    expect(view.lastActivity).not.toBeNull();
  });

  it('skips torn hook lines with a diagnostic in the session status', async () => {
    await open();
    await appendFile(events('Agent_1'), hookLine('UserPromptSubmit') + '{"hook_event_name": "Sto\n' + hookLine('Stop'));
    await waitFor(() => index.agentView('s1', 'Agent_1').why.startsWith('Stop hook'), 'Stop');
    expect(index.sessionStatus('s1').diagnostics).toContainEqual(expect.objectContaining({ file: 'Agent_1.jsonl', line: 2, code: 'hook-line-invalid' }));
  });

  it('terminal liveness and dialogs from the core override hook state', async () => {
    await open();
    await appendFile(events('Agent_1'), hookLine('UserPromptSubmit'));
    await waitFor(() => index.agentView('s1', 'Agent_1').status === 'working', 'working');
    index.setAgentRuntime('s1', 'Agent_1', {
      pendingPrompt: { kind: 'permission', question: 'Do you want to make this edit?', choices: [{ number: 1, label: 'Yes' }], since: 'now' },
    });
    expect(index.agentView('s1', 'Agent_1').status).toBe('waiting_for_person');
    index.setTerminalAlive('s1', 'Agent_1', false);
    expect(index.agentView('s1', 'Agent_1')).toMatchObject({ status: 'exited', pendingPrompt: { kind: 'permission' } });
    await index.whenSettled();
    expect(changes.filter((c) => c.kind === 'agent' && c.agent === 'Agent_1').map((c) => (c.kind === 'agent' ? c.status : ''))).toEqual([
      'starting',
      'working',
      'exited',
    ]);
  });

  it('a task file saying blocked makes its agent blocked, naming file and line', async () => {
    await open();
    await writeAtomic(join(tasksDir(root), 'TASK-1-api.md'), taskText({ id: 'TASK-1', title: 'Build the API', status: 'blocked', assignee: 'Agent_1' }));
    await waitFor(() => index.agentView('s1', 'Agent_1').status === 'blocked', 'blocked');
    expect(index.agentView('s1', 'Agent_1').why).toBe('TASK-1 status blocked (.claude-hub/tasks/TASK-1-api.md:4)');
  });

  it('diagnoses a task assigned to an unknown agent and duplicate ids without crashing or touching files', async () => {
    await writeFile(join(tasksDir(root), 'TASK-3-ghost.md'), taskText({ id: 'TASK-3', title: 'Ghost', assignee: 'Agent_9' }));
    await writeFile(join(tasksDir(root), 'TASK-2-dup.md'), taskText({ id: 'TASK-2', title: 'Dup', assignee: 'Agent_1' }));
    const before = await Promise.all((await readdir(tasksDir(root))).sort().map((f) => readFile(join(tasksDir(root), f), 'utf8')));
    await open();
    const diagnostics = index.sessionStatus('s1').diagnostics;
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        file: '.claude-hub/tasks/TASK-3-ghost.md',
        line: 5,
        code: 'assignee-unknown',
        message: 'TASK-3 is assigned to Agent_9, who does not exist in this session.',
      }),
    );
    expect(diagnostics.some((d) => /duplicate/i.test(d.code) && d.message.includes('TASK-2'))).toBe(true);
    expect(index.task('s1', 'TASK-2')?.summary.file).toBe('.claude-hub/tasks/TASK-2-dup.md');
    const after = await Promise.all((await readdir(tasksDir(root))).sort().map((f) => readFile(join(tasksDir(root), f), 'utf8')));
    expect(after).toEqual(before);
    // Adding the agent clears the diagnostic.
    index.setAgents('s1', [
      { name: 'Agent_1', specialization: null },
      { name: 'Agent_2', specialization: null },
      { name: 'Agent_9', specialization: 'ghost' },
    ]);
    expect(index.sessionStatus('s1').diagnostics.some((d) => d.code === 'assignee-unknown')).toBe(false);
  });

  it('routes a new assigned task exactly once: not again on rescan, re-save, or for unknown agents', async () => {
    const observed = lossyFactory();
    await open({ fsFactory: observed.factory });
    const path = join(tasksDir(root), 'TASK-12-fix-login.md');
    const text = taskText({ id: 'TASK-12', title: 'Fix the login', assignee: 'Agent_2', from: 'Agent_1' });
    await writeAtomic(path, text);
    await waitFor(() => nudges.length === 1, 'one nudge');
    await index.rescan();
    const before = observed.seen.filter((p) => p === path).length;
    await writeAtomic(path, text);
    // The watcher got the re-save (and whenSettled waits for what it scheduled): only then is "no second nudge" meaningful.
    await waitFor(() => observed.seen.filter((p) => p === path).length > before, 'the re-save seen by the watcher');
    await index.whenSettled();
    expect(nudges).toEqual([
      {
        session: 's1',
        agent: 'Agent_2',
        taskId: 'TASK-12',
        file: '.claude-hub/tasks/TASK-12-fix-login.md',
        reasons: ['assigned'],
        text: 'TASK-12 from Agent_1: Fix the login; read .claude-hub/tasks/TASK-12-fix-login.md',
      },
    ]);
    await writeAtomic(join(tasksDir(root), 'TASK-13-x.md'), taskText({ id: 'TASK-13', title: 'Nobody', assignee: 'Agent_9' }));
    await waitFor(() => index.task('s1', 'TASK-13'), 'TASK-13');
    await index.whenSettled();
    expect(nudges).toHaveLength(1);
  });

  it("does not route the hub's own write when it is marked routed, and does route the next person's edit", async () => {
    await open();
    const path = join(tasksDir(root), 'TASK-20-msg.md');
    const hubText = taskText({ id: 'TASK-20', title: 'Message', assignee: 'Agent_1', from: 'person' });
    index.markRouted(path, createHash('sha256').update(hubText).digest('hex'));
    await writeAtomic(path, hubText);
    await index.reflect(path);
    expect(index.task('s1', 'TASK-20')?.summary.assignee).toBe('Agent_1');
    await writeAtomic(path, taskText({ id: 'TASK-20', title: 'Message', assignee: 'Agent_2', from: 'person' }));
    await waitFor(() => nudges.length === 1, 'nudge for the person edit');
    await index.whenSettled();
    expect(nudges.map((n) => [n.agent, n.taskId])).toEqual([['Agent_2', 'TASK-20']]);
  });

  it('a rescan repairs a missed task event, and a deleted task disappears', async () => {
    const lossy = lossyFactory();
    await open({ fsFactory: lossy.factory });
    lossy.drop(true);
    const login = join(tasksDir(root), 'TASK-2-login.md');
    await writeAtomic(login, taskText({ id: 'TASK-2', title: 'Login page', status: 'done', assignee: 'Agent_2' }));
    // The save was reported by the OS and dropped: the index cannot have it until the rescan.
    await waitFor(() => lossy.dropped.includes(login), 'the save seen and dropped');
    await index.whenSettled();
    expect(index.task('s1', 'TASK-2')?.summary.status).toBe('todo');
    await index.rescan();
    expect(index.task('s1', 'TASK-2')?.summary.status).toBe('done');
    lossy.drop(false);
    const { unlink } = await import('node:fs/promises');
    await unlink(join(tasksDir(root), 'TASK-1-api.md'));
    await waitFor(() => index.task('s1', 'TASK-1') === null, 'TASK-1 gone');
    expect(index.sessionStatus('s1').tasks.total).toBe(1);
    expect(changes).toContainEqual({ kind: 'task', session: 's1', taskId: 'TASK-1', file: '.claude-hub/tasks/TASK-1-api.md', change: 'removed' });
  });

  it('refuses unknown sessions and agents and duplicate sessions with exact codes', async () => {
    await open();
    expect(() => index.sessionStatus('nope')).toThrow(expect.objectContaining({ code: 'SESSION_NOT_FOUND' }));
    expect(() => index.agentView('s1', 'Agent_7')).toThrow(expect.objectContaining({ code: 'AGENT_NOT_FOUND' }));
    await expect(index.addSession({ id: 's1', name: 'again', root, agents: [] })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await index.removeSession('s1');
    expect(index.sessions()).toEqual([]);
    expect(await readFile(join(root, 'TODO.md'), 'utf8')).toBe(TODO);
  });
});

describe('LiveIndex as the status source of delivery', () => {
  it('answers getStatus by agent name across sessions and reports status changes', async () => {
    await open();
    const seen: [string, string, string][] = [];
    index.onStatusChange((agent, status, session) => seen.push([agent, status, session]));
    expect(index.getStatus('Agent_2')).toBe('starting');
    expect(index.getStatus('Agent_77')).toBeNull();
    await appendFile(events('Agent_2'), hookLine('SessionStart', { source: 'startup' }));
    await waitFor(() => index.getStatus('Agent_2') === 'idle', 'idle');
    await index.whenSettled();
    expect(seen).toEqual([['Agent_2', 'idle', 's1']]);
  });
});

describe('LiveIndex hook history and scale', () => {
  it('derives status from the hook history already on disk, without replaying it to listeners', async () => {
    await mkdir(join(state, 'events', 's1'), { recursive: true });
    await writeFile(events('Agent_1'), hookLine('SessionStart', { source: 'startup' }) + hookLine('UserPromptSubmit', { prompt: 'old' }) + hookLine('Stop'));
    await open();
    expect(index.agentView('s1', 'Agent_1')).toMatchObject({ status: 'idle', claudeSessionId: 'conv-1' });
    expect(hookEvents).toEqual([]);
    await appendFile(events('Agent_1'), hookLine('UserPromptSubmit', { prompt: 'new' }));
    await waitFor(() => hookEvents.length === 1, 'the new event');
    expect(hookEvents[0]).toMatchObject({ event: 'UserPromptSubmit', line: 4, agent: 'Agent_1', session: 's1', payload: { prompt: 'new' } });
  });

  it('a rescan repairs a missed hook file event', async () => {
    const lossy = lossyFactory();
    await open({ fsFactory: lossy.factory });
    lossy.drop(true);
    await appendFile(events('Agent_2'), hookLine('UserPromptSubmit'));
    await waitFor(() => lossy.dropped.includes(events('Agent_2')), 'the append seen and dropped');
    await index.whenSettled();
    expect(index.agentView('s1', 'Agent_2').status).toBe('starting');
    await index.rescan();
    expect(index.agentView('s1', 'Agent_2').status).toBe('working');
    expect(hookEvents.map((e) => e.event)).toEqual(['UserPromptSubmit']);
  });

  it('keeps 200 sessions apart: each agent follows its own hook file and each TODO its own session', async () => {
    index = new LiveIndex({ stateDir: state, watcher: { rescanIntervalMs: 0 } });
    const roots: string[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const r = await tempRoot('hub-index-many-');
        roots.push(r);
        await index.addSession({ id: `m${i}`, name: `m${i}`, root: r, agents: [{ name: `A${i}`, specialization: null }] });
      }
      await Promise.all(
        roots.map(async (r, i) => {
          await appendFile(
            join(state, 'events', `m${i}`, `A${i}.jsonl`),
            JSON.stringify({ hook_event_name: i % 2 ? 'UserPromptSubmit' : 'Stop', session_id: `c${i}` }) + '\n',
          );
          await writeAtomic(join(r, 'TODO.md'), `## A${i}\n\n${'- [x] done\n'.repeat(i % 5)}- [ ] open\n`);
        }),
      );
      await waitFor(
        () => roots.every((_, i) => index.sessionStatus(`m${i}`).todo.total === (i % 5) + 1 && index.getStatus(`A${i}`) !== 'starting'),
        'all 200 sessions',
        30_000,
      );
      for (let i = 0; i < 200; i++) {
        expect(index.agentView(`m${i}`, `A${i}`)).toMatchObject({
          status: i % 2 ? 'working' : 'idle',
          claudeSessionId: `c${i}`,
          progress: { done: i % 5, total: (i % 5) + 1 },
        });
      }
    } finally {
      await index.close();
      await removeAll(...roots);
    }
  });
});

describe('LiveIndex and relaunched agents', () => {
  it('an agent launched again is starting until its new process sends a hook event', async () => {
    await open();
    index.setAgentRuntime('s1', 'Agent_1', { terminal: { backend: 'tmux', id: '%1' }, terminalAlive: true });
    await appendFile(events('Agent_1'), hookLine('SessionStart', { source: 'startup' }) + hookLine('SessionEnd', { reason: 'clear' }));
    await waitFor(() => index.getStatus('Agent_1') === 'exited', 'exited');
    // Reporting a terminal (e.g. re-attaching after a hub restart) keeps what the hooks said.
    index.setAgentRuntime('s1', 'Agent_1', { terminal: { backend: 'tmux', id: '%2' }, terminalAlive: true, queuedMessages: 2 });
    expect(index.agentView('s1', 'Agent_1')).toMatchObject({ status: 'exited', terminal: { id: '%2' }, queuedMessages: 2 });
    index.markLaunched('s1', 'Agent_1');
    expect(index.agentView('s1', 'Agent_1').status).toBe('starting');
    await appendFile(events('Agent_1'), hookLine('SessionStart', { source: 'resume' }));
    await waitFor(() => index.getStatus('Agent_1') === 'idle', 'idle after resume');
  });
});

describe('LiveIndex and a SessionEnd that came late', () => {
  it("a SessionEnd whose terminal still runs 3 s on is an earlier process's: what came before counts again; a dead terminal is exited at once", async () => {
    let clock = Date.now();
    index = new LiveIndex({ stateDir: state, watcher: { rescanIntervalMs: 0 }, now: () => clock });
    await index.addSession({ id: 's1', name: 'demo', root, agents: [{ name: 'Agent_1', specialization: null }] });
    index.setAgentRuntime('s1', 'Agent_1', { terminal: { backend: 'tmux', id: '%1' }, terminalAlive: true });
    // The new process started (idle); then the killed one's SessionEnd lands after it.
    await appendFile(events('Agent_1'), hookLine('SessionStart', { source: 'resume' }));
    await waitFor(() => index.getStatus('Agent_1') === 'idle', 'idle');
    await appendFile(events('Agent_1'), hookLine('SessionEnd', { reason: 'other' }));
    await waitFor(() => index.getStatus('Agent_1') === 'exited', 'exited by the SessionEnd');
    // Within the grace the liveness check changes nothing: Claude Code may still be exiting.
    index.setTerminalAlive('s1', 'Agent_1', true);
    await index.whenSettled();
    expect(index.getStatus('Agent_1')).toBe('exited');
    clock += 3_000;
    index.setTerminalAlive('s1', 'Agent_1', true);
    await index.whenSettled();
    expect(index.getStatus('Agent_1')).toBe('idle');
    // A SessionEnd followed by a dead pane is an exit, whenever the check comes.
    await appendFile(events('Agent_1'), hookLine('SessionEnd', { reason: 'prompt_input_exit' }));
    await waitFor(() => index.getStatus('Agent_1') === 'exited', 'exited again');
    clock += 10_000;
    index.setTerminalAlive('s1', 'Agent_1', false);
    await index.whenSettled();
    expect(index.getStatus('Agent_1')).toBe('exited');
  });
});

describe('LiveIndex runtime facts', () => {
  it('reporting the same liveness again notifies nobody; a real change does', async () => {
    await open();
    index.setAgentRuntime('s1', 'Agent_2', { terminal: { backend: 'tmux', id: '%7' }, terminalAlive: true });
    await index.whenSettled();
    changes.length = 0;
    for (let i = 0; i < 5; i++) index.setTerminalAlive('s1', 'Agent_2', true);
    index.setAgentRuntime('s1', 'Agent_2', { terminal: { backend: 'tmux', id: '%7' } });
    await index.whenSettled();
    expect(changes).toEqual([]);
    index.setTerminalAlive('s1', 'Agent_2', false);
    await index.whenSettled();
    expect(changes).toContainEqual(expect.objectContaining({ kind: 'agent', agent: 'Agent_2', status: 'exited', previous: 'starting' }));
    expect(changes).toContainEqual({ kind: 'status', session: 's1' });
  });
});

describe('LiveIndex with the real hook script', () => {
  it('events appended by templates/hooks/emit.sh (pretty JSON, 20 at once) arrive whole, once each', async () => {
    const { exec } = await import('../../src/exec.js');
    await open();
    const script = join(process.cwd(), 'templates', 'hooks', 'emit.sh');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const pretty = JSON.stringify({ hook_event_name: 'UserPromptSubmit', session_id: 'conv-9', cwd: root, prompt: 'two\nlines "quoted" $(x)' }, null, 2);
    await exec('sh', [script, events('Agent_1')], { env, input: pretty });
    await waitFor(() => hookEvents.length === 1, 'the pretty event');
    expect(hookEvents[0]).toMatchObject({ event: 'UserPromptSubmit', claudeSessionId: 'conv-9', payload: { prompt: 'two\nlines "quoted" $(x)' } });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        exec('sh', [script, events('Agent_1')], { env, input: JSON.stringify({ hook_event_name: 'PostToolUse', tool_name: `T${i}`, session_id: 'conv-9' }) }),
      ),
    );
    await waitFor(() => hookEvents.length === 21, '20 more events');
    await index.whenSettled();
    expect(new Set(hookEvents.slice(1).map((e) => e.payload.tool_name)).size).toBe(20);
    expect(index.sessionStatus('s1').diagnostics.filter((d) => d.code.startsWith('hook-'))).toEqual([]);
    expect(index.agentView('s1', 'Agent_1').status).toBe('working');
  });
});
