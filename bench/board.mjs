#!/usr/bin/env node
/**
 * The live board at scale, in real Chromium (Debian's `chromium` via playwright-core): 8
 * sessions × 16 agents × 500 task files on disk, read by the real live index (dist/, chokidar),
 * served by the board's real routes and stream. Prints:
 *   - first render: navigation start → every session drawn (the page's own clock), median of runs;
 *   - update latency: a TODO.md renamed into place on disk → the page's DOM shows it (the
 *     page's MutationObserver time minus the rename time, both on the epoch clock), p50/p95;
 *   - page weight: the page's own files, the first board event for this size, the MCP App.
 * Agents have no terminals here (no Claude, no tmux): what is measured is the index → board →
 * page path. Aims (issue 13): first render ≤ 1 s, update p50 ≤ 50 ms.
 *
 *   npm run build && node bench/board.mjs [--sessions 8] [--agents 16] [--tasks 500] [--samples 40] [--renders 5]
 */
import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { printMachine } from './machine.mjs';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '8' },
    agents: { type: 'string', default: '16' },
    tasks: { type: 'string', default: '500' },
    samples: { type: 'string', default: '40' },
    renders: { type: 'string', default: '5' },
  },
});
const SESSIONS = Number(values.sessions);
const AGENTS = Number(values.agents);
const TASKS = Number(values.tasks);
const SAMPLES = Number(values.samples);
const RENDERS = Number(values.renders);
const CHROMIUM = process.env.CLAUDE_HUB_TEST_CHROMIUM ?? '/usr/bin/chromium';
const DIST = new URL('../dist/', import.meta.url);
const load = (path) => import(pathToFileURL(join(DIST.pathname, path)).href);

printMachine('board');
if (!existsSync(CHROMIUM)) {
  console.error(`bench/board.mjs: ${CHROMIUM} is missing (apt-get install -y chromium)`);
  process.exit(1);
}
const { LiveIndex } = await load('hub/index.js');
const { createBoard } = await load('board/routes.js');
const { startBoardServer } = await load('board/server.js');
const { pageWeight } = await load('board/assets.js');
const { boardAppHtml } = await load('board/mcp-app.js');
const { silentLogger } = await load('log.js');

const work = await mkdtemp(join(tmpdir(), 'hub-bench-board-'));
const index = new LiveIndex({ stateDir: null });
const todoOf = (s, ticked) =>
  `# TODO\n\n${Array.from({ length: AGENTS }, (_, a) => `## B${s}_${a}: part ${a}\n- [${a === 0 && ticked ? 'x' : ' '}] first item\n- [ ] second item\n`).join('\n')}`;
function taskFile(n, agent) {
  const status = ['todo', 'in_progress', 'review', 'done', 'blocked'][n % 5];
  return `---\nid: TASK-${n}\ntitle: Task number ${n}\nstatus: ${status}\nassignee: ${agent}\nfrom: user\npriority: medium\n---\n\nDo thing ${n}.\n\n- [x] first step\n- [ ] second step\n`;
}
const roots = [];
for (let s = 0; s < SESSIONS; s++) {
  const root = join(work, `project-${s}`);
  await mkdir(join(root, '.claude-hub', 'tasks'), { recursive: true });
  await writeFile(join(root, 'TODO.md'), todoOf(s, false));
  await Promise.all(
    Array.from({ length: TASKS }, (_, t) => writeFile(join(root, '.claude-hub', 'tasks', `TASK-${t + 1}.md`), taskFile(t + 1, `B${s}_${t % AGENTS}`))),
  );
  await index.addSession({
    id: `s${s}`,
    name: `project-${s}`,
    root,
    agents: Array.from({ length: AGENTS }, (_, a) => ({ name: `B${s}_${a}`, specialization: 'bench' })),
    eventsDir: null,
  });
  roots.push(root);
}
await index.whenSettled();
const source = {
  sessions: () => index.sessions(),
  sessionStatus: (id) => index.sessionStatus(id),
  onChange: (listener) => index.onChange((change) => listener(change.kind === 'sessions' ? { kind: 'sessions' } : { kind: 'status', session: change.session })),
  peekScreen: async () => ({ alive: false, text: '' }),
};
const board = createBoard({
  source,
  gate: { bindHost: '127.0.0.1', ceiling: 'HIGH', authenticate: null },
  calls: { hub: undefined, ceiling: 'HIGH', logger: silentLogger },
  logger: silentLogger,
  pollMs: 60_000,
});
const server = await startBoardServer({ host: '127.0.0.1', port: 0, board, logger: silentLogger });
const firstEvent = JSON.stringify({ kind: 'board', ...board.feed.board() });
const profile = await mkdtemp(join(tmpdir(), 'hub-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1400, height: 1000 },
});
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
let failed = false;
try {
  // First render, fresh page each time.
  const renders = [];
  const draws = [];
  for (let i = 0; i < RENDERS; i++) {
    const page = await context.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        const main = document.getElementById('board');
        if (main?.getAttribute('aria-busy') === 'false') {
          window.__drawnAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['aria-busy'] });
    });
    await page.goto(server.url);
    await page.waitForFunction((n) => document.querySelectorAll('section.session').length === n && window.__drawnAt !== undefined, SESSIONS, {
      timeout: 60_000,
    });
    renders.push(await page.evaluate(() => window.__drawnAt));
    draws.push(await page.evaluate(() => window.__drawnAt - performance.getEntriesByName('claude-hub:board-received')[0].startTime));
    const cards = await page.evaluate(() => [document.querySelectorAll('.task-card').length, document.querySelectorAll('.agent').length]);
    // Each column shows its first 40 cards (render.js COLUMN_CAP) and counts the rest.
    const perColumn = Array.from({ length: 5 }, (_, k) => Math.min(40, Math.floor(TASKS / 5) + (k < TASKS % 5 ? 1 : 0)));
    const expectedCards = SESSIONS * perColumn.reduce((a, b) => a + b, 0);
    if (cards[0] !== expectedCards || cards[1] !== SESSIONS * AGENTS) {
      console.error(`drew ${cards[0]} task cards and ${cards[1]} agents, expected ${expectedCards} and ${SESSIONS * AGENTS}`);
      failed = true;
    }
    if (i < RENDERS - 1) await page.close();
  }
  renders.sort((a, b) => a - b);
  draws.sort((a, b) => a - b);
  console.log(
    `first render, ${SESSIONS} sessions × ${AGENTS} agents × ${TASKS} tasks: median ${pct(renders, 50).toFixed(0)} ms, min ${renders[0].toFixed(0)} ms, max ${renders.at(-1).toFixed(0)} ms (${RENDERS} loads, navigation start → drawn); of which drawing (board received → drawn) median ${pct(draws, 50).toFixed(0)} ms`,
  );

  // Update latency on the last page.
  const page = context.pages().at(-1);
  await page.evaluate(() => {
    window.__changes = [];
    new MutationObserver(() => {
      const text = document.querySelector('section.session[data-session="s0"] [data-part="todo"] .count')?.textContent;
      if (text && text !== window.__last) {
        window.__last = text;
        window.__changes.push({ text, at: performance.timeOrigin + performance.now() });
      }
    }).observe(document.getElementById('board'), { subtree: true, childList: true, characterData: true });
    window.__last = document.querySelector('section.session[data-session="s0"] [data-part="todo"] .count')?.textContent;
  });
  const latencies = [];
  const hubSide = [];
  let sentAt = 0;
  const off = board.feed.subscribe((item) => {
    if (item.event.kind === 'session' && item.event.session.id === 's0') sentAt = performance.timeOrigin + performance.now();
  });
  for (let i = 0; i < SAMPLES; i++) {
    const ticked = i % 2 === 0;
    const want = `${ticked ? 1 : 0}/${AGENTS * 2}`;
    const temp = join(roots[0], `.TODO.md.tmp-${i}`);
    await writeFile(temp, todoOf(0, ticked));
    const t0 = performance.timeOrigin + performance.now();
    await rename(temp, join(roots[0], 'TODO.md'));
    const seen = await page.waitForFunction((w) => window.__changes.find((c) => c.text === w && !c.used), want, { timeout: 10_000 }).then((h) => h.jsonValue());
    await page.evaluate((w) => {
      const c = window.__changes.find((x) => x.text === w && !x.used);
      if (c) c.used = true;
    }, want);
    latencies.push(seen.at - t0);
    hubSide.push(sentAt - t0);
    await new Promise((r) => setTimeout(r, 50));
  }
  off();
  latencies.sort((a, b) => a - b);
  hubSide.sort((a, b) => a - b);
  console.log(
    `update, TODO.md renamed into place → page DOM (${SAMPLES} samples, one session of ${SESSIONS} redrawn): p50 ${pct(latencies, 50).toFixed(1)} ms, p95 ${pct(latencies, 95).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms; of which the hub (rename → event sent) p50 ${pct(hubSide, 50).toFixed(1)} ms, p95 ${pct(hubSide, 95).toFixed(1)} ms`,
  );
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `page weight: page files ${kib(pageWeight())} (HTML, CSS, 2 scripts, icon; no framework, nothing from elsewhere); first board event at this size ${kib(firstEvent.length)}; MCP App resource ${kib(Buffer.byteLength(boardAppHtml()))} (ext-apps' App inlined)`,
  );
} finally {
  await context.close();
  await server.close();
  await index.close();
  await rm(profile, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
