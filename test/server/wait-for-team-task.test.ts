/**
 * Issue 15: long waits as MCP tasks. Through a real SDK client (its experimental tasks API) over
 * linked in-memory transports, in front of the real hub on the in-memory terminal; the test
 * plays the agent by appending hook events to its event file. wait_for_team says it may run as
 * a task; as one it answers at once with the task, the result comes through tasks/result when
 * the condition holds, it may wait longer than a plain call, tasks/cancel frees the wait, and a
 * task for a tool that does not say so is refused. The plain call is unchanged (wait-for-team.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallToolResultSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { agentEventsFile } from '../../src/agent/settings.js';
import { ERROR_META_KEY } from '../../src/server/call-tool.js';
import { WAIT_MAX_S, WAIT_TASK_MAX_S } from '../../src/hub/team-wait.js';
import { connectRealHub, type ConnectedRealHub } from './connect.js';
import { waitFor } from '../helpers/wait.js';

let real: ConnectedRealHub;
let session: string;
const AGENT = 'Agent_1';

beforeEach(async () => {
  real = await connectRealHub({ config: { securityLevel: 'HIGH' } });
  const root = join(real.dir, 'app');
  await mkdir(root, { recursive: true });
  const created = (await real.client.callTool({ name: 'create_session', arguments: { root_path: root, session_name: 'app' } })) as CallToolResult;
  session = (created.structuredContent as { session: { session_id: string } }).session.session_id;
  expect(((await real.client.callTool({ name: 'create_agent', arguments: { session_id: session, agent_name: AGENT } })) as CallToolResult).isError).toBeFalsy();
  // The client learns which tools may run as tasks from tools/list.
  await real.client.listTools();
});
afterEach(async () => {
  await real.close();
});

async function hook(event: string, payload: Record<string, unknown> = {}): Promise<void> {
  const file = agentEventsFile(join(real.dir, 'state'), session, AGENT);
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify({ hook_event_name: event, session_id: 'c-1', cwd: real.dir, ...payload })}\n`);
}

async function working(): Promise<void> {
  await hook('UserPromptSubmit', { prompt: 'go' });
  await waitFor(async () => {
    const status = (await real.client.callTool({ name: 'get_session_status', arguments: { session_id: session } })) as CallToolResult;
    return (status.structuredContent as { agents: { agent_name: string; status: string }[] }).agents[0]?.status === 'working';
  }, `${AGENT} working`);
}

/** Starts a task-augmented call; resolves with its task id once the server answered with the task. */
async function startTask(args: Record<string, unknown>, onprogress?: (p: Progress) => void): Promise<{ taskId: string; done: Promise<CallToolResult> }> {
  const stream = real.client.experimental.tasks.callToolStream({ name: 'wait_for_team', arguments: args }, CallToolResultSchema, {
    task: { ttl: 60_000 },
    ...(onprogress ? { onprogress } : {}),
  });
  const first = await stream.next();
  if (first.done || first.value.type !== 'taskCreated') throw new Error(`expected taskCreated, got ${JSON.stringify(first.value)}`);
  const done = (async () => {
    for await (const message of stream) {
      if (message.type === 'result') return message.result as CallToolResult;
      if (message.type === 'error') throw message.error;
    }
    throw new Error('the stream ended without a result');
  })();
  // A test that cancels the task does not read its end; the closed connection must not surface as an unhandled rejection.
  done.catch(() => undefined);
  return { taskId: first.value.task.taskId, done };
}

describe('wait_for_team as an MCP task', () => {
  it('is offered: the server declares tasks for tools/call, and tools/list marks only wait_for_team', async () => {
    expect(real.client.getServerCapabilities()?.tasks).toMatchObject({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const { tools } = await real.client.listTools();
    expect(tools.filter((t) => t.execution !== undefined).map((t) => [t.name, t.execution?.taskSupport])).toEqual([['wait_for_team', 'optional']]);
  });

  it('answers at once with a working task; the result, as the plain call gives it, comes when the condition holds', async () => {
    await working();
    const progress: Progress[] = [];
    const { taskId, done } = await startTask({ session_id: session, until: 'all_idle' }, (p) => progress.push(p));
    await waitFor(() => real.hub.waitsInProgress === 1, 'the task waits');
    expect((await real.client.experimental.tasks.getTask(taskId)).status).toBe('working');
    expect((await real.client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toContain(taskId);

    // A change that does not end the wait: progress for the task's request.
    expect(((await real.client.callTool({ name: 'create_task', arguments: { session_id: session, title: 'Parse' } })) as CallToolResult).isError).toBeFalsy();
    await waitFor(() => progress.length > 0, 'progress for the task');
    expect(progress[0]).toMatchObject({ message: expect.stringContaining('still waiting (all_idle)') });
    await hook('Stop');
    const result = await done;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      session_id: session,
      met: true,
      changed: { agents: [{ agent_name: AGENT, from: 'working', to: 'idle' }] },
    });
    expect((await real.client.experimental.tasks.getTask(taskId)).status).toBe('completed');
    expect(real.hub.waitsInProgress).toBe(0);
    process.stdout.write(`wait_for_team task: ${progress.length} progress notification(s) reached the client\n`);
  });

  it(`may wait longer than a plain call (timeout_s up to ${WAIT_TASK_MAX_S}, not ${WAIT_MAX_S})`, async () => {
    await working();
    const plain = (await real.client.callTool({
      name: 'wait_for_team',
      arguments: { session_id: session, until: 'all_idle', timeout_s: 600 },
    })) as CallToolResult;
    expect(plain.isError).toBe(true);
    expect((plain._meta?.[ERROR_META_KEY] as { code?: string } | undefined)?.code).toBe('INVALID_ARGUMENT');

    const { taskId, done } = await startTask({ session_id: session, until: 'all_idle', timeout_s: 600 });
    await waitFor(() => real.hub.waitsInProgress === 1, 'the task waits');
    await hook('Stop');
    expect((await done).structuredContent).toMatchObject({ met: true });
    expect((await real.client.experimental.tasks.getTask(taskId)).status).toBe('completed');

    // A call that fails (an isError result) is a failed task; tasks/result still gives its result, with the reason.
    const tooLong = await startTask({ session_id: session, until: 'all_idle', timeout_s: WAIT_TASK_MAX_S + 1 });
    await expect(tooLong.done).rejects.toThrow(/failed/);
    expect((await real.client.experimental.tasks.getTask(tooLong.taskId)).status).toBe('failed');
    const refused = (await real.client.experimental.tasks.getTaskResult(tooLong.taskId, CallToolResultSchema)) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect((refused._meta?.[ERROR_META_KEY] as { code?: string } | undefined)?.code).toBe('INVALID_ARGUMENT');
  });

  it('tasks/cancel frees the wait at once', async () => {
    await working();
    const listeners = real.hub.index.changeListenerCount();
    const { taskId, done } = await startTask({ session_id: session, until: 'any_needs_person', timeout_s: 600 });
    await waitFor(() => real.hub.waitsInProgress === 1, 'the task waits');
    expect(real.hub.index.changeListenerCount()).toBe(listeners + 1);
    const cancelled = await real.client.experimental.tasks.cancelTask(taskId);
    expect(cancelled.status).toBe('cancelled');
    await waitFor(() => real.hub.waitsInProgress === 0, 'the wait is freed');
    expect(real.hub.index.changeListenerCount()).toBe(listeners);
    expect((await real.client.experimental.tasks.getTask(taskId)).status).toBe('cancelled');
    // The client's stream ends with the task's cancellation, not with a result.
    await expect(done).rejects.toThrow(/cancel/i);
  });

  it('a task for a tool that does not say taskSupport is refused (Method not found); its plain call works', async () => {
    await expect(
      real.client.request({ method: 'tools/call', params: { name: 'list_sessions', arguments: {}, task: { ttl: 1000 } } }, CallToolResultSchema),
    ).rejects.toThrow(/does not run as a task/);
    expect(((await real.client.callTool({ name: 'list_sessions', arguments: {} })) as CallToolResult).isError).toBeFalsy();
  });
});
