/**
 * The whole hub, integrated: createHub with real tmux (its own -L socket), real Claude Code
 * agents (only the model is faked: fixtures/fake-anthropic), real chokidar, real git, the
 * encrypted state store and the audit log. Drives it through HubApi the way the MCP tools do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startFakeAnthropic, type FakeAnthropic } from '../../fixtures/fake-anthropic/server.js';
import { createClaudeEnv, CLAUDE_BIN, type ClaudeEnv } from '../helpers/claude-env.js';
import { untilReady } from '../helpers/until-ready.js';
import { waitFor } from '../helpers/wait.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import { defaultConfig, type HubConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';
import { exec } from '../../src/exec.js';
import { sanitizeTerminalText } from '../../src/terminal/sanitize.js';
import { verifyAuditFile, readAuditFile } from '../../src/store/audit-log.js';
import type { Caller } from '../../src/hub/api.js';
import type { AgentStatus } from '../../src/hub/types.js';

const caller: Caller = { kind: 'mcp', id: 'test' };
const socket = `hub-core-${randomBytes(4).toString('hex')}`;
const gitEnv = { GIT_AUTHOR_NAME: 'Person', GIT_AUTHOR_EMAIL: 'p@example.invalid', GIT_COMMITTER_NAME: 'Person', GIT_COMMITTER_EMAIL: 'p@example.invalid' };

let fake: FakeAnthropic;
let claude: ClaudeEnv;
let base: string;
let stateBase: string;
let rootA: string;
let rootB: string;
let config: HubConfig;
let hub: Hub;
let sessionA: string;
let sessionB: string;

const TODO_A = '# Plan\n\n## Agent_1 — backend\n\n- [ ] Agent_1 writes the parser\n- [ ] Agent_1 adds tests\n';

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await exec('git', args, { cwd, env: { ...process.env, ...gitEnv } })).stdout.trim();
}

async function startHub(): Promise<Hub> {
  return createHub(config, silentLogger, {
    backend: new TmuxBackend({ socket }),
    agentEnv: claude.env,
    env: { HOME: claude.home, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    home: claude.home,
    livenessMs: 300,
    confirmTimeoutMs: 3000,
  });
}

function statusOf(name: string, session = sessionA): AgentStatus | undefined {
  return hub.index.sessionStatus(session).agents.find((a) => a.name === name)?.status;
}

/** Idle with its prompt box up, past a start-up menu a release may show (test/helpers/until-ready.ts). */
async function ready(name: string, session = sessionA): Promise<void> {
  await untilReady({
    view: () => hub.index.agentView(session, name),
    screen: async () => (await hub.readAgentOutput(caller, name, 60)).text,
    answer: (choice) => hub.answerPrompt(caller, name, choice),
  });
}

async function waitStatus(name: string, wanted: AgentStatus, session = sessionA): Promise<void> {
  await waitFor(() => statusOf(name, session) === wanted, `${name} ${wanted} (now ${statusOf(name, session)})`, 45_000, 100);
}

async function events(session: string, agent: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(config.stateDir, 'events', session, `${agent}.jsonl`), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'hub-core-')));
  rootA = join(base, 'project-a');
  rootB = join(base, 'project-b');
  await mkdir(rootA);
  await mkdir(rootB);
  await writeFile(join(rootA, 'TODO.md'), TODO_A);
  await writeFile(join(rootB, 'secret.txt'), 'session B only\n');
  await git(rootA, 'init', '-q', '-b', 'main');
  await writeFile(join(rootA, 'README.md'), 'user project\n');
  await git(rootA, 'add', 'README.md');
  await git(rootA, 'commit', '-q', '-m', 'user commit');
  fake = await startFakeAnthropic({
    script: [
      {
        trigger: 'tick the parser item',
        steps: [
          [{ type: 'tool_use', name: 'Read', input: { file_path: join(rootA, 'TODO.md') } }],
          [
            {
              type: 'tool_use',
              name: 'Edit',
              input: { file_path: join(rootA, 'TODO.md'), old_string: '- [ ] Agent_1 writes the parser', new_string: '- [x] Agent_1 writes the parser' },
            },
          ],
          [{ type: 'text', text: 'Ticked.' }],
        ],
      },
      { trigger: 'slow job', delayMs: 2500, steps: [[{ type: 'text', text: 'Working on it.' }]] },
      {
        trigger: 'peek outside the root',
        steps: [[{ type: 'tool_use', name: 'Read', input: { file_path: '/etc/hostname' } }], [{ type: 'text', text: 'Tried.' }]],
      },
      {
        trigger: 'peek at the other session',
        steps: [[{ type: 'tool_use', name: 'Read', input: { file_path: join(rootB, 'secret.txt') } }], [{ type: 'text', text: 'Tried.' }]],
      },
    ],
  });
  claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [rootA], acceptEdits: true });
  stateBase = await realpath(await mkdtemp(join(tmpdir(), 'hub-core-state-')));
  config = Object.freeze({
    ...defaultConfig({}),
    stateDir: join(stateBase, 'state dir'),
    claudeCommand: CLAUDE_BIN,
    tmuxSocket: socket,
    backend: 'tmux' as const,
  });
  hub = await startHub();
}, 60_000);

afterAll(async () => {
  await hub?.close();
  await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
  await fake?.close();
  await claude?.cleanup();
  await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  await rm(stateBase, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

describe('the hub core with real tmux, real Claude Code and real files', () => {
  it('creates sessions and refuses bad roots, changing nothing', async () => {
    const a = await hub.createSession(caller, { root_path: rootA, session_name: 'project a' });
    sessionA = a.id;
    expect(a.root).toBe(rootA);
    const b = await hub.createSession(caller, { root_path: rootB, session_name: 'project b' });
    sessionB = b.id;
    await mkdir(join(rootA, 'sub'));
    for (const [root_path, code] of [
      [join(rootA, 'sub'), 'ROOT_OVERLAP'],
      [base, 'ROOT_OVERLAP'],
      ['/', 'INVALID_PATH'],
      ['relative/path', 'INVALID_PATH'],
      [join(base, 'missing'), 'INVALID_PATH'],
      [claude.home, 'INVALID_PATH'],
      [stateBase, 'INVALID_PATH'],
    ] as const) {
      await expect(hub.createSession(caller, { root_path, session_name: `x${randomBytes(2).toString('hex')}` })).rejects.toMatchObject({ code });
    }
    await expect(hub.createSession(caller, { root_path: join(base, 'missing'), session_name: 'project a' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect((await hub.listSessions(caller)).map((s) => s.id).sort()).toEqual([sessionA, sessionB].sort());
    const roots = await readFile(join(config.stateDir, 'roots.txt'), 'utf8');
    expect(roots).toContain(rootA);
    expect(roots).toContain(rootB);
  });

  it('launches a real agent that reaches idle through its SessionStart hook', async () => {
    // The largest suffix allowed (16 KiB): the prompt goes to claude through a file, since a
    // command line that long is more than tmux accepts.
    const suffix = `${'Prefer small commits. '.repeat(744)}END-OF-SUFFIX`;
    expect(Buffer.byteLength(suffix)).toBeLessThanOrEqual(16 * 1024);
    const view = await hub.createAgent(caller, { session_id: sessionA, specialization: 'backend engineer', system_prompt_suffix: suffix });
    expect(view.name).toBe('Agent_1');
    await ready('Agent_1');

    const status = hub.index.sessionStatus(sessionA);
    const agent = status.agents.find((a) => a.name === 'Agent_1');
    expect(agent?.progress).toEqual({ done: 0, total: 2 });
    expect(status.todo).toMatchObject({ done: 0, total: 2 });
    await expect(hub.createAgent(caller, { session_id: sessionA, agent_name: 'Agent_1' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(hub.createAgent(caller, { session_id: sessionA, agent_name: 'bad name; rm -rf' })).rejects.toMatchObject({ code: 'INVALID_NAME' });
    await expect(hub.createAgent(caller, { session_id: 'nope' })).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('sends a hostile multi-line message: recorded as a task file, typed once, confirmed by UserPromptSubmit, and the agent ticks its item', async () => {
    const message = 'please tick the parser item\nquotes "double" \'single\' back\\slash $(touch /tmp/pwn) `id` ünïcødé 🚀 \u001b[31mred\u001b[0m Enter C-c';
    const result = await hub.sendMessage(caller, { agent_name: 'Agent_1', message, from: 'Lead' });
    expect(result.state).toBe('delivered');
    expect(result.taskId).toBe('TASK-1');
    const taskText = await readFile(join(rootA, result.taskFile), 'utf8');
    expect(taskText).toMatch(/assignee: Agent_1/);
    expect(taskText).toMatch(/from: Lead/);
    const prompts = (await events(sessionA, 'Agent_1')).filter((e) => e.hook_event_name === 'UserPromptSubmit').map((e) => e.prompt);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toBe(sanitizeTerminalText(`TASK-1 from Lead (${result.taskFile}):\n${message}`));
    // Refused before anything is written: nothing left after sanitising, or no room for the nudge header.
    const tasks = async (): Promise<number> => (await readdir(join(rootA, '.claude-hub', 'tasks'))).length;
    const count = await tasks();
    await expect(hub.sendMessage(caller, { agent_name: 'Agent_1', message: '\u001b[2J\u001b]0;x\u0007' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(hub.sendMessage(caller, { agent_name: 'Agent_1', message: 'x'.repeat(64 * 1024 - 10) })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(await tasks()).toBe(count);
    await waitFor(
      async () => (await readFile(join(rootA, 'TODO.md'), 'utf8')).includes('- [x] Agent_1 writes the parser'),
      'the agent ticked its item',
      45_000,
    );
    // The appended system prompt (identity, specialization, the whole 16 KiB suffix) reached the model.
    const system = fake.requests
      .filter((r) => r.mainLoop)
      .map((r) => JSON.stringify(r.body?.system ?? ''))
      .find((text) => text.includes('You are Agent_1'));
    expect(system).toContain('backend engineer');
    expect(system).toContain('END-OF-SUFFIX');
    await waitFor(() => hub.index.sessionStatus(sessionA).agents.find((a) => a.name === 'Agent_1')?.progress.done === 1, 'index shows the progress', 20_000);
    await waitStatus('Agent_1', 'idle');
  });

  it('records the coordination history on the audit ref without touching the user branch, index or worktree', async () => {
    await hub.whenSettled();
    const log = await waitFor(async () => {
      const out = await git(rootA, 'log', '--format=%an|%s', 'claude-hub/audit', '--', 'TODO.md').catch(() => '');
      return out.includes('Agent_1') ? out : undefined;
    }, 'an audit commit by Agent_1 for TODO.md');
    expect(log).toMatch(/Agent_1\|TODO\.md: 1 item ticked/);
    const tasks = await git(rootA, 'log', '--format=%an|%s', 'claude-hub/audit', '--', '.claude-hub/tasks');
    expect(tasks).toMatch(/TASK-1 created/);
    expect(await git(rootA, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(await git(rootA, 'log', '--format=%s', 'main')).toBe('user commit');
    expect(await git(rootA, 'diff', '--cached', '--name-only')).toBe('');
  });

  it('keeps an agent inside its session: Reads of another session root and outside its root are denied, the model sees why', async () => {
    const seen = fake.requests.length;
    const result = await hub.sendMessage(caller, { agent_name: 'Agent_1', message: 'peek at the other session' });
    expect(result.state).toBe('delivered');
    // Claude Code's own permission rules (permissions.deny, written by the hub) refuse it first.
    const denied = await waitFor(
      () =>
        fake.requests
          .slice(seen)
          .flatMap((r) => r.toolResults)
          .find((t) => t.isError),
      'a denied tool_result',
      45_000,
    );
    expect(denied.content).toMatch(/denied by your permission settings/);
    await waitStatus('Agent_1', 'idle');
    const seen2 = fake.requests.length;
    // Outside every session: no deny rule covers it; the PreToolUse guard hook refuses it.
    await hub.sendMessage(caller, { agent_name: 'Agent_1', message: 'peek outside the root' });
    const guarded = await waitFor(
      () =>
        fake.requests
          .slice(seen2)
          .flatMap((r) => r.toolResults)
          .find((t) => t.isError),
      'a guard-denied tool_result',
      8_000,
    ).catch(async (e) => {
      console.error('DEBUG events', JSON.stringify((await events(sessionA, 'Agent_1')).slice(-6), null, 1).slice(0, 4000));
      console.error('DEBUG screen', (await hub.readAgentOutput(caller, 'Agent_1', 40)).text);
      console.error('DEBUG settings', await readFile(join(config.stateDir, 'agents', sessionA, 'Agent_1.settings.json'), 'utf8'));
      throw e;
    });
    expect(guarded.content).toMatch(/outside/i);
    expect(guarded.content).toContain(rootA);
    await waitStatus('Agent_1', 'idle');
  });

  it('queues a message while the agent works and delivers it after Stop', async () => {
    const first = await hub.sendMessage(caller, { agent_name: 'Agent_1', message: 'slow job one' });
    expect(first.state).toBe('delivered');
    await waitStatus('Agent_1', 'working');
    const second = await hub.sendMessage(caller, { agent_name: 'Agent_1', message: 'second, after the slow job' });
    expect(second.state).toBe('queued');
    // The status tells the person a message waits (the slow turn still runs for seconds).
    expect(hub.index.sessionStatus(sessionA).agents.find((a) => a.name === 'Agent_1')?.queuedMessages).toBe(1);
    await waitFor(
      async () =>
        (await events(sessionA, 'Agent_1')).some((e) => e.hook_event_name === 'UserPromptSubmit' && String(e.prompt).includes('second, after the slow job')),
      'second delivered',
      45_000,
    );
    const order = (await events(sessionA, 'Agent_1'))
      .filter((e) => ['UserPromptSubmit', 'Stop'].includes(String(e.hook_event_name)))
      .map((e) => e.hook_event_name);
    // The second prompt comes only after the slow turn's Stop.
    expect(order.slice(-3)).toEqual(['UserPromptSubmit', 'Stop', 'UserPromptSubmit']);
  });

  it('notices a killed agent as exited, survives a hub restart, and resumes the same conversation', async () => {
    await waitStatus('Agent_1', 'idle');
    const before = (await events(sessionA, 'Agent_1')).find((e) => e.hook_event_name === 'SessionStart');
    const pids = (await exec('tmux', ['-L', socket, 'list-panes', '-a', '-F', '#{window_name} #{pane_pid}'])).stdout;
    const pid = Number(/Agent_1 (\d+)/.exec(pids)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await waitStatus('Agent_1', 'exited');

    // Worse than one dead agent: the whole tmux server goes (a reboot, `tmux kill-server`).
    await hub.close();
    await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
    hub = await startHub();
    expect(statusOf('Agent_1')).toBe('exited');
    await hub.startNewConversation(caller, 'Agent_1', true);
    const resumes = async (): Promise<Record<string, unknown>[]> =>
      (await events(sessionA, 'Agent_1')).filter((e) => e.hook_event_name === 'SessionStart' && e.source === 'resume');
    await waitFor(async () => (await resumes()).length === 1, 'SessionStart source resume', 45_000);
    expect((await resumes())[0]?.session_id).toBe(before?.session_id);
    await ready('Agent_1');

    // `serve --restore`: every exited agent is reopened on start, its conversation resumed.
    await hub.close();
    await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
    config = Object.freeze({ ...config, restore: true });
    hub = await startHub();
    config = Object.freeze({ ...config, restore: false });
    await waitFor(async () => (await resumes()).length === 2, 'a second resume, by --restore', 45_000);
    expect((await resumes())[1]?.session_id).toBe(before?.session_id);
    await ready('Agent_1');
  });

  it('stops at the trust dialog in an untrusted root, shows it as waiting_for_person, and lets the person answer it', async () => {
    await hub.createAgent(caller, { session_id: sessionB, agent_name: 'Reviewer' });
    await waitStatus('Reviewer', 'waiting_for_person', sessionB);
    const view = hub.index.sessionStatus(sessionB).agents.find((a) => a.name === 'Reviewer');
    expect(view?.pendingPrompt?.kind).toBe('trust');
    expect(view?.pendingPrompt?.choices.length).toBeGreaterThanOrEqual(2);
    await expect(hub.answerPrompt(caller, 'Reviewer', 'no such choice')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // By label: 2.1.197 lists it first (numbered), 2.1.332 second (unnumbered, "No, exit" preselected).
    const answered = await hub.answerPrompt(caller, 'Reviewer', 'Yes, I trust this folder');
    expect(answered.choice.label).toBe('Yes, I trust this folder');
    // What shows next is the start-up screen (still drawing: its first reading may be anything);
    // ready() below fails on any dialog but a start-up menu, the trust dialog included.
    await ready('Reviewer', sessionB);
    const output = await hub.readAgentOutput(caller, 'Reviewer', 20);
    expect(output.alive).toBe(true);
  });

  it('deletes agents and sessions, and the audit chain verifies', async () => {
    // (Its hook event file is removed too, but a hook of the dying process may write it again.)
    const reviewerFiles = [join('agents', sessionB, 'Reviewer.settings.json'), join('agents', sessionB, 'Reviewer.prompt.md')];
    for (const file of reviewerFiles) await expect(stat(join(config.stateDir, file))).resolves.toBeTruthy();
    await hub.deleteAgent(caller, 'Reviewer', true);
    await expect(hub.deleteAgent(caller, 'Reviewer', true)).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    // What the hub wrote for the agent goes with it.
    for (const file of reviewerFiles) await expect(stat(join(config.stateDir, file))).rejects.toMatchObject({ code: 'ENOENT' });
    const deleted = await hub.deleteSession(caller, sessionB, true);
    expect(deleted.closedAgents).toEqual([]);
    await expect(stat(join(config.stateDir, 'agents', sessionB))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await hub.listSessions(caller)).map((s) => s.id)).toEqual([sessionA]);
    expect((await hub.getSessionStatus(caller, sessionA)).session.id).toBe(sessionA);
    await hub.whenSettled();
    const verify = await verifyAuditFile(join(config.stateDir, 'audit.jsonl'));
    expect(verify.ok).toBe(true);
    const entries = await readAuditFile(join(config.stateDir, 'audit.jsonl'));
    const tools = new Set(entries.filter((e) => e.kind === 'tool_call').map((e) => e.tool));
    // Every tool call, reads included.
    for (const tool of ['create_session', 'create_agent', 'send_message_to_agent', 'delete_agent', 'delete_session', 'list_sessions', 'get_session_status'])
      expect(tools).toContain(tool);
    expect(entries.some((e) => e.kind === 'delivery' && e.outcome === 'delivered')).toBe(true);
    expect(entries.some((e) => e.outcome === 'error:ROOT_OVERLAP')).toBe(true);
    // Messages never reach the audit log in clear.
    expect(await readFile(join(config.stateDir, 'audit.jsonl'), 'utf8')).not.toContain('tick the parser item');
    const stateFiles = await readdir(config.stateDir);
    expect(stateFiles).toContain('state');
    expect(await readFile(join(config.stateDir, 'state'), 'utf8')).not.toContain('project a');
  });
});
