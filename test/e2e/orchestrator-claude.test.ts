/**
 * Issue 15, proof: real Claude Code as the MCP client that drives the hub (each pinned release,
 * CLAUDE_HUB_TEST_CLAUDE). In a test HOME, `claude mcp add` registers the BUILT server
 * (`node dist/cli.js serve` with this test's state dir and tmux socket) as a person would; then
 * `claude -p`, scripted by the fake model, finds the tools (through ToolSearch with tool search
 * on, in the first request's tools with it off), starts a session and an agent (a second real
 * Claude Code, in tmux on the test's own socket), sends it work, waits for it with
 * wait_for_team (the hub's log shows the progress it sent; nobody polls get_session_status),
 * and reads the result with read_agent_output. The agent's work is real: it reads TODO.md with
 * its Read tool and says the first item.
 *
 * A loaded machine can start the MCP server after the conversation's first turn (seen with the
 * plugin test, and here with tool search off): Claude Code is told to connect before the first
 * turn (MCP_CONNECTION_NONBLOCKING=false) with a generous MCP_TIMEOUT, and a conversation that
 * still ran without the hub's tools is tried again whole, at most three in all.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeBlock, RecordedRequest } from '../../fixtures/fake-anthropic/server.js';
import { CLAUDE_BIN } from '../helpers/claude-env.js';
import { createWorld, type World } from './mcp-harness.js';

const SERVER = 'claude-hub';
const P = `mcp__${SERVER}__`;
const WORK = 'and tell me its first item.';
const ANSWER_PREFIX = 'The first item is:';
/** The keyword searches a model makes when tool search defers the hub's tools. */
const SEARCHES: [string, string][] = [
  ['create session', `${P}create_session`],
  ['create agent', `${P}create_agent`],
  ['message agent', `${P}send_message_to_agent`],
  ['wait team', `${P}wait_for_team`],
  ['agent screen', `${P}read_agent_output`],
];

let world: World;
let lead = '';
let logDir = '';

interface Step {
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly result: string | null;
}

/** This turn's tool calls and their results, from the conversation the request carries. */
function history(request: RecordedRequest): Step[] {
  const messages = (request.body?.messages ?? []) as { role: string; content: unknown }[];
  const blocks = (m: { content: unknown }) => (Array.isArray(m.content) ? (m.content as Record<string, unknown>[]) : []);
  const results = new Map<string, string>();
  for (const m of messages)
    for (const b of blocks(m))
      if (b.type === 'tool_result') results.set(String(b.tool_use_id), typeof b.content === 'string' ? b.content : JSON.stringify(b.content));
  const steps: Step[] = [];
  for (const m of messages) {
    if (m.role !== 'assistant') continue;
    for (const b of blocks(m))
      if (b.type === 'tool_use')
        steps.push({ name: String(b.name), input: (b.input ?? {}) as Record<string, unknown>, result: results.get(String(b.id)) ?? null });
  }
  return steps;
}

/** The value after `key` in a tool result, whether Claude Code passed the text ("session_id abc") or the JSON ("session_id":"abc"). */
const idIn = (text: string | null | undefined, key: string): string | null =>
  new RegExp(`${key}\\\\?"?:?\\s*\\\\?"?([A-Za-z0-9_.:-]+)`).exec(text ?? '')?.[1]?.replace(/\.$/, '') ?? null;

/**
 * The orchestrating model: each reply follows from what the tools answered so far. It passes
 * back the session_id it was given, and calls wait_for_team again while it says "still waiting".
 */
function orchestrate(request: RecordedRequest): readonly FakeBlock[] {
  const steps = history(request);
  const root = /team on (\S+)/.exec(request.turnPrompt ?? '')?.[1] ?? 'no root in the prompt';
  const offered = new Set(((request.body?.tools ?? []) as { name?: string }[]).map((t) => t.name));
  const called = (name: string) => steps.filter((s) => s.name === `${P}${name}`);
  const last = steps.at(-1);
  if (!offered.has(`${P}create_session`) && !steps.some((s) => s.name === 'ToolSearch')) {
    // Neither the hub's tools nor ToolSearch: the server is not connected (yet); end this conversation.
    if (!offered.has('ToolSearch')) return [{ type: 'text', text: 'The claude-hub tools are not available.' }];
    return SEARCHES.map(([query]) => ({ type: 'tool_use', name: 'ToolSearch', input: { query } }));
  }
  if (called('create_session').length === 0)
    return [{ type: 'tool_use', name: `${P}create_session`, input: { root_path: root, session_name: root.split('/').at(-1), trust_root: true } }];
  const sessionId = idIn(called('create_session')[0]?.result, 'session_id');
  if (sessionId === null) return [{ type: 'text', text: `No session_id in ${called('create_session')[0]?.result}` }];
  // The hub names the agent (the next free Agent_<n>); the model passes back the agent_name it got.
  if (called('create_agent').length === 0) return [{ type: 'tool_use', name: `${P}create_agent`, input: { session_id: sessionId } }];
  const agentName = idIn(called('create_agent')[0]?.result, 'agent_name');
  if (agentName === null) return [{ type: 'text', text: `No agent_name in ${called('create_agent')[0]?.result}` }];
  if (called('send_message_to_agent').length === 0)
    return [{ type: 'tool_use', name: `${P}send_message_to_agent`, input: { agent_name: agentName, message: `Please read ${root}/TODO.md ${WORK}` } }];
  const waits = called('wait_for_team');
  if (waits.length === 0 || (last?.name === `${P}wait_for_team` && /Still waiting/.test(last.result ?? '') && waits.length < 6))
    return [{ type: 'tool_use', name: `${P}wait_for_team`, input: { session_id: sessionId, until: 'all_idle', timeout_s: 50 } }];
  if (called('read_agent_output').length === 0) return [{ type: 'tool_use', name: `${P}read_agent_output`, input: { agent_name: agentName, lines: 80 } }];
  return [{ type: 'text', text: 'The team is done.' }];
}

/** Runs claude without blocking this process: the fake model answers from this event loop. */
function runClaude(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLAUDE_BIN, [...args], { cwd: lead, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, out: `${stdout}${stderr}` }));
  });
}

beforeAll(async () => {
  world = await createWorld(
    [
      { trigger: 'Run a claude-hub team', respond: orchestrate },
      // The agent's work: read TODO.md with its own Read tool, then say the first item.
      {
        trigger: WORK,
        respond: (request, step) =>
          step === 0
            ? [{ type: 'tool_use', name: 'Read', input: { file_path: /read (\S+\/TODO\.md)/.exec(request.turnPrompt ?? '')?.[1] ?? 'TODO.md' } }]
            : [{ type: 'text', text: `${ANSWER_PREFIX} ${/- \[ \] (.+?)(?:\\n|\n|")/.exec(request.toolResults[0]?.content ?? '')?.[1] ?? 'none'}` }],
      },
    ],
    // No acceptEdits: the agent only reads, and no start-up menu asks about modes.
    { acceptEdits: false },
  );
  lead = join(dirname(world.root), 'lead');
  logDir = join(dirname(world.root), 'hub-logs');
  await mkdir(lead);
  // As a person would: `claude mcp add` (local scope: this folder, in the HOME's .claude.json).
  const add = await runClaude(['mcp', 'add', SERVER, '--', process.execPath, ...world.serveArgs(['--log-dir', logDir])], { ...world.env });
  expect(add.code, add.out).toBe(0);
}, 120_000);

afterAll(async () => {
  await world?.cleanup();
});

/** The progress notifications the hub's servers logged sending for wait_for_team (debug level), oldest first. */
async function progressLines(): Promise<string[]> {
  const files = (await readdir(logDir).catch(() => [] as string[])).sort();
  const text = (await Promise.all(files.map((f) => readFile(join(logDir, f), 'utf8')))).join('\n');
  return text.split('\n').filter((line) => line.includes('progress sent') && line.includes('wait_for_team'));
}

describe.each([
  ['on', 'true'],
  ['off', 'false'],
])('Claude Code drives the team through the hub (tool search %s)', (mode, enable) => {
  it('finds the tools, starts a session and an agent, sends work, waits with wait_for_team, reads the result', { timeout: 600_000 }, async () => {
    // Start-up of the server may be slow on a loaded machine: wait for it (MCP_CONNECTION_NONBLOCKING=false, MCP_TIMEOUT) before the first turn.
    const env = { ...world.env, ENABLE_TOOL_SEARCH: enable, MCP_CONNECTION_NONBLOCKING: 'false', MCP_TIMEOUT: '120000', MCP_TOOL_TIMEOUT: '120000' };
    let turn: RecordedRequest[] = [];
    const tried: string[] = [];
    const progressBefore = (await progressLines()).length;
    for (let attempt = 1; attempt <= 3; attempt++) {
      // A root of its own each time: a conversation cut after create_session leaves its session behind.
      const root = join(dirname(world.root), `team-${mode}-${attempt}`);
      await mkdir(root);
      await copyFile(join(world.root, 'TODO.md'), join(root, 'TODO.md'));
      const seen = world.fake.requests.length;
      const run = await runClaude(['-p', `Run a claude-hub team on ${root}`, '--output-format', 'json', '--allowedTools', `mcp__${SERVER}`], env);
      turn = world.fake.requests.slice(seen).filter((r) => r.mainLoop && (r.turnPrompt ?? '').includes('Run a claude-hub team'));
      tried.push(`${run.code}: ${run.out.slice(-2000)}`);
      // A conversation that ran before the hub's server connected has no create_session result: try a new one.
      if (turn.some((r) => history(r).some((s) => s.name === `${P}create_session` && /session_id/.test(s.result ?? '')))) {
        expect(run.code, run.out).toBe(0);
        break;
      }
      turn = [];
    }
    expect(turn.length, tried.join('\n---\n')).toBeGreaterThan(0);
    const steps = history(turn.at(-1) as RecordedRequest);
    const names = steps.map((s) => s.name);

    // Found: through ToolSearch (deferred tools) or in the first request's tools.
    const firstTools = new Set(((turn[0]?.body?.tools ?? []) as { name?: string }[]).map((t) => t.name));
    if (names.includes('ToolSearch')) {
      const searches = steps.filter((s) => s.name === 'ToolSearch');
      for (const [query, tool] of SEARCHES) expect(searches.find((s) => s.input['query'] === query)?.result ?? '', query).toContain(tool);
      expect(firstTools.has(`${P}create_session`)).toBe(false);
    } else {
      for (const [, tool] of SEARCHES) expect(firstTools, tool).toContain(tool);
    }
    process.stdout.write(
      `orchestrator (${mode}, ${CLAUDE_BIN}): ${names.includes('ToolSearch') ? 'tools found by ToolSearch' : 'tools listed at once'}; calls: ${names.join(', ')}\n`,
    );

    const result = (tool: string) => steps.filter((s) => s.name === `${P}${tool}`).map((s) => s.result ?? '');
    expect(result('create_session')[0]).toMatch(/session_id/);
    // Claude Code hands the model the structured content: the ids under the keys the tools take.
    expect(result('create_session')[0]).toMatch(/"session_id":/);
    const agentName = idIn(result('create_agent')[0], 'agent_name');
    expect(agentName).toMatch(/^Agent_\d+$/);
    expect(steps.find((s) => s.name === `${P}send_message_to_agent`)?.input['agent_name']).toBe(agentName);
    expect(result('send_message_to_agent')[0]).toMatch(/delivered|queued/);
    const waits = result('wait_for_team');
    expect(waits.at(-1)).toMatch(/"met":true|all_idle holds/);
    // The agent really worked: its own model conversation read TODO.md.
    expect(world.fake.requests.some((r) => (r.turnPrompt ?? '').includes(WORK) && r.toolResults.some((t) => t.content.includes('read the grammar')))).toBe(
      true,
    );
    // The result, read back through the hub.
    expect(result('read_agent_output')[0], `wait_for_team said: ${waits.join('\n')}`).toContain(`${ANSWER_PREFIX} read the grammar`);
    // No polling: the model waited, it never asked for the status in a loop.
    expect(names.filter((n) => n === `${P}get_session_status`)).toEqual([]);
    // Progress: the hub sent wait_for_team progress to Claude Code while the agent worked.
    const progress = (await progressLines()).slice(progressBefore);
    process.stdout.write(`orchestrator (${mode}): ${waits.length} wait_for_team call(s), ${progress.length} progress notification(s) in the hub's log\n`);
    expect(progress.length).toBeGreaterThan(0);
  });
});
