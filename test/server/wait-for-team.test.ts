/**
 * Issue 15, waiting: wait_for_team through a real SDK client over linked in-memory transports,
 * in front of the real hub on the in-memory terminal. The test plays the agent by appending
 * hook events to its event file (as its emit.sh hook would). Every wait is ended by a positive
 * signal (the condition, the timeout, the abort), never by a sleep.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallToolResultSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { agentEventsFile } from '../../src/agent/settings.js';
import { ERROR_META_KEY } from '../../src/server/call-tool.js';
import { connectRealHub, type ConnectedRealHub } from './connect.js';
import { waitFor } from '../helpers/wait.js';

let real: ConnectedRealHub;
let session: string;
const AGENT = 'Agent_1';

beforeEach(async () => {
  real = await connectRealHub({ config: { securityLevel: 'HIGH' } });
  const root = join(real.dir, 'app');
  await mkdir(root, { recursive: true });
  const created = await call('create_session', { root_path: root, session_name: 'app' });
  session = (created.structuredContent as { session: { session_id: string } }).session.session_id;
  expect((await call('create_agent', { session_id: session, agent_name: AGENT })).isError).toBeFalsy();
});
afterEach(async () => {
  await real.close();
});

async function call(name: string, args: Record<string, unknown>, options: Parameters<ConnectedRealHub['client']['callTool']>[2] = {}): Promise<CallToolResult> {
  return (await real.client.callTool({ name, arguments: args }, CallToolResultSchema, options)) as CallToolResult;
}

/** What the agent's hook would write; the index reads it from the file. */
async function hook(event: string, payload: Record<string, unknown> = {}): Promise<void> {
  const file = agentEventsFile(join(real.dir, 'state'), session, AGENT);
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify({ hook_event_name: event, session_id: 'c-1', cwd: real.dir, ...payload })}\n`);
}

async function agentStatus(): Promise<string> {
  const status = await call('get_session_status', { session_id: session });
  return (status.structuredContent as { agents: { agent_name: string; status: string }[] }).agents.find((a) => a.agent_name === AGENT)?.status ?? 'none';
}

async function becomes(status: string): Promise<void> {
  await waitFor(async () => (await agentStatus()) === status, `${AGENT} ${status}`);
}

/** Resolves once the hub holds `n` waits (a positive signal that the calls are waiting). */
async function waiting(n: number): Promise<void> {
  await waitFor(() => real.hub.waitsInProgress === n, `${n} wait(s) in progress`);
}

interface WaitResult {
  session_id: string;
  met: boolean;
  changed: { agents: { agent_name: string; from: string | null; to: string | null }[]; task_ids: string[]; todo: boolean };
  status: { session: { session_id: string }; agents: { agent_name: string; status: string }[] };
}

const structured = (result: CallToolResult): WaitResult => {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as unknown as WaitResult;
};

const text = (result: CallToolResult): string => (result.content[0]?.type === 'text' ? result.content[0].text : '');

function errorCode(result: CallToolResult): string {
  expect(result.isError).toBe(true);
  const meta = result._meta?.[ERROR_META_KEY] as { code: string } | undefined;
  return meta?.code ?? 'no error code';
}

describe('wait_for_team returns when its condition holds', () => {
  it('all_idle: at once when nobody works, and when the working agent stops, naming what changed', async () => {
    await hook('SessionStart', { source: 'startup' });
    await becomes('idle');
    const now = structured(await call('wait_for_team', { session_id: session, until: 'all_idle' }));
    expect(now).toMatchObject({ session_id: session, met: true, changed: { agents: [] } });

    await hook('UserPromptSubmit', { prompt: 'go' });
    await becomes('working');
    const pending = call('wait_for_team', { session_id: session, until: 'all_idle' });
    await waiting(1);
    await hook('Stop');
    const result = await pending;
    const done = structured(result);
    expect(done.met).toBe(true);
    expect(done.changed.agents).toEqual([{ agent_name: AGENT, from: 'working', to: 'idle' }]);
    expect(done.status.agents).toEqual([expect.objectContaining({ agent_name: AGENT, status: 'idle' })]);
    expect(text(result)).toContain('all_idle holds');
    expect(real.hub.waitsInProgress).toBe(0);
  });

  it('any_needs_person: when the agent stops at a permission dialog; progress notifications arrive for the changes before it', async () => {
    await hook('UserPromptSubmit', { prompt: 'go' });
    await becomes('working');
    const progress: Progress[] = [];
    let sawProgress!: () => void;
    const firstProgress = new Promise<void>((resolve) => {
      sawProgress = resolve;
    });
    const pending = call(
      'wait_for_team',
      { session_id: session, until: 'any_needs_person' },
      {
        onprogress: (p) => {
          progress.push(p);
          sawProgress();
        },
      },
    );
    await waiting(1);
    // A change that does not satisfy the wait: a new task; the waiter hears of it as progress.
    expect((await call('create_task', { session_id: session, title: 'Write the parser' })).isError).toBeFalsy();
    await firstProgress;
    expect(progress[0]).toMatchObject({ total: 30, message: expect.stringContaining('still waiting (any_needs_person)') });
    expect(real.hub.waitsInProgress).toBe(1);

    await hook('PermissionRequest', { tool_name: 'Bash' });
    const result = structured(await pending);
    expect(result.met).toBe(true);
    expect(result.changed.agents).toEqual([{ agent_name: AGENT, from: 'working', to: 'waiting_for_person' }]);
    expect(result.changed.task_ids).toEqual(['TASK-1']);
    // Progress values grow with each notification (MCP requires it).
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
  });

  it('task_done: when the task is marked done', async () => {
    const task = await call('create_task', { session_id: session, title: 'Ship it', assignee: AGENT });
    const id = (task.structuredContent as { task: { task_id: string } }).task.task_id;
    const pending = call('wait_for_team', { session_id: session, until: 'task_done', task_id: id });
    await waiting(1);
    expect((await call('update_task', { session_id: session, task_id: id, status: 'done' })).isError).toBeFalsy();
    const result = await pending;
    expect(structured(result)).toMatchObject({ met: true, changed: { task_ids: [id] } });
    expect(text(result)).toContain(`task_done ${id} holds`);
  });

  it('any_change: at the next change in the session, never at once', async () => {
    const pending = call('wait_for_team', { session_id: session, until: 'any_change' });
    await waiting(1);
    expect((await call('edit_todo', { session_id: session, action: 'add', agent: AGENT, text: 'Read the spec' })).isError).toBeFalsy();
    expect(structured(await pending)).toMatchObject({ met: true, changed: { todo: true } });
  });

  it('at the timeout: met false, "still waiting", the current status, and nothing held', async () => {
    const baseline = real.hub.index.changeListenerCount();
    const result = await call('wait_for_team', { session_id: session, until: 'any_needs_person', timeout_s: 1 });
    expect(structured(result)).toMatchObject({ met: false, status: { session: { session_id: session } } });
    expect(text(result)).toMatch(/Still waiting for any_needs_person .*call wait_for_team again/);
    expect(real.hub.waitsInProgress).toBe(0);
    expect(real.hub.index.changeListenerCount()).toBe(baseline);
  });
});

describe('wait_for_team costs nothing it does not need', () => {
  it('a cancelled call frees its wait at once: listener and wait released', async () => {
    const baseline = real.hub.index.changeListenerCount();
    const abort = new AbortController();
    const pending = call('wait_for_team', { session_id: session, until: 'any_needs_person', timeout_s: 50 }, { signal: abort.signal });
    await waiting(1);
    expect(real.hub.index.changeListenerCount()).toBe(baseline + 1);
    abort.abort('the person moved on');
    await expect(pending).rejects.toThrow();
    await waiting(0);
    expect(real.hub.index.changeListenerCount()).toBe(baseline);
  });

  it('100 concurrent idle waits hold one index listener and one timer each; one change answers them all and frees both', async () => {
    await hook('UserPromptSubmit', { prompt: 'go' });
    await becomes('working');
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const listeners = real.hub.index.changeListenerCount();
    const timersBefore = timers();
    // Straight to the hub: the SDK client adds a request timer of its own per call, which is not the hub's cost.
    const waits = Array.from({ length: 100 }, () =>
      real.hub.waitForTeam({ kind: 'mcp', id: 'test' }, { session_id: session, until: 'all_idle', timeout_s: 50 }),
    );
    expect(real.hub.waitsInProgress).toBe(100);
    expect(real.hub.index.changeListenerCount()).toBe(listeners + 100);
    expect(timers() - timersBefore).toBeLessThanOrEqual(100);
    expect(timers() - timersBefore).toBeGreaterThanOrEqual(100);

    await hook('Stop');
    const results = await Promise.all(waits);
    expect(results.every((r) => r.met && r.ended === 'condition')).toBe(true);
    expect(real.hub.waitsInProgress).toBe(0);
    expect(real.hub.index.changeListenerCount()).toBe(listeners);
    // The hub's own timers (file watching, reading the event file) come and go; the waits' hundred are gone.
    expect(timers() - timersBefore).toBeLessThan(10);
  });

  it('100 concurrent waits through the client, with progress tokens, cost no measurable CPU while idle', { timeout: 60_000 }, async () => {
    await hook('UserPromptSubmit', { prompt: 'go' });
    await becomes('working');
    // The process's CPU time (user + system) over one idle window: a measurement, not a wait for something.
    const WINDOW_MS = 3000;
    const cpuOver = async (): Promise<number> => {
      const before = process.cpuUsage();
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000;
    };
    const baseline = await cpuOver();
    let progressed = 0;
    const abort = new AbortController();
    const waits = Array.from({ length: 100 }, () =>
      call(
        'wait_for_team',
        { session_id: session, until: 'all_idle', timeout_s: 50 },
        { signal: abort.signal, timeout: 60_000, onprogress: () => void progressed++ },
      ),
    );
    await waiting(100);
    const loaded = await cpuOver();
    expect(real.hub.waitsInProgress).toBe(100);
    process.stdout.write(
      `wait_for_team: CPU over ${WINDOW_MS} ms idle: ${baseline.toFixed(1)} ms with no wait, ${loaded.toFixed(1)} ms with 100 waits (${progressed} progress notifications)\n`,
    );
    // No polling: what 100 idle waits add stays within the noise of an idle process (a poll every 100 ms each would be thousands of wake-ups).
    expect(loaded - baseline).toBeLessThan(100);

    await hook('Stop');
    const results = await Promise.all(waits);
    expect(results.every((r) => structured(r).met)).toBe(true);
    expect(real.hub.waitsInProgress).toBe(0);
  });
});

describe('wait_for_team refuses bad input with a clear error and holds nothing', () => {
  it('unknown session, task_done without task_id, an unknown task, a timeout out of range', async () => {
    const baseline = real.hub.index.changeListenerCount();
    const unknown = await call('wait_for_team', { session_id: 'nope', until: 'all_idle' });
    expect(errorCode(unknown)).toBe('SESSION_NOT_FOUND');
    const noTask = await call('wait_for_team', { session_id: session, until: 'task_done' });
    expect(errorCode(noTask)).toBe('INVALID_ARGUMENT');
    expect(text(noTask)).toContain('task_done needs task_id');
    expect(errorCode(await call('wait_for_team', { session_id: session, until: 'task_done', task_id: 'TASK-99' }))).toBe('TASK_NOT_FOUND');
    const tooLong = await call('wait_for_team', { session_id: session, until: 'all_idle', timeout_s: 51 });
    expect(errorCode(tooLong)).toBe('INVALID_ARGUMENT');
    expect(text(tooLong)).toContain('timeout_s');
    expect(errorCode(await call('wait_for_team', { session_id: session, until: 'soon' }))).toBe('INVALID_ARGUMENT');
    expect(real.hub.waitsInProgress).toBe(0);
    expect(real.hub.index.changeListenerCount()).toBe(baseline);
  });

  it('a session deleted while waiting ends the wait with SESSION_NOT_FOUND', async () => {
    const pending = call('wait_for_team', { session_id: session, until: 'any_needs_person' });
    await waiting(1);
    expect((await call('delete_session', { session_id: session, force: true })).isError).toBeFalsy();
    expect(errorCode(await pending)).toBe('SESSION_NOT_FOUND');
    expect(real.hub.waitsInProgress).toBe(0);
  });
});
