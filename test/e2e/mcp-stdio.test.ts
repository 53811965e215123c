import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceUpdatedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_META_KEY } from '../../src/server/call-tool.js';
import { waitFor } from '../helpers/wait.js';
import { createWorld, untilReadyOverMcp, type World } from './mcp-harness.js';

let world: World;
let client: Client;
let transport: StdioClientTransport;
let stderr = '';
const updates: string[] = [];

beforeAll(async () => {
  world = await createWorld([
    { trigger: 'say hello', steps: [[{ type: 'text', text: 'Hello from the agent.' }]] },
    // Running node asks for permission even with acceptEdits (touch would not): a dialog for answer_agent_prompt.
    {
      trigger: 'run the check',
      steps: [
        [{ type: 'tool_use', name: 'Bash', input: { command: `node -e "require('fs').writeFileSync('checked.txt', 'ok')"`, description: 'Mark the check' } }],
        [{ type: 'text', text: 'Checked.' }],
      ],
    },
  ]);
  transport = new StdioClientTransport({ command: process.execPath, args: world.serveArgs(), env: world.env, stderr: 'pipe' });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  client = new Client({ name: 'e2e-stdio', version: '1.0.0' });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    updates.push(n.params.uri);
  });
  await client.connect(transport);
});
afterAll(async () => {
  await client?.close();
  await world?.cleanup();
});

async function call(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}
function ok(result: CallToolResult): Record<string, unknown> {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as Record<string, unknown>;
}
function code(result: CallToolResult): string {
  expect(result.isError).toBe(true);
  return (result._meta?.[ERROR_META_KEY] as { code: string } | undefined)?.code ?? 'no error code';
}

describe('the built claude-hub over stdio with the real hub', () => {
  let sessionId = '';

  it('prints one ready line on stderr', () => {
    expect(stderr).toMatch(/claude-hub \S+ ready: transport=stdio state=\S+ backend=tmux/);
  });

  it('lists the eighteen tools with schemas and annotations', async () => {
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(18);
    expect(tools.find((t) => t.name === 'get_session_status')).toMatchObject({
      annotations: { readOnlyHint: true },
      inputSchema: { required: ['session_id'] },
    });
  });

  it('create_session: refuses bad roots, accepts the repo', async () => {
    expect(code(await call('create_session', { root_path: '/', session_name: 'root' }))).toMatch(/INVALID_PATH|FORBIDDEN/);
    expect(code(await call('create_session', { root_path: join(world.root, 'missing'), session_name: 'x' }))).toBe('INVALID_PATH');
    const created = ok(await call('create_session', { root_path: world.root, session_name: 'e2e' })) as { session: { session_id: string } };
    sessionId = created.session.session_id;
    expect(code(await call('create_session', { root_path: join(world.root, '.claude-hub'), session_name: 'inner' }))).toMatch(/ROOT_OVERLAP|INVALID_PATH/);
    expect(ok(await call('list_sessions')).sessions).toHaveLength(1);
  });

  it('resources: read TODO.md, and a subscribed client is told when the file changes on disk', async () => {
    const uri = `hub://sessions/${sessionId}/todo`;
    const read = await client.readResource({ uri });
    expect((read.contents[0] as { text: string }).text).toContain('read the grammar');
    await client.subscribeResource({ uri });
    const text = await readFile(join(world.root, 'TODO.md'), 'utf8');
    await writeFile(join(world.root, 'TODO.md'), text.replace('- [ ] read the grammar', '- [x] read the grammar'));
    await waitFor(() => updates.includes(uri), `resources/updated for ${uri}`);
    const after = await client.readResource({ uri });
    expect((after.contents[0] as { text: string }).text).toContain('- [x] read the grammar');
  });

  it('tasks: create, update, list, read as a resource', async () => {
    const created = ok(await call('create_task', { session_id: sessionId, title: 'Parse lists', priority: 'high', body: '- [ ] nested' })) as {
      task: { task_id: string };
    };
    const id = created.task.task_id;
    expect(ok(await call('update_task', { session_id: sessionId, task_id: id, status: 'in_progress', log: 'started' }))).toMatchObject({
      task: { task_id: id, status: 'in_progress' },
    });
    await waitFor(
      async () => (ok(await call('list_tasks', { session_id: sessionId, status: 'in_progress' })).tasks as unknown[]).length === 1,
      'the task in list_tasks',
    );
    const file = await client.readResource({ uri: `hub://sessions/${sessionId}/tasks/${id}` });
    expect((file.contents[0] as { text: string }).text).toMatch(/status: in_progress/);
    expect(code(await call('update_task', { session_id: sessionId, task_id: 'TASK-999999', status: 'done' }))).toBe('TASK_NOT_FOUND');
  });

  it('agents: create a real Claude Code agent, message it, answer its permission dialog, read its screen, clear, restart, delete', {
    timeout: 240_000,
  }, async () => {
    const created = ok(await call('create_agent', { session_id: sessionId, specialization: 'parser' })) as { agent: { agent_name: string } };
    const name = created.agent.agent_name;
    expect(name).toBe('Agent_1');
    // Idle with its prompt box up, answering a start-up menu a release may show through answer_agent_prompt.
    await untilReadyOverMcp(call, sessionId, name);
    const sent = ok(await call('send_message_to_agent', { agent_name: name, message: 'Please say hello' })) as { state: string; task_id: string };
    expect(['delivered', 'queued']).toContain(sent.state);
    await waitFor(() => world.fake.requests.some((r) => r.mainLoop && (r.turnPrompt ?? '').includes('say hello')), 'the model to get the message', 60_000, 250);
    const screen = ok(await call('read_agent_output', { agent_name: name, lines: 40 })) as { alive: boolean; text: string };
    expect(screen.alive).toBe(true);
    expect(code(await call('send_message_to_agent', { agent_name: 'Nobody', message: 'hi' }))).toBe('AGENT_NOT_FOUND');
    expect(code(await call('answer_agent_prompt', { agent_name: name, choice: '1' }))).toBe('NO_PROMPT');

    // A permission dialog: the agent waits for a person, answer_agent_prompt answers it, the command runs.
    await waitFor(
      async () => {
        const status = ok(await call('get_session_status', { session_id: sessionId })) as { agents: { agent_name: string; status: string }[] };
        return status.agents.find((a) => a.agent_name === name)?.status === 'idle';
      },
      'the agent to be idle again',
      60_000,
      250,
    );
    ok(await call('send_message_to_agent', { agent_name: name, message: 'Please run the check' }));
    const waiting = await waitFor(
      async () => {
        const status = ok(await call('get_session_status', { session_id: sessionId })) as {
          agents: { agent_name: string; status: string; pendingPrompt: { kind: string; choices: { number: number; label: string }[] } | null }[];
        };
        const agent = status.agents.find((a) => a.agent_name === name);
        return agent?.status === 'waiting_for_person' && agent.pendingPrompt !== null ? agent : undefined;
      },
      'the agent to wait for permission, with the dialog shown',
      60_000,
      250,
    );
    // The person sees the question and its choices in the status, without reading the screen.
    expect(waiting.pendingPrompt?.kind).toBe('permission');
    expect(waiting.pendingPrompt?.choices.length).toBeGreaterThanOrEqual(2);
    const answered = ok(await call('answer_agent_prompt', { agent_name: name, choice: '1' })) as {
      answered: { kind: string };
      choice: { number: number };
      now: { state: string };
    };
    expect(answered.answered.kind).toBe('permission');
    expect(answered.choice.number).toBe(1);
    expect(answered.now.state).not.toBe('menu');
    await waitFor(
      async () =>
        await readFile(join(world.root, 'checked.txt'), 'utf8').then(
          () => true,
          () => false,
        ),
      'the approved command to run',
      60_000,
      250,
    );
    expect(ok(await call('clear_agent_conversation', { agent_name: name }))).toMatchObject({ agent: { agent_name: name } });
    expect(ok(await call('start_new_agent_conversation', { agent_name: name }))).toMatchObject({ agent: { agent_name: name } });
    expect(ok(await call('delete_agent', { agent_name: name, force: true }))).toMatchObject({ agent_name: name });
  });

  it('bad input is an isError result, never a protocol error', async () => {
    expect(code(await call('get_session_status', { session_id: '' }))).toBe('INVALID_ARGUMENT');
    expect(code(await call('get_session_status', { session_id: 'no-such-session' }))).toBe('SESSION_NOT_FOUND');
  });

  it('delete_session', async () => {
    expect(ok(await call('delete_session', { session_id: sessionId, force: true }))).toMatchObject({ session: { session_id: sessionId } });
    expect(ok(await call('list_sessions')).sessions).toHaveLength(0);
  });
});
