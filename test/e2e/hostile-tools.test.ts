/**
 * The hostile corpus (fixtures/hostile/) through every MCP tool of the real hub: a real MCP
 * client, the real server and core, real tmux on its own socket and a real Claude Code agent
 * (only the model is faked). Every input is either refused with a clear error — a HubError
 * code and an actionable sentence, never a stack trace — or taken inert: a message reaches the
 * agent byte-exact after sanitising, a task title reads back as given. And no file outside the
 * session changes, whatever the input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../fixtures/fake-anthropic/server.js';
import { createClaudeEnv, CLAUDE_BIN, type ClaudeEnv } from '../helpers/claude-env.js';
import { waitFor } from '../helpers/wait.js';
import { untilReadyOverMcp } from './mcp-harness.js';
import { unwrapPastedContent } from '../../src/hub/delivery.js';
import { loadHostileCorpus, type HostileInput } from '../security/corpus.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import { createServer } from '../../src/server/create-server.js';
import { defaultConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';
import { sanitizeTerminalText } from '../../src/terminal/sanitize.js';
import { parseTask } from '../../src/protocol/index.js';
import { exec } from '../../src/exec.js';
import { verifyAuditFile } from '../../src/store/audit-log.js';

const corpus = loadHostileCorpus();
const socket = `hub-hostile-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

let base: string;
let root: string;
let outside: string;
let stateDir: string;
let fake: FakeAnthropic;
let claude: ClaudeEnv;
let hub: Hub;
let client: Client;
let close: () => Promise<void>;
let sessionId: string;
let before: Map<string, string>;

/** Every file under `dir` (not following links) with its content hash. */
async function snapshot(dir: string, skip: (path: string) => boolean): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (skip(path)) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile())
        out.set(
          relative(dir, path),
          createHash('sha256')
            .update(await readFile(path))
            .digest('hex'),
        );
      else out.set(relative(dir, path), entry.isSymbolicLink() ? 'link' : 'other');
    }
  };
  await walk(dir);
  return out;
}

const outsideTheSession = (path: string): boolean => path === root || path.startsWith(`${root}/`) || path === stateDir || path === claude.home;

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** A refusal must be an isError result whose text is `CODE: sentence`, with no stack trace. */
function expectClearRefusal(result: CallToolResult, what: string): string {
  expect(result.isError, `${what} should be refused`).toBe(true);
  const text = (result.content as { type: string; text: string }[])[0]?.text ?? '';
  expect(text, what).toMatch(/^[A-Z_]+: \S.{15,}/s);
  expect(text, what).not.toMatch(/\n\s+at \S+ \(/);
  // A refusal never echoes terminal control sequences back to the client.
  expect(text, what).not.toMatch(/\u001b/);
  return text.slice(0, text.indexOf(':'));
}

function accepted(result: CallToolResult): boolean {
  return result.isError !== true;
}

async function userPrompts(): Promise<string[]> {
  const text = await readFile(join(stateDir, 'events', sessionId, 'Agent_1.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.includes('"UserPromptSubmit"'))
    .map((l) => (JSON.parse(l) as { prompt: string }).prompt);
}

async function waitIdle(): Promise<void> {
  await waitFor(() => hub.index.getStatus('Agent_1') === 'idle', 'Agent_1 idle', 60_000, 50).catch(async (error: unknown) => {
    // Say what the agent showed instead: its status and its screen.
    const screen = await call('read_agent_output', { agent_name: 'Agent_1', lines: 25 });
    throw new Error(`${String(error)}; status ${hub.index.getStatus('Agent_1')}; screen: ${JSON.stringify(screen.structuredContent)}`);
  });
}

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'hub-hostile-')));
  root = join(base, 'project');
  outside = join(base, 'outside');
  stateDir = join(await realpath(await mkdtemp(join(tmpdir(), 'hub-hostile-state-'))), 'state');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(join(outside, 'nested'), { recursive: true });
  await writeFile(join(outside, 'secret.txt'), 'outside secret\n');
  await writeFile(join(base, 'outside.txt'), 'next to the root\n');
  await writeFile(join(root, 'TODO.md'), '# Plan\n\n## Agent_1\n\n- [ ] first\n');
  fake = await startFakeAnthropic({ script: [], fallbackText: 'Noted.' });
  claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [root], acceptEdits: true });
  const config = Object.freeze({ ...defaultConfig({}), stateDir, claudeCommand: CLAUDE_BIN, tmuxSocket: socket, backend: 'tmux' as const });
  hub = await createHub(config, silentLogger, {
    backend: new TmuxBackend({ socket }),
    agentEnv: claude.env,
    env: { HOME: claude.home },
    home: claude.home,
    gitAudit: false,
  });
  const server = createServer({ hub, config, logger: silentLogger, version: 'test', audit: (c, t, o, a) => hub.auditToolCall(c, t, o, a) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.server.connect(serverSide);
  client = new Client({ name: 'hostile', version: '1.0.0' });
  await client.connect(clientSide);
  close = async () => {
    await client.close();
    await server.close();
  };
  sessionId = ((await call('create_session', { root_path: root, session_name: 'hostile' })).structuredContent as { session: { session_id: string } }).session
    .session_id;
  expect(accepted(await call('create_agent', { session_id: sessionId }))).toBe(true);
  // Idle with its prompt box up, past a start-up menu a release may show (answered through the tool).
  await untilReadyOverMcp(call, sessionId, 'Agent_1');
  before = await snapshot(base, outsideTheSession);
}, 120_000);

afterAll(async () => {
  await close?.();
  await hub?.close();
  await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
  await fake?.close();
  await claude?.cleanup();
  await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  await rm(join(stateDir, '..'), { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

describe('the hostile corpus through every tool', () => {
  it('names, ids and paths: refused with a clear error unless they are well formed', async () => {
    for (const input of corpus.inputs) {
      const v = input.value;
      const what = (tool: string): string => `${tool} with ${input.name}`;
      expectClearRefusal(await call('get_session_status', { session_id: v }), what('get_session_status'));
      expectClearRefusal(await call('delete_session', { session_id: v, force: true }), what('delete_session'));
      expectClearRefusal(await call('create_session', { root_path: v, session_name: 'x' }), what('create_session root_path'));
      expectClearRefusal(await call('delete_agent', { agent_name: v }), what('delete_agent'));
      expectClearRefusal(await call('clear_agent_conversation', { agent_name: v }), what('clear_agent_conversation'));
      expectClearRefusal(await call('start_new_agent_conversation', { agent_name: v }), what('start_new_agent_conversation'));
      expectClearRefusal(await call('read_agent_output', { agent_name: v }), what('read_agent_output'));
      expectClearRefusal(await call('answer_agent_prompt', { agent_name: v, choice: '1' }), what('answer_agent_prompt agent_name'));
      expectClearRefusal(await call('send_message_to_agent', { agent_name: v, message: 'hello' }), what('send_message_to_agent agent_name'));
      expectClearRefusal(await call('update_task', { session_id: sessionId, task_id: v, status: 'done' }), what('update_task task_id'));
      expectClearRefusal(await call('create_agent', { session_id: v }), what('create_agent session_id'));
      // An agent name is either refused, or a well-formed name that simply matches nobody.
      const listed = await call('list_tasks', { session_id: sessionId, assignee: v });
      if (accepted(listed)) expect((listed.structuredContent as { tasks: unknown[] }).tasks, what('list_tasks')).toEqual([]);
      const named = await call('create_agent', { session_id: sessionId, agent_name: v });
      if (accepted(named)) {
        expect(v, `${input.name} made an agent, so it must be a plain name`).toMatch(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/);
        expect(accepted(await call('delete_agent', { agent_name: v, force: true }))).toBe(true);
      } else expectClearRefusal(named, what('create_agent agent_name'));
      const sessionNamed = await call('create_session', { root_path: join(base, 'outside', 'nested'), session_name: v });
      if (accepted(sessionNamed)) {
        const id = (sessionNamed.structuredContent as { session: { session_id: string; name: string } }).session;
        expect(id.name).toBe(v.trim());
        expect(accepted(await call('delete_session', { session_id: id.session_id, force: true }))).toBe(true);
      } else expectClearRefusal(sessionNamed, what('create_session session_name'));
    }
    for (const path of corpus.paths) {
      const result = await call('create_session', { root_path: path.value, session_name: `p ${path.name}` });
      expectClearRefusal(result, `create_session root_path ${path.name}`);
    }
  }, 300_000);

  it('task titles, bodies, logs and senders: refused, or written so they read back exactly (no YAML or markdown injection)', async () => {
    for (const input of corpus.inputs) {
      const created = await call('create_task', { session_id: sessionId, title: input.value, body: input.value, from: 'Lead' });
      if (!accepted(created)) {
        expectClearRefusal(created, `create_task title ${input.name}`);
        continue;
      }
      const task = (created.structuredContent as { task: { task_id: string; file: string } }).task;
      const doc = parseTask(await readFile(join(root, task.file), 'utf8'), task.file);
      expect(
        doc.diagnostics.filter((d) => d.severity === 'error'),
        input.name,
      ).toEqual([]);
      expect(doc.task?.title, input.name).toBe(input.value.trim());
      expect(doc.task?.from).toBe('Lead');
      const logged = await call('update_task', { session_id: sessionId, task_id: task.task_id, log: input.value, status: 'review' });
      if (accepted(logged)) {
        const after = parseTask(await readFile(join(root, task.file), 'utf8'), task.file);
        expect(after.task?.status, input.name).toBe('review');
        expect(after.task?.title, input.name).toBe(input.value.trim());
      } else expectClearRefusal(logged, `update_task log ${input.name}`);
    }
    for (const input of corpus.inputs) {
      const result = await call('create_task', { session_id: sessionId, title: 'from test', from: input.value });
      if (accepted(result)) expect(input.value).toMatch(/^[A-Za-z][A-Za-z0-9_.@-]{0,63}$/);
      else expectClearRefusal(result, `create_task from ${input.name}`);
    }
  }, 300_000);

  it('messages: refused, or delivered to the real agent exactly as sanitised — never interpreted', async () => {
    const inert = (input: HostileInput): boolean => !input.tags.includes('size') || Buffer.byteLength(input.value) <= 64 * 1024;
    let delivered = 0;
    for (const input of corpus.inputs.filter(inert)) {
      await waitIdle();
      const tasksBefore = (await readdir(join(root, '.claude-hub', 'tasks')).catch(() => [])).length;
      const result = await call('send_message_to_agent', { agent_name: 'Agent_1', message: input.value, from: 'Lead' });
      if (!accepted(result)) {
        expectClearRefusal(result, `send_message_to_agent ${input.name}`);
        // Refused means nothing was written either.
        expect((await readdir(join(root, '.claude-hub', 'tasks')).catch(() => [])).length, input.name).toBe(tasksBefore);
        continue;
      }
      const sent = result.structuredContent as { state: string; task_id: string; taskFile: string };
      expect(sent.state, input.name).toBe('delivered');
      // Typed: exactly the sanitized text. Claude Code itself then expands tabs to four spaces
      // and drops trailing spaces from what it submits (seen with 2.1.197); 2.1.332 wraps some
      // pastes in <pasted_content …> and trims the text inside (the wrapper is taken off here
      // as the hub's confirmation does).
      const typed = sanitizeTerminalText(`${sent.task_id} from Lead (${sent.taskFile}):\n${input.value}`);
      const expected = typed.replace(/\t/g, '    ').replace(/ +$/, '');
      const submitted = (await userPrompts()).at(-1) ?? '';
      const inside = unwrapPastedContent(submitted);
      const got = inside === submitted ? inside : inside.trimEnd();
      const want = inside === submitted ? expected : expected.trimEnd();
      // Where a release drops invisible format characters (zero-width, BOM, soft hyphen) from a
      // prompt itself, every visible character must still be there, in order.
      const visible = (t: string): string => t.replace(/\p{Cf}/gu, '');
      expect(got === want ? got : visible(got), input.name).toBe(got === want ? want : visible(want));
      delivered++;
    }
    expect(delivered).toBeGreaterThan(50);
    for (const input of corpus.inputs.filter((i) => !inert(i))) {
      expectClearRefusal(await call('send_message_to_agent', { agent_name: 'Agent_1', message: input.value }), `send_message_to_agent ${input.name}`);
    }
    // The agent is still the same healthy process after every input.
    await waitIdle();
    expect((await call('read_agent_output', { agent_name: 'Agent_1', lines: 5 })).isError).not.toBe(true);
  }, 600_000);

  it('a task file symlinked out of the session is reported, never read or served', async () => {
    await mkdir(join(root, '.claude-hub', 'tasks'), { recursive: true });
    await symlink(join(outside, 'secret.txt'), join(root, '.claude-hub', 'tasks', 'TASK-900-escape.md'));
    await hub.index.rescan();
    const status = await call('get_session_status', { session_id: sessionId });
    expect(JSON.stringify(status)).not.toContain('outside secret');
    const read = await client.readResource({ uri: `hub://sessions/${sessionId}/tasks/TASK-900` }).catch((error: unknown) => error as Error);
    expect(JSON.stringify(read)).not.toContain('outside secret');
  });

  it('nothing outside the session changed, and every refusal is in the verified audit log', async () => {
    const after = await snapshot(base, outsideTheSession);
    expect([...after.entries()].sort()).toEqual([...before.entries()].sort());
    await hub.whenSettled();
    const verify = await verifyAuditFile(join(stateDir, 'audit.jsonl'));
    expect(verify.ok).toBe(true);
    expect(verify.entries).toBeGreaterThan(corpus.inputs.length * 10);
  });
});
