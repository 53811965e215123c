#!/usr/bin/env node
/**
 * get_session_status over stdio against the BUILT server (dist/cli.js): 8 sessions × 16 agents
 * × 500 task files on disk. Agents run a trivial stand-in for claude (a script that sleeps) in
 * tmux windows on a private socket, so only the hub is measured. Prints calls/s and latency
 * percentiles, sequential (one call in flight) and pipelined (CONCURRENCY in flight). Every
 * answer is checked: a call that failed (isError, or the client threw) is counted and printed,
 * and the bench exits 1 if there was any (a fast error is not a figure).
 * Aim (issue 5): ≥ 2,000 calls/s, p99 ≤ 5 ms.
 *
 *   npm run build && node bench/throughput.mjs [--sessions 8] [--agents 16] [--tasks 500] [--calls 5000]
 */
import { mkdtemp, mkdir, writeFile, rm, chmod } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { printMachine } from './machine.mjs';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '8' },
    agents: { type: 'string', default: '16' },
    tasks: { type: 'string', default: '500' },
    calls: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '8' },
    // Write a V8 CPU profile of the server to this folder.
    profile: { type: 'string' },
  },
});
const SESSIONS = Number(values.sessions);
const AGENTS = Number(values.agents);
const TASKS = Number(values.tasks);
const CALLS = Number(values.calls);
const CONCURRENCY = Number(values.concurrency);
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

printMachine('throughput');
const work = await mkdtemp(join(tmpdir(), 'hub-bench-throughput-'));
const socket = `hub-bench-${process.pid}`;
const home = join(work, 'home');
await mkdir(home);

// A stand-in for claude: accepts any arguments, does nothing, stays alive.
const fakeClaude = join(work, 'sleeping-claude.sh');
await writeFile(fakeClaude, '#!/bin/sh\n# bench stand-in for claude: sleeps so the hub sees a live agent\nexec sleep 86400\n');
await chmod(fakeClaude, 0o755);

function taskFile(n, agent) {
  const status = ['todo', 'in_progress', 'review', 'done'][n % 4];
  return `---\nid: TASK-${n}\ntitle: Task number ${n}\nstatus: ${status}\nassignee: ${agent}\nfrom: user\npriority: medium\ncreated: 2026-11-21\n---\n\nDo thing ${n}.\n\n- [x] first step\n- [ ] second step\n\n## Log\n- 2026-11-21 09:00 @${agent} created\n`;
}

const roots = [];
for (let s = 0; s < SESSIONS; s++) {
  const root = join(work, `project-${s}`);
  await mkdir(join(root, '.claude-hub', 'tasks'), { recursive: true });
  const sections = Array.from({ length: AGENTS }, (_, a) => `## B${s}_${a}: part ${a}\n- [x] done item\n- [ ] open item (TASK-${a + 1})\n`).join('\n');
  await writeFile(join(root, 'TODO.md'), `# TODO\n\n${sections}`);
  await Promise.all(
    Array.from({ length: TASKS }, (_, t) => writeFile(join(root, '.claude-hub', 'tasks', `TASK-${t + 1}.md`), taskFile(t + 1, `B${s}_${t % AGENTS}`))),
  );
  roots.push(root);
}

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', CLAUDE_HUB_LOG_LEVEL: 'warn' };
const transport = new StdioClientTransport({
  command: process.execPath,
  args: [
    ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []),
    CLI,
    'serve',
    '--state-dir',
    join(work, 'state'),
    '--claude-command',
    fakeClaude,
    '--tmux-socket',
    socket,
    '--backend',
    'tmux',
    '--max-sessions',
    String(SESSIONS),
    '--max-agents',
    String(Math.max(1, SESSIONS * AGENTS)),
    '--security-level',
    'HIGH',
  ],
  env,
  stderr: 'pipe',
});
let stderr = '';
transport.stderr?.on('data', (chunk) => (stderr += chunk));
const client = new Client({ name: 'bench-throughput', version: '1.0.0' });

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function report(label, latencies, seconds) {
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(28)} ${String(Math.round(latencies.length / seconds)).padStart(6)} calls/s   p50 ${percentile(sorted, 50).toFixed(2)} ms   p99 ${percentile(sorted, 99).toFixed(2)} ms   max ${sorted.at(-1).toFixed(2)} ms`,
  );
}

try {
  const setupStart = performance.now();
  await client.connect(transport);
  const sessionIds = [];
  let lastAgentCreated = 0;
  for (const [s, root] of roots.entries()) {
    const created = await client.callTool({ name: 'create_session', arguments: { root_path: root, session_name: `bench-${s}`, trust_root: true } });
    if (created.isError) throw new Error(`create_session: ${created.content[0]?.text}`);
    sessionIds.push(created.structuredContent.session.session_id);
    for (let a = 0; a < AGENTS; a++) {
      const agent = await client.callTool({
        name: 'create_agent',
        arguments: { session_id: created.structuredContent.session.session_id, agent_name: `B${s}_${a}` },
      });
      if (agent.isError) throw new Error(`create_agent: ${agent.content[0]?.text}`);
      lastAgentCreated = Date.now();
    }
  }
  // The stand-in never sends Claude Code's hook events, so the hub watches each agent's screen for a
  // startup dialog for its first 60 s (a real agent ends that with its SessionStart hook within
  // seconds). Measure the steady state, after that window.
  const quietAt = lastAgentCreated + 61_000;
  if (AGENTS > 0 && Date.now() < quietAt) await new Promise((r) => setTimeout(r, quietAt - Date.now()));
  // Wait until the index has read every task file.
  for (const id of sessionIds) {
    for (let i = 0; ; i++) {
      const status = await client.callTool({ name: 'get_session_status', arguments: { session_id: id } });
      if (!status.isError && status.structuredContent.tasks.total >= TASKS) break;
      if (i > 600) throw new Error(`session ${id} never showed ${TASKS} tasks: ${JSON.stringify(status.structuredContent?.tasks?.total ?? status.content)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const sample = await client.callTool({ name: 'get_session_status', arguments: { session_id: sessionIds[0] } });
  if (process.env.BENCH_DUMP)
    console.error(
      Object.entries(sample.structuredContent)
        .map(([k, v]) => `${k}: ${JSON.stringify(v).length} bytes`)
        .join(', '),
      JSON.stringify(sample.structuredContent.diagnostics?.slice(0, 2)),
    );
  console.log(
    `setup: ${SESSIONS} sessions × ${AGENTS} agents × ${TASKS} tasks in ${((performance.now() - setupStart) / 1000).toFixed(1)} s; one status response is ${JSON.stringify(sample).length} bytes`,
  );

  // Warm-up.
  for (let i = 0; i < 200; i++) await client.callTool({ name: 'get_session_status', arguments: { session_id: sessionIds[i % SESSIONS] } });

  const sequential = [];
  let start = performance.now();
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    const result = await client.callTool({ name: 'get_session_status', arguments: { session_id: sessionIds[i % SESSIONS] } });
    sequential.push(performance.now() - t0);
    if (result.isError) throw new Error(result.content[0]?.text);
  }
  report('sequential (1 in flight)', sequential, (performance.now() - start) / 1000);
  console.log(`sequential errors: 0/${CALLS} (any would have stopped the bench)`);

  const pipelined = [];
  const errors = [];
  let next = 0;
  start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CALLS) {
        const i = next++;
        const t0 = performance.now();
        try {
          const result = await client.callTool({ name: 'get_session_status', arguments: { session_id: sessionIds[i % SESSIONS] } });
          if (result.isError) errors.push(`call ${i}: ${result.content[0]?.text ?? 'isError without text'}`);
        } catch (error) {
          errors.push(`call ${i}: ${error instanceof Error ? error.message : String(error)}`);
        }
        pipelined.push(performance.now() - t0);
      }
    }),
  );
  report(`pipelined (${CONCURRENCY} in flight)`, pipelined, (performance.now() - start) / 1000);
  console.log(`pipelined errors: ${errors.length}/${CALLS}${errors.length > 0 ? ` (first: ${errors[0]})` : ''}`);
  if (errors.length > 0) throw new Error(`${errors.length} of ${CALLS} pipelined calls failed; the figure above is not valid`);
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}\n--- server stderr ---\n${stderr.slice(-4000)}`);
  process.exitCode = 1;
} finally {
  await client.close().catch(() => undefined);
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // No tmux server was started.
  }
  await rm(work, { recursive: true, force: true });
}
