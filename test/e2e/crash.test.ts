/**
 * Crash safety of the whole hub: the BUILT server (`claude-hub serve` over stdio, driven by the
 * SDK client) runs 500 mixed operations — session creates and deletes, task creates and
 * updates, messages to two real Claude Code agents, a person's edits of TODO.md — and is killed
 * with SIGKILL at random moments, often with a call in flight. After every restart: the state
 * loads, every acknowledged change is there, both agents are re-attached to the SAME panes (no
 * new process), and in the end every acknowledged message was typed exactly once (a message
 * whose call was cut by the kill: at most once). Only the model is faked.
 * A call in flight at a kill may fail only with the kill's own error (the connection closed
 * once kill() had begun); an answer that arrived before the kill is still checked, so a wrong
 * one fails the test (the last test is the negative control for that rule).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createWorld, untilReadyOverMcp, type World } from './mcp-harness.js';
import { waitWhileProgressing } from '../helpers/wait.js';
import { exec } from '../../src/exec.js';
import { prng } from '../helpers/prng.js';

const OPS = 500;
const KILLS = 20;

let world: World;
let client: Client;
let transport: StdioClientTransport;
let sessionId: string;
let panes: string;

/** True from the moment kill() begins until the next start(): a lost connection then is the kill's doing. */
let killing = false;

/** A call that got no answer because kill() closed its connection: the only error a killed call may end with. */
class CutByKill extends Error {}

async function start(): Promise<void> {
  transport = new StdioClientTransport({ command: process.execPath, args: world.serveArgs(), env: world.env, stderr: 'ignore' });
  client = new Client({ name: 'crash-test', version: '1.0.0' });
  await client.connect(transport);
  killing = false;
}

async function kill(): Promise<void> {
  killing = true;
  const pid = transport.pid;
  if (pid !== null) process.kill(pid, 'SIGKILL');
  await client.close().catch(() => undefined);
}

/** The SDK's errors for a request whose connection is gone (closed while pending, or closed before it was sent). */
function isConnectionLoss(error: unknown): boolean {
  return (error instanceof McpError && error.code === Number(ErrorCode.ConnectionClosed)) || (error instanceof Error && error.message === 'Not connected');
}

async function call(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  try {
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  } catch (error) {
    // Only a connection lost after kill() began is forgiven; a hub that dies on its own is a failure.
    if (killing && isConnectionLoss(error)) throw new CutByKill(`${name}: no answer, the kill closed the connection`, { cause: error });
    throw error;
  }
}

/**
 * Runs `run` and SIGKILLs the hub `killAfter` ms later (or when that promise settles), with the
 * call in flight or just before/after it. Returns whether the kill cut the call. Any other
 * failure of `run` — a tool error or a wrong answer that arrived before the kill, a hub that
 * died first — is thrown.
 */
async function killDuring(run: () => Promise<void>, killAfter: number | Promise<unknown>): Promise<boolean> {
  const outcome = run().then(
    () => undefined,
    (error: unknown) => error,
  );
  await (typeof killAfter === 'number' ? new Promise((resolve) => setTimeout(resolve, killAfter)) : killAfter);
  await kill();
  const error = await outcome;
  if (error === undefined) return false;
  if (error instanceof CutByKill) return true;
  throw error;
}

function data<T>(result: CallToolResult): T {
  if (result.isError) throw new Error(`tool error: ${JSON.stringify(result.content)}`);
  return result.structuredContent as T;
}

async function hubPanes(): Promise<string> {
  const out = await exec('tmux', ['-L', world.socket, 'list-panes', '-a', '-F', '#{window_name}=#{pane_id}:#{pane_pid}'], { allowFailure: true });
  return out.stdout.split('\n').filter(Boolean).sort().join(' ');
}

async function prompts(agent: string): Promise<string[]> {
  const text = await readFile(join(world.stateDir, 'events', sessionId, `${agent}.jsonl`), 'utf8').catch(() => '');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('UserPromptSubmit')) continue;
    const event = JSON.parse(line) as { hook_event_name: string; prompt?: string };
    if (event.hook_event_name === 'UserPromptSubmit') out.push(event.prompt ?? '');
  }
  return out;
}

beforeAll(async () => {
  world = await createWorld([]);
  await start();
  sessionId = data<{ session: { session_id: string } }>(await call('create_session', { root_path: world.root, session_name: 'crash' })).session.session_id;
  for (const name of ['Agent_1', 'Agent_2']) data(await call('create_agent', { session_id: sessionId, agent_name: name }));
  // Both idle with their prompt box up (answering a start-up menu a release may show).
  for (const name of ['Agent_1', 'Agent_2']) await untilReadyOverMcp(call, sessionId, name);
  panes = await hubPanes();
}, 120_000);

afterAll(async () => {
  await kill().catch(() => undefined);
  await world?.cleanup();
});

describe('kill -9 the hub during 500 mixed operations', () => {
  it('loses nothing acknowledged, types no message twice, and re-attaches every living agent', async () => {
    const random = prng(20261121);
    const killAt = new Set<number>();
    while (killAt.size < KILLS) killAt.add(1 + Math.floor(random() * (OPS - 2)));

    const acked = { messages: new Map<string, string>(), tasks: new Set<string>(), sessions: new Set<string>([sessionId]) };
    const doubtful = new Set<string>();
    const taskIds: string[] = [];
    const extraRoots: { root: string; id: string | null }[] = [];
    const personLines: string[] = [];
    let restarts = 0;
    let cut = 0;

    for (let n = 0; n < OPS; n++) {
      const pick = random();
      const token = `op${n}x`;
      let run: () => Promise<void>;
      let doubt: () => void;
      if (pick < 0.35) {
        const agent = random() < 0.5 ? 'Agent_1' : 'Agent_2';
        run = async () => {
          const result = data<{ state: string; reason?: string }>(
            await call('send_message_to_agent', { agent_name: agent, message: `message ${token} for ${agent}` }),
          );
          expect(['delivered', 'queued'], `${token}: ${JSON.stringify(result)} after ${restarts} restarts`).toContain(result.state);
          acked.messages.set(token, agent);
        };
        doubt = () => doubtful.add(token);
      } else if (pick < 0.55) {
        run = async () => {
          const task = data<{ task: { task_id: string } }>(await call('create_task', { session_id: sessionId, title: `task ${token}`, priority: 'low' }));
          taskIds.push(task.task.task_id);
          acked.tasks.add(token);
        };
        doubt = () => undefined;
      } else if (pick < 0.7 && taskIds.length > 0) {
        const id = taskIds[Math.floor(random() * taskIds.length)] as string;
        const status = (['in_progress', 'review', 'done', 'todo'] as const)[Math.floor(random() * 4)];
        run = async () => void data(await call('update_task', { session_id: sessionId, task_id: id, status, log: `moved ${token}` }));
        doubt = () => undefined;
      } else if (pick < 0.85) {
        // A person's edit, saved the way editors do (temp file + rename); the hub must never clobber it.
        run = async () => {
          const todo = join(world.root, 'TODO.md');
          const text = await readFile(todo, 'utf8');
          await writeFile(`${todo}.swp`, `${text}- [ ] person line ${token}\n`);
          await rename(`${todo}.swp`, todo);
          personLines.push(token);
        };
        doubt = () => undefined;
      } else {
        const live = extraRoots.filter((r) => r.id !== null);
        if (live.length >= 6 || (live.length > 0 && random() < 0.4)) {
          const victim = live[Math.floor(random() * live.length)] as { root: string; id: string | null };
          run = async () => {
            data(await call('delete_session', { session_id: victim.id }));
            acked.sessions.delete(victim.id as string);
            victim.id = null;
          };
          // A cut delete may or may not have landed: the next listing says which.
          doubt = () => {
            if (victim.id === null) return;
            acked.sessions.delete(victim.id);
            doubtful.add(`root:${victim.root}`);
          };
        } else {
          const root = join(world.root, '..', `extra-${n}`);
          await mkdir(root, { recursive: true });
          const entry = { root, id: null as string | null };
          extraRoots.push(entry);
          run = async () => {
            entry.id = data<{ session: { session_id: string } }>(
              await call('create_session', { root_path: root, session_name: `extra ${n}` }),
            ).session.session_id;
            acked.sessions.add(entry.id);
          };
          doubt = () => doubtful.add(`root:${root}`);
        }
      }

      if (!killAt.has(n)) {
        await run();
        continue;
      }
      // The kill lands while this call is in flight (or just before/after it).
      if (await killDuring(run, Math.floor(random() * 40))) cut++;
      doubt();
      restarts++;
      await start();

      // After each restart: the state loaded and holds every acknowledged session.
      const sessions = data<{ sessions: { session_id: string; root: string }[] }>(await call('list_sessions')).sessions;
      const ids = new Set(sessions.map((s) => s.session_id));
      for (const id of acked.sessions) expect(ids.has(id), `session ${id} survived`).toBe(true);
      for (const extra of extraRoots) {
        const found = sessions.find((s) => s.root === extra.root);
        if (doubtful.delete(`root:${extra.root}`)) {
          // The cut create or delete: whatever landed is the truth from now on.
          extra.id = found?.session_id ?? null;
          if (found) acked.sessions.add(found.session_id);
          continue;
        }
        if (found && extra.id === null) throw new Error(`deleted session ${extra.root} came back`);
      }
      // Every living agent is re-attached: same panes, same processes, not exited.
      expect(await hubPanes()).toBe(panes);
      const status = data<{ agents: { agent_name: string; status: string }[] }>(await call('get_session_status', { session_id: sessionId }));
      expect(status.agents.map((a) => a.agent_name).sort()).toEqual(['Agent_1', 'Agent_2']);
      for (const agent of status.agents) expect(agent.status, `${agent.agent_name} after restart ${restarts}`).not.toBe('exited');
    }
    expect(restarts).toBe(KILLS);
    process.stderr.write(`e2e crash test: ${restarts} kills, ${cut} of them cut a call in flight\n`);

    // Let every queue drain, then count what each agent was really given. Draining is a real
    // agent's turn per message, at the machine's pace: the wait fails only when the queues stop
    // shrinking, and then says what each agent showed.
    await waitWhileProgressing(async () => {
      const status = data<{ agents: { name: string; status: string; queuedMessages: number }[] }>(await call('get_session_status', { session_id: sessionId }));
      const agents = status.agents.map((a) => ({ name: a.name, status: a.status, queued: a.queuedMessages }));
      const queued = agents.reduce((sum, a) => sum + a.queued, 0);
      // Progress counts a queue that shrank, and an agent that came back to idle with none left.
      const busy = agents.filter((a) => a.status !== 'idle').length;
      // An agent that is not idle shows its screen, so a failure says what it waits on.
      const screens: Record<string, unknown> = {};
      for (const a of agents.filter((x) => x.status !== 'idle')) {
        screens[a.name] = (await call('read_agent_output', { agent_name: a.name, lines: 25 })).structuredContent;
      }
      return { agents, screens, progress: queued * 10 + busy, done: queued === 0 && busy === 0 };
    }, 'every queue drained');
    const given = new Map<string, number>();
    for (const agent of ['Agent_1', 'Agent_2']) {
      for (const prompt of await prompts(agent)) {
        for (const match of prompt.matchAll(/message (op\d+x) for (Agent_\d)/g)) {
          expect(match[2]).toBe(agent);
          given.set(match[1] as string, (given.get(match[1] as string) ?? 0) + 1);
        }
      }
    }
    for (const token of acked.messages.keys()) expect(given.get(token), `message ${token} typed exactly once`).toBe(1);
    for (const token of doubtful) if (token.startsWith('op')) expect(given.get(token) ?? 0).toBeLessThanOrEqual(1);
    expect(acked.messages.size).toBeGreaterThan(100);

    // Every acknowledged task file exists; every person's line is still in TODO.md.
    const listed = data<{ tasks: { title: string }[] }>(await call('list_tasks', { session_id: sessionId })).tasks.map((t) => t.title);
    for (const token of acked.tasks) expect(listed).toContain(`task ${token}`);
    const todo = await readFile(join(world.root, 'TODO.md'), 'utf8');
    for (const token of personLines) expect(todo).toContain(`person line ${token}`);

    // The audit chain survived twenty kills.
    const verify = await exec(process.execPath, [join(world.serveArgs()[0] as string), 'audit', 'verify', '--state-dir', world.stateDir], {
      allowFailure: true,
      env: world.env,
    });
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
  }, 900_000);

  it('negative control: a wrong answer that arrived before the kill fails; a call the kill cut does not', async () => {
    // Each answer arrives (the gate opens on it), is wrong or an error, and only then is the hub killed.
    const gate = (): { opened: Promise<void>; open: () => void } => {
      let open = (): void => undefined;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return { opened, open };
    };
    const first = gate();
    const wrong = killDuring(async () => {
      const result = await call('list_sessions');
      first.open();
      expect(data<{ sessions: unknown[] }>(result).sessions, 'the deliberately wrong expectation').toEqual([]);
    }, first.opened);
    await expect(wrong).rejects.toThrow(/the deliberately wrong expectation/);
    await start();
    const second = gate();
    const toolError = killDuring(async () => {
      const result = await call('get_session_status', { session_id: 'no-such-session' });
      second.open();
      data(result);
    }, second.opened);
    await expect(toolError).rejects.toThrow(/tool error: .*SESSION_NOT_FOUND/);
    await start();
    // The kill lands in the same tick the call is made, before any answer can be read: forgiven, and reported as cut.
    await expect(killDuring(() => call('list_sessions').then(() => undefined), Promise.resolve())).resolves.toBe(true);
    await start();
    expect(data<{ sessions: { session_id: string }[] }>(await call('list_sessions')).sessions.map((s) => s.session_id)).toContain(sessionId);
  }, 60_000);
});
