#!/usr/bin/env node
// Delivery latency into a real, idle Claude Code agent in tmux (own -L socket), through the
// hub's DeliveryQueue + TmuxBackend (from dist/): from "send" (enqueue) to "UserPromptSubmit
// seen" (the hook's line read back from the agent's event file). Only the model is faked
// (fixtures/fake-anthropic, compiled on the fly). Prints p50/p95/max and how many confirmed.
//
// Usage: npx tsc -p tsconfig.build.json && node bench/delivery.mjs [messages=40]
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile, open } from 'node:fs/promises';
import { watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const count = Number(process.argv[2] ?? 40);
// Time between the agent's Stop and the next send: longer than the queue's settle-after-Stop (400 ms), so an idle agent.
const settleMs = Number(process.env.BENCH_SETTLE_MS ?? 500);
const dist = (p) => import(pathToFileURL(join(repo, 'dist', p)).href);
const { TmuxBackend } = await dist('terminal/tmux.js');
const { DeliveryQueue } = await dist('hub/delivery.js');
const { buildLaunchSpec } = await dist('agent/launch.js');
const { agentEventsFile, buildAgentSettings } = await dist('agent/settings.js');
const { assembleAgentPrompt } = await dist('agent/prompt.js');

// The fake model and the isolated-HOME helper are test fixtures (TypeScript): compile them.
// Inside the checkout, so the helper finds node_modules/.bin/claude by walking up.
await mkdir(join(repo, 'node_modules', '.cache'), { recursive: true });
const build = await mkdtemp(join(repo, 'node_modules', '.cache', 'hub-bench-build-'));
execFileSync(join(repo, 'node_modules', '.bin', 'tsc'), [
  '--outDir', build, '--rootDir', repo, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
  '--skipLibCheck', '--types', 'node', join(repo, 'fixtures/fake-anthropic/server.ts'), join(repo, 'test/helpers/claude-env.ts'),
]);
await writeFile(join(build, 'package.json'), '{"type":"module"}');
const { startFakeAnthropic } = await import(pathToFileURL(join(build, 'fixtures/fake-anthropic/server.js')).href);
const { createClaudeEnv, CLAUDE_BIN } = await import(pathToFileURL(join(build, 'test/helpers/claude-env.js')).href);

const base = await realpath(await mkdtemp(join(tmpdir(), 'hub-bench-')));
const root = join(base, 'project');
const stateDir = join(base, 'state');
await mkdir(root, { recursive: true });
await mkdir(stateDir, { recursive: true });
const fake = await startFakeAnthropic({ fallbackText: 'OK.' });
const claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [root] });
const socket = `hub-bench-${randomBytes(4).toString('hex')}`;
const backend = new TmuxBackend({ socket });

// Event tail: fs.watch on the file's directory, read the new bytes, parse whole lines.
const eventsFile = agentEventsFile(stateDir, 'bench', 'Agent_1');
await mkdir(dirname(eventsFile), { recursive: true });
await writeFile(eventsFile, '');
const hookListeners = new Set();
const statusListeners = new Set();
let status = 'starting';
let offset = 0;
let line = 0;
let reading = false;
let again = false;
async function readNew() {
  if (reading) return void (again = true);
  reading = true;
  try {
    const handle = await open(eventsFile, 'r');
    const { size } = await handle.stat();
    if (size > offset) {
      const buf = Buffer.alloc(size - offset);
      await handle.read(buf, 0, buf.length, offset);
      const text = buf.toString('utf8');
      const end = text.lastIndexOf('\n') + 1;
      offset += Buffer.byteLength(text.slice(0, end));
      for (const raw of text.slice(0, end).split('\n').filter(Boolean)) {
        const payload = JSON.parse(raw);
        const event = { agent: 'Agent_1', session: 'bench', event: payload.hook_event_name, claudeSessionId: payload.session_id, receivedAt: performance.now(), line: ++line, payload };
        const next = { SessionStart: 'idle', Stop: 'idle', StopFailure: 'idle', UserPromptSubmit: 'working', PreToolUse: 'working', PostToolUse: 'working', PermissionRequest: 'waiting_for_person', SessionEnd: 'exited' }[event.event] ?? status;
        for (const l of hookListeners) l(event);
        if (next !== status) {
          status = next;
          for (const l of statusListeners) l('Agent_1', next);
        }
      }
    }
    await handle.close();
  } finally {
    reading = false;
    if (again) {
      again = false;
      void readNew();
    }
  }
}
const watcher = watch(dirname(eventsFile), () => void readNew());

const settingsFile = join(stateDir, 'Agent_1.settings.json');
await writeFile(settingsFile, JSON.stringify(buildAgentSettings({ eventsFile })));
const promptFile = join(stateDir, 'Agent_1.prompt.md');
await writeFile(promptFile, await assembleAgentPrompt({ agentName: 'Agent_1', root, otherAgents: [] }));
const spec = buildLaunchSpec({
  claudeCommand: CLAUDE_BIN, agentName: 'Agent_1', hubSession: 'bench', claudeSessionId: randomUUID(),
  promptFile, settingsFile, root, baseEnv: claude.env,
});
const handle = await backend.open({ session: 'bench', name: 'Agent_1', cwd: root, argv: spec.argv, env: spec.env });
// Time the two tmux client calls of each delivery (paste, Enter) to show where the time goes.
const pasteMs = [];
const submitMs = [];
const timed = (fn, into) => async (...args) => {
  const t = performance.now();
  await fn.apply(backend, args);
  into.push(performance.now() - t);
};
backend.sendText = timed(backend.sendText, pasteMs);
backend.submit = timed(backend.submit, submitMs);
const queue = new DeliveryQueue({
  terminals: { terminalOf: () => ({ backend, handle }) },
  status: { getStatus: () => status, onStatusChange: (l) => (statusListeners.add(l), () => statusListeners.delete(l)) },
  hooks: { onHookEvent: (l) => (hookListeners.add(l), () => hookListeners.delete(l)) },
  submitDelayMs: Number(process.env.BENCH_SUBMIT_DELAY_MS ?? 0),
});

const waitIdle = async (ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (status !== 'idle') {
    if (Date.now() > deadline) throw new Error(`agent not idle (status ${status}); screen:\n${(await backend.readScreen(handle)).text}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const samples = [];
let confirmed = 0;
let retries = 0;
const inexact = [];
queue.on((e) => e.type === 'retry' && retries++);
try {
  await waitIdle(20_000);
  for (let i = 0; i < count + 3; i++) {
    await waitIdle();
    await new Promise((r) => setTimeout(r, settleMs)); // an idle agent: some time has passed since its Stop
    const text = `Message ${i} of the benchmark.\nSecond line with "quotes" and ü.`;
    const started = performance.now();
    const outcome = await queue.enqueue({ deliveryId: `bench-${i}`, agent: 'Agent_1', text }).settled;
    if (outcome.state !== 'delivered') throw new Error(`message ${i} undelivered: ${outcome.reason}`);
    if (outcome.confirmedBy.payload.prompt !== text) inexact.push(JSON.stringify(outcome.confirmedBy.payload.prompt));
    if (i >= 3) {
      // The first three warm up the TUI and are not counted.
      samples.push(outcome.confirmedBy.receivedAt - started);
      confirmed++;
    }
  }
} finally {
  watcher.close();
  queue.close();
  execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  await fake.close();
  await claude.cleanup();
  // claude may still be writing its transcript for a moment after the server dies.
  await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  await rm(build, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

samples.sort((a, b) => a - b);
const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
console.log(`delivery (send → UserPromptSubmit seen), idle real Claude Code 2.1.197 in tmux, ${samples.length} messages (2-line, after 3 warm-up):`);
console.log(`  p50 ${at(0.5).toFixed(1)} ms  p95 ${at(0.95).toFixed(1)} ms  max ${samples.at(-1).toFixed(1)} ms  min ${samples[0].toFixed(1)} ms`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`  of which tmux calls (median): paste ${median(pasteMs).toFixed(1)} ms, Enter ${median(submitMs).toFixed(1)} ms; the rest is Claude Code + hook + reading the event file`);
console.log(`  load average at the end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores)`);
console.log(`  tail: ${samples.slice(-12).map((s) => s.toFixed(0)).join(" ")}`);
if (inexact.length > 0) console.log(`  prompts that differ from the text sent: ${inexact.join(', ')}`);
console.log(`  pause between paste and Enter: ${Number(process.env.BENCH_SUBMIT_DELAY_MS ?? 0)} ms`);
console.log(`  confirmed ${confirmed}/${count}, re-submits ${retries}`);
