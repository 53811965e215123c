import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_META_KEY } from '../../src/server/call-tool.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, connectRealHub, type Connected, type ConnectedRealHub } from './connect.js';

let c: Connected;
beforeEach(async () => {
  c = await connect({ config: { securityLevel: 'HIGH' } });
});
afterEach(async () => {
  await c.close();
});

async function call(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await c.client.callTool({ name, arguments: args })) as CallToolResult;
}

function text(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

function errorOf(result: CallToolResult): { code: string; message: string } {
  expect(result.isError).toBe(true);
  const meta = result._meta?.[ERROR_META_KEY] as { code: string; message: string } | undefined;
  expect(meta).toBeDefined();
  expect(text(result)).toBe(`${meta!.code}: ${meta!.message}`);
  expect(text(result)).not.toMatch(/\n\s+at /); // never a stack trace
  return meta!;
}

async function sessionWithAgent(): Promise<string> {
  const created = await call('create_session', { root_path: '/work/app', session_name: 'app' });
  const id = (created.structuredContent as { session: { session_id: string } }).session.session_id;
  await call('create_agent', { session_id: id, agent_name: 'Agent_1', specialization: 'tests' });
  return id;
}

describe('tools/call happy paths (structured content validated by the SDK client against each outputSchema)', () => {
  it('create_session, list_sessions, get_session_status, delete_session', async () => {
    const created = await call('create_session', { root_path: '/work/app', session_name: 'app', trust_root: true });
    expect(created.isError).toBeFalsy();
    const session = (created.structuredContent as { session: { session_id: string; name: string } }).session;
    expect(session.name).toBe('app');
    expect(text(created)).toContain(session.session_id);
    expect(c.hub.calls.at(-1)).toMatchObject({
      method: 'createSession',
      caller: { kind: 'mcp', id: 'stdio' },
      args: [{ root_path: '/work/app', session_name: 'app', trust_root: true }],
    });

    const listed = await call('list_sessions');
    expect((listed.structuredContent as { sessions: unknown[] }).sessions).toHaveLength(1);

    const status = await call('get_session_status', { session_id: session.session_id });
    expect(status.structuredContent).toMatchObject({ session: { session_id: session.session_id }, tasks: { total: 0 }, diagnostics: [{ code: 'demo' }] });
    expect(text(status)).toMatch(/0 agent\(s\)/);

    const deleted = await call('delete_session', { session_id: session.session_id });
    expect(deleted.structuredContent).toMatchObject({ session: { session_id: session.session_id }, closedAgents: [] });
    expect(c.hub.calls.at(-1)).toMatchObject({ method: 'deleteSession', args: [session.session_id, false] });
  });

  it('create_agent, send_message_to_agent, clear, start new, answer prompt, read output, delete_agent', async () => {
    const id = await sessionWithAgent();
    expect(c.hub.calls.at(-1)).toMatchObject({ method: 'createAgent', args: [{ session_id: id, agent_name: 'Agent_1', specialization: 'tests' }] });

    const sent = await call('send_message_to_agent', { agent_name: 'Agent_1', message: 'Please add tests', from: 'Ada' });
    expect(sent.structuredContent).toMatchObject({ agent_name: 'Agent_1', task_id: 'TASK-9', state: 'queued' });
    expect(text(sent)).toContain('queued (agent is working)');
    expect(c.hub.calls.at(-1)?.args).toEqual([{ agent_name: 'Agent_1', message: 'Please add tests', from: 'Ada' }]);

    expect((await call('clear_agent_conversation', { agent_name: 'Agent_1' })).structuredContent).toMatchObject({ agent: { agent_name: 'Agent_1' } });
    await call('start_new_agent_conversation', { agent_name: 'Agent_1', resume: true });
    expect(c.hub.calls.at(-1)).toMatchObject({ method: 'startNewConversation', args: ['Agent_1', true] });
    await call('start_new_agent_conversation', { agent_name: 'Agent_1' });
    expect(c.hub.calls.at(-1)).toMatchObject({ method: 'startNewConversation', args: ['Agent_1', false] });

    const answered = await call('answer_agent_prompt', { agent_name: 'Agent_1', choice: '1' });
    expect(answered.structuredContent).toMatchObject({ choice: { number: 1, label: 'Yes, proceed' } });

    const output = await call('read_agent_output', { agent_name: 'Agent_1' });
    expect(c.hub.calls.at(-1)).toMatchObject({ method: 'readAgentOutput', args: ['Agent_1', 50] });
    expect(output.structuredContent).toEqual({ agent_name: 'Agent_1', alive: true, text: 'line 1\nline 2\nline 3' });

    const deleted = await call('delete_agent', { agent_name: 'Agent_1', force: true });
    expect(deleted.structuredContent).toEqual({ agent_name: 'Agent_1', session_id: id });
    expect(c.hub.calls.at(-1)).toMatchObject({ method: 'deleteAgent', args: ['Agent_1', true] });
  });

  it('create_task, update_task, list_tasks with filters', async () => {
    const id = await sessionWithAgent();
    const created = await call('create_task', {
      session_id: id,
      title: 'Write the parser',
      assignee: 'Agent_1',
      priority: 'high',
      body: '- [ ] do it',
      depends_on: ['TASK-3'],
    });
    expect(created.structuredContent).toMatchObject({ task: { task_id: 'TASK-1', title: 'Write the parser', priority: 'high', assignee: 'Agent_1' } });
    expect(c.hub.calls.at(-1)?.args).toEqual([
      { session_id: id, title: 'Write the parser', assignee: 'Agent_1', priority: 'high', body: '- [ ] do it', depends_on: ['TASK-3'] },
    ]);

    const updated = await call('update_task', { session_id: id, task_id: 'TASK-1', status: 'in_progress', assignee: null, log: 'started' });
    expect(updated.structuredContent).toMatchObject({ task: { status: 'in_progress', assignee: null } });
    expect(c.hub.calls.at(-1)?.args).toEqual([{ session_id: id, task_id: 'TASK-1', status: 'in_progress', assignee: null, log: 'started' }]);

    const all = await call('list_tasks');
    expect((all.structuredContent as { tasks: unknown[] }).tasks).toHaveLength(1);
    const none = await call('list_tasks', { session_id: id, status: 'done' });
    expect((none.structuredContent as { tasks: unknown[] }).tasks).toHaveLength(0);
    expect(text(none)).toBe('No tasks match.');
    expect(c.hub.calls.at(-1)?.args).toEqual([{ session_id: id, status: 'done' }]);
  });
});

describe('outputs name ids the way the inputs take them', () => {
  /** Where a value holds a session id, agent name or task id, its key says so. */
  function misnamed(value: unknown, path = ''): string[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => misnamed(v, `${path}[${i}]`));
    if (value === null || typeof value !== 'object') return [];
    const entries = Object.entries(value);
    const isSession = entries.some(([k]) => k === 'root');
    return entries.flatMap(([key, v]) => {
      const here = `${path}.${key}`;
      const wrong =
        // (An agent's terminal handle has its own id: a tmux pane or an iTerm2 session, which no tool takes.)
        (['id', 'taskId', 'sessionId', 'agentName'].includes(key) && !path.endsWith('.terminal')) ||
        (typeof v === 'string' && (key === 'agent' || key === 'session')) ||
        (key === 'name' && !isSession);
      return [...(wrong ? [here] : []), ...misnamed(v, here)];
    });
  }

  it('in every tool: session_id, agent_name, task_id, never id, name or taskId', async () => {
    const id = await sessionWithAgent();
    await call('create_task', { session_id: id, title: 'Write the parser', assignee: 'Agent_1' });
    const results: [string, CallToolResult][] = [];
    const run = async (name: string, args: Record<string, unknown> = {}) => results.push([name, await call(name, args)]);
    await run('list_sessions');
    await run('get_session_status', { session_id: id });
    await run('wait_for_team', { session_id: id, until: 'any_change', timeout_s: 1 });
    await run('create_agent', { session_id: id, agent_name: 'Agent_2' });
    await run('send_message_to_agent', { agent_name: 'Agent_1', message: 'hi' });
    await run('clear_agent_conversation', { agent_name: 'Agent_1' });
    await run('start_new_agent_conversation', { agent_name: 'Agent_1' });
    await run('answer_agent_prompt', { agent_name: 'Agent_1', choice: '1' });
    await run('read_agent_output', { agent_name: 'Agent_1' });
    await run('list_tasks', { session_id: id });
    await run('create_task', { session_id: id, title: 'Another', assignee: 'Agent_2' });
    await run('update_task', { session_id: id, task_id: 'TASK-1', status: 'done' });
    await run('edit_todo', { session_id: id, action: 'add', agent: 'Agent_1', text: 'one more' });
    await run('delete_agent', { agent_name: 'Agent_2', force: true });
    await run('delete_session', { session_id: id, force: true });
    await run('create_session', { root_path: '/work/other', session_name: 'other' });
    expect(new Set(results.map(([name]) => name)).size).toBe(16);
    for (const [name, result] of results) {
      expect(result.isError, `${name}: ${text(result)}`).toBeFalsy();
      expect(misnamed(result.structuredContent), name).toEqual([]);
    }
  });
});

describe('tools/call bad input: isError with INVALID_ARGUMENT, and the hub is never called', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['get_session_status', {}, /session_id/],
    ['get_session_status', { session_id: '' }, /session_id/],
    ['get_session_status', { session_id: '../../etc' }, /session_id/],
    ['create_session', { root_path: '/x' }, /session_name/],
    ['create_session', { root_path: '/x', session_name: 'a', extra: 1 }, /extra|unrecognized/i],
    ['create_agent', { session_id: 's1', agent_name: '1bad name' }, /agent_name/],
    ['send_message_to_agent', { agent_name: 'Agent_1', message: '' }, /message/],
    ['send_message_to_agent', { agent_name: 'Agent_1', message: 'x'.repeat(64 * 1024 + 1) }, /message/],
    ['send_message_to_agent', { agent_name: 'Agent_1', message: 'hi', from: 'two\nlines' }, /from/],
    ['delete_session', { session_id: 's1', force: 'yes' }, /force/],
    ['read_agent_output', { agent_name: 'Agent_1', lines: 0 }, /lines/],
    ['read_agent_output', { agent_name: 'Agent_1', lines: 1.5 }, /lines/],
    ['list_tasks', { status: 'finished' }, /status/],
    ['create_task', { session_id: 's1', title: 'a\nb' }, /title/],
    ['update_task', { session_id: 's1', task_id: 'TASK-1', log: 'two\nlines' }, /log/],
    ['create_session', { root_path: '/x', session_name: 'n'.repeat(65) }, /session_name/],
    ['create_task', { session_id: 's1', title: 't', depends_on: ['T-1'] }, /depends_on/],
    ['update_task', { session_id: 's1', task_id: '12' }, /task_id/],
    ['answer_agent_prompt', { agent_name: 'Agent_1' }, /choice/],
  ];
  it.each(cases)('%s %j', async (name, args, field) => {
    const before = c.hub.calls.length;
    const error = errorOf(await call(name, args));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(field);
    expect(error.message).toContain(`Invalid arguments for ${name}`);
    expect(c.hub.calls.length).toBe(before);
  });

  it('an unknown tool is a clear error too', async () => {
    const error = errorOf(await call('drop_database'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('tools/list');
  });
});

describe('tools/call hub errors come back as isError with the HubError code and its advice (the real hub)', () => {
  // The real hub (createHub: state store, audit log, live index, delivery) with the in-memory
  // terminal, so the errors asserted are the hub's own, not the FakeHub's copy of them.
  let real: ConnectedRealHub;
  beforeEach(async () => {
    real = await connectRealHub({ config: { securityLevel: 'HIGH' } });
  });
  afterEach(async () => {
    await real.close();
  });
  const callReal = async (name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> =>
    (await real.client.callTool({ name, arguments: args })) as CallToolResult;

  it('SESSION_NOT_FOUND, AGENT_NOT_FOUND, TASK_NOT_FOUND, ALREADY_EXISTS, ROOT_OVERLAP, INVALID_PATH', async () => {
    expect(errorOf(await callReal('get_session_status', { session_id: 'nope' }))).toMatchObject({
      code: 'SESSION_NOT_FOUND',
      message: expect.stringContaining('create_session makes one'),
    });
    expect(errorOf(await callReal('send_message_to_agent', { agent_name: 'Ghost', message: 'hi' }))).toMatchObject({
      code: 'AGENT_NOT_FOUND',
      message: expect.stringContaining('create_agent'),
    });
    const root = join(real.dir, 'app');
    await mkdir(join(root, 'inner'), { recursive: true });
    const created = await callReal('create_session', { root_path: root, session_name: 'app' });
    expect(created.isError, text(created)).toBeFalsy();
    const id = (created.structuredContent as { session: { session_id: string } }).session.session_id;
    const agent = await callReal('create_agent', { session_id: id, agent_name: 'Agent_1', specialization: 'tests' });
    expect(agent.isError, text(agent)).toBeFalsy();
    expect(real.terminal.calls).toEqual(['open:Agent_1']);

    expect(errorOf(await callReal('update_task', { session_id: id, task_id: 'TASK-77', status: 'done' }))).toMatchObject({
      code: 'TASK_NOT_FOUND',
      message: expect.stringContaining('list_tasks'),
    });
    expect(errorOf(await callReal('create_agent', { session_id: id, agent_name: 'Agent_1' }))).toMatchObject({
      code: 'ALREADY_EXISTS',
      message: expect.stringContaining('unique'),
    });
    expect(errorOf(await callReal('create_session', { root_path: root, session_name: 'again' })).code).toBe('ROOT_OVERLAP');
    expect(errorOf(await callReal('create_session', { root_path: join(root, 'inner'), session_name: 'inner' })).code).toBe('ROOT_OVERLAP');
    expect(errorOf(await callReal('create_session', { root_path: 'relative', session_name: 'rel' })).code).toBe('INVALID_PATH');
    expect(errorOf(await callReal('create_session', { root_path: join(real.dir, 'missing'), session_name: 'missing' })).code).toBe('INVALID_PATH');
    // The refused calls changed nothing: no second terminal, one session, one agent.
    expect(real.terminal.calls).toEqual(['open:Agent_1']);
    const listed = (await callReal('list_sessions')).structuredContent as { sessions: { session_id: string; agents: string[] }[] };
    expect(listed.sessions.map((s) => [s.session_id, s.agents])).toEqual([[id, ['Agent_1']]]);
  });
});

describe('tools/call wraps what the hub throws unexpectedly (a FakeHub made to throw)', () => {
  it('an unexpected exception becomes INTERNAL with advice, not a stack trace', async () => {
    c.hub.listSessions = async () => {
      throw new TypeError('boom');
    };
    const error = errorOf(await call('list_sessions'));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('boom');
    expect(error.message).toContain('log');
  });
});
