/**
 * Issue 14 with real Claude Code agents (both pinned releases), the whole hub (real tmux on its
 * own socket, real chokidar, the encrypted state) and the fake model scripting what it reports:
 * - exact token totals per agent and per task, from the numbers the fake model returned;
 * - a 429 whose message names the reset: the agent is `rate_limited` with that reset, the
 *   whole team is held (messages queued, saved), and after the reset every held message is
 *   delivered exactly once, the API seen answering the first agent before anyone else is typed to;
 * - a budget spent mid-turn: the agent's next tool call is refused with the reason (the model
 *   sees it as the tool's error), and nothing new is delivered until it is raised;
 * - a hung Bash command: `stuck`, naming Bash. (Not a bare `sleep 600`: seen on 2.1.332, that
 *   call fired no PreToolUse and the turn ended at once, so Claude Code never ran it.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
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
import { CONTINUE_TEXT } from '../../src/hub/limits.js';
import type { Caller } from '../../src/hub/api.js';

const caller: Caller = { kind: 'mcp', id: 'test' };
const socket = `hub-usage-${randomBytes(4).toString('hex')}`;
let fake: FakeAnthropic;
let claude: ClaudeEnv;
let base: string;
let root: string;
let config: HubConfig;
let hub: Hub;
let session: string;

const view = (agent: string) => hub.index.agentView(session, agent);
async function ready(agent: string): Promise<void> {
  await untilReady({
    view: () => view(agent),
    screen: async () => (await hub.readAgentOutput(caller, agent, 60)).text,
    answer: (choice) => hub.answerPrompt(caller, agent, choice),
  });
}
async function prompts(agent: string): Promise<string[]> {
  const text = await readFile(join(config.stateDir, 'events', session, `${agent}.jsonl`), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.hook_event_name === 'UserPromptSubmit')
    .map((e) => String(e.prompt));
}

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'hub-usage-')));
  root = join(base, 'project');
  await mkdir(join(root, '.claude-hub', 'tasks'), { recursive: true });
  await writeFile(join(root, 'TODO.md'), '# Plan\n');
  // The person's own project settings let this one command run without asking (as a team would for its build).
  await mkdir(join(root, '.claude'), { recursive: true });
  await writeFile(join(root, '.claude', 'settings.json'), JSON.stringify({ permissions: { allow: ['Bash(perl:*)'] } }));
  for (const [n, agent] of [
    [1, 'Agent_1'],
    [2, 'Agent_2'],
  ] as const) {
    await writeFile(
      join(root, '.claude-hub', 'tasks', `TASK-${n}-work.md`),
      `---\nid: TASK-${n}\ntitle: Work ${n}\nstatus: in_progress\nassignee: ${agent}\npriority: high\n---\n\nDo it.\n`,
    );
  }
  const read = { type: 'tool_use' as const, name: 'Read', input: { file_path: join(root, 'TODO.md') } };
  fake = await startFakeAnthropic({
    fallbackText: 'OK.',
    script: [
      {
        trigger: 'count one',
        usage: [
          { input_tokens: 1000, output_tokens: 200, cache_creation_input_tokens: 300, cache_read_input_tokens: 4000 },
          { input_tokens: 7, output_tokens: 11, cache_read_input_tokens: 5 },
        ],
        steps: [[{ type: 'text', text: 'Reading.' }, read], [{ type: 'text', text: 'Counted one.' }]],
      },
      { trigger: 'count two', usage: [{ input_tokens: 123, output_tokens: 45 }], steps: [[{ type: 'text', text: 'Counted two.' }]] },
      {
        trigger: 'spend a lot',
        // Room for the hub to read the spend and write the stop file before the next tool call.
        delayMs: 3000,
        usage: [{ input_tokens: 100_000, output_tokens: 10 }],
        steps: [[read], [read], [{ type: 'text', text: 'Stopped.' }]],
      },
      {
        trigger: 'hang on a command',
        steps: [
          [{ type: 'tool_use', name: 'Bash', input: { command: "perl -e 'sleep 600'", description: 'wait a long time' } }],
          [{ type: 'text', text: 'Done.' }],
        ],
      },
    ],
  });
  claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [root], acceptEdits: true });
  config = Object.freeze({
    ...defaultConfig({}),
    stateDir: join(base, 'state'),
    claudeCommand: CLAUDE_BIN,
    tmuxSocket: socket,
    backend: 'tmux' as const,
    stuckSeconds: 10,
    // On the command line, 2.1.332 asks no "make auto mode your default?" at start-up.
    permissionMode: 'acceptEdits',
    limitWaitSeconds: 3600,
  });
  hub = await createHub(config, silentLogger, {
    backend: new TmuxBackend({ socket }),
    // No retries: a 429 ends the turn at once (Claude Code otherwise waits out retry-after, up to 10 times).
    agentEnv: { ...claude.env, CLAUDE_CODE_MAX_RETRIES: '0' },
    env: { HOME: claude.home, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    home: claude.home,
    livenessMs: 300,
    confirmTimeoutMs: 3000,
  });
  session = (await hub.createSession(caller, { root_path: root, session_name: 'usage' })).id;
  for (const agent of ['Agent_1', 'Agent_2']) await hub.createAgent(caller, { session_id: session, agent_name: agent });
  await ready('Agent_1');
  await ready('Agent_2');
}, 120_000);

afterAll(async () => {
  await hub?.close();
  await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
  await fake?.close();
  await claude?.cleanup();
  await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

describe(`usage, limits and budgets with real Claude Code (${CLAUDE_BIN})`, () => {
  it('counts the exact tokens the model reported, per agent and per task', async () => {
    await ready('Agent_1');
    await ready('Agent_2');
    await hub.sendMessage(caller, { agent_name: 'Agent_1', message: 'count one' });
    await hub.sendMessage(caller, { agent_name: 'Agent_2', message: 'count two' });
    await waitFor(() => view('Agent_1').usage.messages === 2 && view('Agent_2').usage.messages === 1, 'both counted', 60_000, 100).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; Agent_1 ${JSON.stringify(view('Agent_1'))}; Agent_2 ${JSON.stringify(view('Agent_2'))}`);
    });
    expect(view('Agent_1').usage).toMatchObject({ input: 1007, output: 211, cacheWrite: 300, cacheRead: 4005, messages: 2, skipped: 0 });
    expect(view('Agent_2').usage).toMatchObject({ input: 123, output: 45, cacheWrite: 0, cacheRead: 0, messages: 1 });
    const status = await hub.getSessionStatus(caller, session);
    expect(status.usage.byTask['TASK-1']).toMatchObject({ input: 1007, output: 211, messages: 2 });
    expect(status.usage.byTask['TASK-2']).toMatchObject({ input: 123, output: 45, messages: 1 });
    expect(status.usage.total).toMatchObject({ input: 1130, output: 256, messages: 3, unpricedMessages: 0 });
    expect(status.usage.total.costUsd).toBeGreaterThan(0);
    const listed = await hub.listTasks(caller, { session_id: session });
    expect(listed.tasks.find((t) => t.id === 'TASK-1')?.usage).toMatchObject({ tokens: 1007 + 211 + 300 + 4005 });
  }, 180_000);

  it('a usage limit holds the team and resumes it at the reset, every held message delivered exactly once', async () => {
    await ready('Agent_1');
    await ready('Agent_2');
    await waitFor(() => view('Agent_1').status === 'idle' && view('Agent_2').status === 'idle', 'both idle', 60_000, 100);
    const reset = Math.ceil(Date.now() / 1000) + 15;
    fake.setError({ status: 429, type: 'rate_limit_error', message: `Claude AI usage limit reached|${reset}` });
    await hub.sendMessage(caller, { agent_name: 'Agent_1', message: 'first after the limit' });
    await waitFor(() => view('Agent_1').status === 'rate_limited', 'Agent_1 rate limited', 60_000, 100);
    expect(view('Agent_1').resetAt).toBe(new Date(reset * 1000).toISOString());
    const held = (await hub.getSessionStatus(caller, session)).limit;
    expect(held).toMatchObject({ agent: 'Agent_1', resumeAt: new Date(reset * 1000).toISOString(), cut: ['Agent_1'] });
    const toTwo = await hub.sendMessage(caller, { agent_name: 'Agent_2', message: 'second, held' });
    const toOne = await hub.sendMessage(caller, { agent_name: 'Agent_1', message: 'third, held' });
    expect([toTwo.state, toOne.state]).toEqual(['queued', 'queued']);
    // The hook events in the order the hub read them (the order the breaker acts on).
    const seen: string[] = [];
    const off = hub.index.onHookEvent((e) => {
      const prompt = typeof e.payload.prompt === 'string' ? e.payload.prompt : '';
      seen.push(`${e.agent} ${e.event}${prompt.includes('third, held') ? ' third' : prompt.includes('second, held') ? ' second' : ''}`);
    });
    // The API is back before the reset; the hub does not know it until then.
    fake.setError(null);
    await waitFor(async () => (await prompts('Agent_2')).some((p) => p.includes('second, held')), 'Agent_2 got its held message', 90_000, 200);
    await waitFor(async () => (await prompts('Agent_1')).some((p) => p.includes(CONTINUE_TEXT)), 'Agent_1 told to continue', 90_000, 200);
    await waitFor(async () => (await hub.getSessionStatus(caller, session)).agents.every((a) => a.queuedMessages === 0), 'queues empty', 60_000, 200);
    const one = await prompts('Agent_1');
    const two = await prompts('Agent_2');
    expect(one.filter((p) => p.includes('third, held'))).toHaveLength(1);
    expect(one.filter((p) => p.includes(CONTINUE_TEXT))).toHaveLength(1);
    expect(two.filter((p) => p.includes('second, held'))).toHaveLength(1);
    off();
    // The probe went first: the API answered Agent_1's held message (its Stop) before Agent_2 was typed to.
    const probe = seen.indexOf('Agent_1 UserPromptSubmit third');
    const answered = seen.findIndex((e, i) => i > probe && e === 'Agent_1 Stop');
    const second = seen.indexOf('Agent_2 UserPromptSubmit second');
    expect(probe).toBeGreaterThanOrEqual(0);
    expect(answered).toBeGreaterThan(probe);
    expect(second).toBeGreaterThan(answered);
    expect((await hub.getSessionStatus(caller, session)).limit).toBeNull();
  }, 240_000);

  it('a budget spent mid-turn refuses the next tool call with the reason and holds new messages until raised', async () => {
    await ready('Agent_1');
    await ready('Agent_2');
    await waitFor(() => view('Agent_2').status === 'idle', 'Agent_2 idle', 60_000, 100);
    const spent = (await hub.getSessionStatus(caller, session)).usage.total;
    const tokens = spent.input + spent.output + spent.cacheRead + spent.cacheWrite;
    await hub.setSessionBudget(caller, { session_id: session, budget_tokens: tokens + 1000 });
    const before = fake.requests.length;
    await hub.sendMessage(caller, { agent_name: 'Agent_2', message: 'spend a lot' });
    await waitFor(
      () => fake.requests.slice(before).some((r) => r.toolResults.some((t) => t.isError && t.content.includes('is spent'))),
      'a refused tool call',
      60_000,
      100,
    );
    expect((await hub.getSessionStatus(caller, session)).budget).toMatchObject({ state: 'exceeded' });
    await waitFor(() => view('Agent_2').status === 'idle', 'Agent_2 stopped', 60_000, 100);
    const held = await hub.sendMessage(caller, { agent_name: 'Agent_2', message: 'count two' });
    expect(held).toMatchObject({ state: 'queued', reason: expect.stringContaining('budget') });
    await hub.setSessionBudget(caller, { session_id: session, budget_tokens: 10_000_000 });
    await waitFor(async () => (await prompts('Agent_2')).filter((p) => p.includes('count two')).length === 2, 'delivered after the raise', 60_000, 200);
  }, 240_000);

  it('a hung Bash command shows stuck, naming Bash', async () => {
    await ready('Agent_1');
    await ready('Agent_2');
    await waitFor(() => view('Agent_1').status === 'idle', 'Agent_1 idle', 60_000, 100);
    await hub.sendMessage(caller, { agent_name: 'Agent_1', message: 'hang on a command' });
    // A release may ask before running Bash: the person says yes.
    await waitFor(
      async () => {
        const v = view('Agent_1');
        if (v.status === 'waiting_for_person' && v.pendingPrompt) {
          const yes = v.pendingPrompt.choices.find((c) => /^Yes\b/i.test(c.label));
          if (yes) await hub.answerPrompt(caller, 'Agent_1', yes.label);
          return false;
        }
        return v.status === 'stuck';
      },
      'Agent_1 stuck',
      90_000,
      250,
    ).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}; ${JSON.stringify(view('Agent_1'))}; screen: ${(await hub.readAgentOutput(caller, 'Agent_1', 30)).text}`);
    });
    expect(view('Agent_1')).toMatchObject({ status: 'stuck', lastTool: 'Bash', stuckSince: expect.any(String) });
    expect(view('Agent_1').why).toMatch(/no hook event since .*last tool: Bash/);
  }, 180_000);
});
