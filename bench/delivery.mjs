#!/usr/bin/env node
// Delivery into a real, idle Claude Code agent in tmux (own -L socket), through the hub's OWN
// path (test/helpers/agent-rig.ts: launch spec checked against the release, hooks, the live
// index's chokidar tail of the event file, the screen watch, the delivery queue): from "send"
// (enqueue) to "UserPromptSubmit seen by the index". Only the model is faked. Runs on every
// pinned release (or the one CLAUDE_HUB_TEST_CLAUDE names), and prints per release:
//   - delivery p50/p95/max, and how many were confirmed / undelivered / re-submitted;
//   - create_agent → prompt box ready, split into the hub's own work (settings, prompt, tmux
//     window), Claude Code's start (window → first ready screen) and the hub's noticing it.
//
// Usage: npm run build && node bench/delivery.mjs [messages=40] [launches=5]
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { printMachine } from './machine.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const count = Number(process.argv[2] ?? 40);
const launches = Number(process.argv[3] ?? 5);
// Time between the agent's Stop and the next send: longer than the queue's settle-after-Stop (400 ms), so an idle agent.
const settleMs = Number(process.env.BENCH_SETTLE_MS ?? 500);

// The rig, the fake model and the isolated-HOME helper are TypeScript: compile them (and what they import).
await mkdir(join(repo, 'node_modules', '.cache'), { recursive: true });
const build = await mkdtemp(join(repo, 'node_modules', '.cache', 'hub-bench-build-'));
execFileSync(join(repo, 'node_modules', '.bin', 'tsc'), [
  '--outDir',
  build,
  '--rootDir',
  repo,
  '--module',
  'nodenext',
  '--moduleResolution',
  'nodenext',
  '--target',
  'es2022',
  '--skipLibCheck',
  '--noCheck',
  '--types',
  'node',
  join(repo, 'fixtures/fake-anthropic/server.ts'),
  join(repo, 'test/helpers/claude-env.ts'),
  join(repo, 'test/helpers/agent-rig.ts'),
  join(repo, 'src/terminal/tmux.ts'),
  join(repo, 'src/screen/read.ts'),
]);
await writeFile(join(build, 'package.json'), '{"type":"module"}');
// templates/ (hooks, prompt) are found relative to the compiled agent/ folder.
execFileSync('cp', ['-r', join(repo, 'templates'), join(build, 'templates')]);
const load = (p) => import(pathToFileURL(join(build, p)).href);
const { startFakeAnthropic } = await load('fixtures/fake-anthropic/server.js');
const { createClaudeEnv } = await load('test/helpers/claude-env.js');
const { createRig } = await load('test/helpers/agent-rig.js');
const { TmuxBackend } = await load('src/terminal/tmux.js');
const { readScreen } = await load('src/screen/read.js');

const releases = process.env.CLAUDE_HUB_TEST_CLAUDE
  ? [process.env.CLAUDE_HUB_TEST_CLAUDE]
  : [join(repo, 'node_modules/@anthropic-ai/claude-code/bin/claude.exe'), join(repo, 'node_modules/claude-code-current/bin/claude.exe')];

const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const f = (x) => (x === undefined ? 'n/a' : `${x.toFixed(1)} ms`);
let failed = false;

for (const claudeBin of releases) {
  printMachine('delivery', { claude: claudeBin });
  const base = await realpath(await mkdtemp(join(tmpdir(), 'hub-bench-')));
  const root = join(base, 'project');
  await mkdir(root, { recursive: true });
  const fake = await startFakeAnthropic({ fallbackText: 'OK.' });
  const claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [root] });
  const socket = `hub-bench-${randomBytes(4).toString('hex')}`;
  const backend = new TmuxBackend({ socket });
  const rig = await createRig({ backend, claudeBin, env: claude.env, stateDir: join(base, 'state'), root, session: 'bench' });
  const waitFor = async (check, what, ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const got = await check();
      if (got) return got;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    // ── create_agent → prompt box ready ──
    const hubWork = [];
    const claudeStart = [];
    const noticed = [];
    for (let i = 0; i < launches; i++) {
      const t0 = performance.now();
      const agent = await rig.launch(`Agent_${i + 10}`, { permissionMode: 'acceptEdits' });
      const t1 = performance.now();
      // Claude Code's own start: the first time its screen reads ready (raw capture every 10 ms).
      await waitFor(async () => readScreen((await backend.readScreen(agent.handle)).text).state === 'ready', 'first ready screen', 60_000);
      const t2 = performance.now();
      // The hub's noticing: what its delivery path asks before typing.
      await waitFor(() => rig.screens.ready(agent.name), 'hub sees ready', 30_000);
      const t3 = performance.now();
      hubWork.push(t1 - t0);
      claudeStart.push(t2 - t1);
      noticed.push(t3 - t2);
      await backend.close(agent.handle);
    }
    // ── delivery ──
    const one = await rig.launch('Agent_1', { permissionMode: 'acceptEdits' });
    const queue = rig.queue();
    let retries = 0;
    queue.on((e) => e.type === 'retry' && retries++);
    const pasteMs = [];
    const submitMs = [];
    // Stage marks of the message in flight (Date.now(), the clock receivedAt uses).
    let marks = {};
    const timed =
      (fn, into, mark) =>
      async (...args) => {
        const t = performance.now();
        marks[`${mark}Start`] ??= Date.now();
        await fn.apply(backend, args);
        marks[mark] ??= Date.now();
        into.push(performance.now() - t);
      };
    backend.sendText = timed(backend.sendText, pasteMs, 'pasted');
    backend.submit = timed(backend.submit, submitMs, 'entered');
    // The moment the hook's line lands in the event file, seen by a raw inotify watch here.
    const { watch } = await import('node:fs');
    const stages = { toPaste: [], paste: [], pasteToEnter: [], enterToHook: [], hookToIndex: [] };
    const samples = [];
    const undelivered = [];
    const inexact = [];
    await waitFor(() => one.status() === 'idle', 'Agent_1 idle');
    await waitFor(() => rig.screens.ready('Agent_1'), 'Agent_1 ready');
    const rawWatch = watch(one.eventsFile, () => {
      marks.written ??= Date.now();
    });
    for (let i = 0; i < count + 3; i++) {
      await waitFor(() => one.status() === 'idle', 'idle');
      await new Promise((r) => setTimeout(r, settleMs));
      const text = `Message ${i} of the benchmark.\nSecond line with "quotes" and ü.`;
      marks = {};
      const started = Date.now();
      const t = performance.now();
      const outcome = await queue.enqueue({ deliveryId: `bench-${i}`, agent: 'Agent_1', text }).settled;
      const took = performance.now() - t;
      if (i < 3) continue; // warm-up
      if (outcome.state !== 'delivered') {
        undelivered.push(`${i}: ${outcome.reason}`);
        continue;
      }
      if (outcome.confirmedBy.payload.prompt !== text) inexact.push(i);
      // From send to the moment the index read the UserPromptSubmit event (its receivedAt).
      samples.push(outcome.confirmedBy.receivedAt - started);
      stages.toPaste.push(marks.pastedStart - started);
      stages.paste.push(marks.pasted - marks.pastedStart);
      stages.pasteToEnter.push(marks.entered - marks.pasted);
      stages.enterToHook.push(marks.written - marks.entered);
      stages.hookToIndex.push(outcome.confirmedBy.receivedAt - marks.written);
      void took;
    }
    queue.close();
    // ── Claude Code's own floor: no hub at all, one paste and one Enter straight into tmux with a
    // gap between them, timed from the paste to the hook's line. What no hub can go below. ──
    const floor = new Map();
    for (const gapMs of [0, 10, 30]) {
      const samples = [];
      for (let i = 0; i < Math.min(15, count); i++) {
        await waitFor(() => one.status() === 'idle', 'idle');
        await new Promise((r) => setTimeout(r, settleMs));
        marks = {};
        const t = Date.now();
        await backend.sendText(one.handle, `Floor ${gapMs}/${i}: a two-line message.\nSecond line.`);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        await backend.submit(one.handle);
        const written = await waitFor(() => marks.written, 'the hook line', 10_000).catch(() => null);
        if (written !== null) samples.push(written - t);
        await waitFor(() => one.status() !== 'idle' || Date.now() - t > 3000, 'the turn');
      }
      floor.set(gapMs, samples);
    }
    rawWatch.close();
    const version = execFileSync(claudeBin, ['--version'], { encoding: 'utf8', env: { ...process.env, DISABLE_AUTOUPDATER: '1' } }).trim();
    console.log(`delivery (send → UserPromptSubmit seen by the hub's index), idle ${version} in tmux, ${count} two-line messages after 3 warm-up:`);
    console.log(`  p50 ${f(pct(samples, 0.5))}  p95 ${f(pct(samples, 0.95))}  max ${f(Math.max(...samples))}`);
    console.log(
      `  confirmed ${samples.length}/${count}, undelivered ${undelivered.length}, re-submits ${retries}, prompts differing from the text ${inexact.length}`,
    );
    console.log(`  tmux calls (median): paste ${f(pct(pasteMs, 0.5))} (with its dead-pane check), Enter ${f(pct(submitMs, 0.5))}`);
    console.log(
      `  stages (median, ms): send → paste starts ${pct(stages.toPaste, 0.5)} · paste ${pct(stages.paste, 0.5)} · paste → Enter pressed ${pct(stages.pasteToEnter, 0.5)} · Enter → hook line written ${pct(stages.enterToHook, 0.5)} · written → index read it ${pct(stages.hookToIndex, 0.5)}`,
    );
    console.log(
      `  Claude Code's own floor (no hub: paste, a gap, Enter, straight into tmux; paste → hook line, p50 / p95): ${[...floor]
        .map(([gap, xs]) => `gap ${gap} ms: ${pct(xs, 0.5)} / ${pct(xs, 0.95)} ms (${xs.length})`)
        .join(' · ')}`,
    );
    console.log(`create_agent → prompt box ready, ${launches} launches (median / max):`);
    console.log(`  hub's work before claude runs (settings, prompt file, tmux window): ${f(pct(hubWork, 0.5))} / ${f(Math.max(...hubWork))}`);
    console.log(`  Claude Code's own start (window → first ready screen): ${f(pct(claudeStart, 0.5))} / ${f(Math.max(...claudeStart))}`);
    console.log(
      `  until the hub calls the box ready (its look, and the 1.5 s start-up settle after SessionStart for a menu that may follow): ${f(pct(noticed, 0.5))} / ${f(Math.max(...noticed))}`,
    );
    console.log(
      `  load average at the end: ${(await import('node:os'))
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    if (undelivered.length > 0) {
      failed = true;
      console.log(`  UNDELIVERED: ${undelivered.join('; ')}`);
    }
  } finally {
    await rig.close();
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // Already gone with its last window.
    }
    await fake.close();
    await claude.cleanup();
    await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
await rm(build, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
if (failed) process.exitCode = 1;
