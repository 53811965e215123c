/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The board in a real browser (Debian's Chromium through playwright-core) over the real hub on
 * the in-memory terminal: the page draws the index's sessions, agents, tasks, TODO.md and
 * diagnostics; follows a TODO.md renamed into place on disk; reconnects and catches up after
 * its stream drops; acts (create a task, change its status) through the tools' core calls;
 * refuses a viewer's act and shows why; and shows the hostile corpus as inert text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { skipUnlessAvailable } from '../helpers/ci-gate.js';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser.js';
import { CALLER, memoryHub, readyScreen, type MemoryHub } from '../helpers/memory-hub.js';
import { loadHostileCorpus } from '../security/corpus.js';
import { createBoard, type Board } from '../../src/board/routes.js';
import { startBoardServer, type RunningBoard } from '../../src/board/server.js';
import { boardSourceOf } from '../../src/board/source.js';
import { silentLogger } from '../../src/log.js';
import type { Authenticate } from '../../src/server/http.js';

const missing = browserMissing();
const skip = skipUnlessAvailable('test/board/board-page.test.ts', 'Chromium', missing === null, missing ?? '');

const TODO = '# Plan\n\n## Agent_1 — backend\n\n- [x] Agent_1 writes the parser\n- [ ] Agent_1 adds tests\n';
const VIEWER = 'viewer-token-0123456789abcdefghijklmnopqrstuvwxyz';
const ADMIN = 'admin-token-0123456789abcdefghijklmnopqrstuvwxyz';
const MARKUP = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=1</script>',
  '"><svg onload=window.__pwned=1>',
  '&lt;b&gt;not bold&lt;/b&gt;',
];

let w: MemoryHub;
let browser: Browser;
let session: string;
let root: string;
let firstTask: string;
const running: { board: Board; server: RunningBoard }[] = [];

async function serveBoard(authenticate: Authenticate | null): Promise<RunningBoard> {
  const hub = w.hub;
  const board = createBoard({
    source: boardSourceOf(hub),
    gate: { bindHost: '127.0.0.1', ceiling: 'HIGH', authenticate },
    calls: { hub, ceiling: 'HIGH', logger: silentLogger, audit: (caller, tool, outcome, args) => hub.auditToolCall(caller, tool, outcome, args) },
    logger: silentLogger,
    pollMs: 200,
  });
  const server = await startBoardServer({ host: '127.0.0.1', port: 0, board, logger: silentLogger });
  running.push({ board, server });
  return server;
}

async function openBoard(url: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(url);
  await page.waitForSelector('#connection.up');
  return page;
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, text);
  await rename(temp, file);
}

describe.skipIf(skip)('the board in Chromium', () => {
  beforeAll(async () => {
    w = await memoryHub();
    root = await w.root('app');
    await writeFile(join(root, 'TODO.md'), TODO);
    session = (await w.hub.createSession(CALLER, { root_path: root, session_name: 'app' })).id;
    await w.hub.createAgent(CALLER, { session_id: session, agent_name: 'Agent_1', specialization: 'backend' });
    w.pane('Agent_1').screen = await readyScreen();
    await w.hook(session, 'Agent_1', 'SessionStart', { source: 'startup' });
    firstTask = (await w.hub.createTask(CALLER, { session_id: session, title: 'Write the parser', assignee: 'Agent_1', priority: 'high' })).task.id;
    await w.hub.whenSettled();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    for (const { server } of running) await server.close();
    await browser?.close();
    await w?.close();
  });

  it('draws the live index: the session, its agent with status and why, tasks by status, TODO.md progress', async () => {
    const server = await serveBoard(null);
    const page = await openBoard(server.url);
    const agent = page.locator('[data-agent="Agent_1"]');
    await agent.waitFor();
    const view = w.hub.index.agentView(session, 'Agent_1');
    expect(await agent.locator('.badge').getAttribute('data-status')).toBe(view.status);
    expect(await agent.locator('.why').textContent()).toBe(view.why);
    expect(await page.locator(`[data-column="todo"] [data-task="${firstTask}"] .title`).textContent()).toBe('Write the parser');
    expect(await page.locator('[data-part="todo"] .progress .count').first().textContent()).toBe('1/2');
    await page.close();
  });

  it('follows TODO.md renamed into place on disk, and catches up after its stream drops', async () => {
    const server = await serveBoard(null);
    const page = await openBoard(server.url);
    const count = page.locator('[data-part="todo"] .progress .count').first();
    await expect.poll(() => count.textContent()).toBe('1/2');
    await atomicWrite(join(root, 'TODO.md'), TODO.replace('- [ ] Agent_1 adds tests', '- [x] Agent_1 adds tests'));
    await page.waitForFunction(() => document.querySelector('[data-part="todo"] .progress .count')?.textContent === '2/2');

    // The stream drops; a change made meanwhile reaches the page when it reconnects.
    const board = running.at(-1)!.board;
    board.dropStreams();
    await atomicWrite(join(root, 'TODO.md'), TODO);
    await page.waitForFunction(() => document.querySelector('[data-part="todo"] .progress .count')?.textContent === '1/2');
    await page.waitForSelector('#connection.up');
    await page.close();
  });

  it('acts through the tools: creates a task from the form and moves it to in progress', async () => {
    const server = await serveBoard(null);
    const page = await openBoard(server.url);
    await page.locator('form.new-task input[name="title"]').fill('Document the board');
    await page.locator('form.new-task select[aria-label="Assignee"]').selectOption('Agent_1');
    await page.locator('form.new-task button[type="submit"]').click();
    const card = page.locator('[data-column="todo"] .task-card', { hasText: 'Document the board' });
    await card.waitFor();
    const id = await card.getAttribute('data-task');
    expect(w.hub.index.task(session, id!)?.summary).toMatchObject({ title: 'Document the board', assignee: 'Agent_1', status: 'todo' });
    await card.locator('select').selectOption('in_progress');
    await page.locator(`[data-column="in_progress"] [data-task="${id}"]`).waitFor();
    expect(w.hub.index.task(session, id!)?.summary.status).toBe('in_progress');
    await page.close();
  });

  it("refuses a viewer's act (FORBIDDEN, said on the page) and changes nothing; an unknown token sees nothing", async () => {
    const server = await serveBoard((header) =>
      header === `Bearer ${VIEWER}` ? { name: 'wall', role: 'viewer' } : header === `Bearer ${ADMIN}` ? { name: 'ada', role: 'admin' } : null,
    );
    const page = await openBoard(`${server.url}#token=${VIEWER}`);
    await page.locator('[data-agent="Agent_1"]').waitFor();
    expect(await page.locator('#who').textContent()).toContain('view only');
    expect(page.url()).not.toContain(VIEWER);
    expect(await page.locator('select[aria-label^="Status of"]').first().isDisabled()).toBe(true);
    expect(await page.locator('form.new-task').count()).toBe(0);
    const before = w.hub.index.tasks(session).length;
    const answer = await page.evaluate(async (token) => {
      const response = await fetch('/board/api/act', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ tool: 'create_task', args: { session_id: 'x', title: 'sneaky' } }),
      });
      return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
    }, VIEWER);
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('FORBIDDEN');
    expect(answer.body.error.message).toContain('viewer');
    await w.hub.whenSettled();
    expect(w.hub.index.tasks(session).length).toBe(before);

    const stranger = await browser.context.newPage();
    await stranger.goto(`${server.url}#token=not-a-token`);
    await stranger.waitForSelector('#connection.down');
    expect(await stranger.locator('#message').textContent()).toContain('UNAUTHORIZED');
    expect(await stranger.locator('[data-agent]').count()).toBe(0);
    await stranger.close();
    await page.close();
  });

  it('renders the hostile corpus inert: titles, TODO sections and terminal lines show as the text they are', async () => {
    const corpus = loadHostileCorpus();
    const values = [...MARKUP, ...corpus.inputs.map((i) => i.value)];
    let accepted = 0;
    for (const value of values) {
      const made = await w.hub.createTask(CALLER, { session_id: session, title: value.slice(0, 200) }).catch(() => null);
      if (made) accepted += 1;
    }
    expect(accepted).toBeGreaterThan(MARKUP.length);
    await atomicWrite(join(root, 'TODO.md'), `# Plan\n\n## ${MARKUP[0]}\n\n- [ ] ${MARKUP[1]}\n- [ ] ${MARKUP[2]}\n`);
    w.pane('Agent_1').screen = `${(await readyScreen()).trimEnd()}\n${MARKUP.join('\n')}\n`;
    await w.hub.whenSettled();
    const server = await serveBoard(null);
    const page = await browser.context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(server.url);
    await page.waitForSelector('#connection.up');
    await page.waitForFunction((text) => [...document.querySelectorAll('pre.screen')].some((pre) => pre.textContent?.includes(text)), MARKUP[1]!);
    // A column shows its first 40 cards until asked for all.
    for (const more of await page.locator('button.more').all()) await more.click();
    await page.waitForFunction(() => document.querySelectorAll('button.more').length === 0);
    const tasks = w.hub.index.tasks(session);
    const shown = await page.$$eval('.task-card', (cards) => cards.map((c) => [c.getAttribute('data-task'), c.querySelector('.title')?.textContent ?? null]));
    for (const task of tasks) expect(shown).toContainEqual([task.id, task.title]);
    expect(await page.locator('.section-title').allTextContents()).toContain(MARKUP[0]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#board img, #board svg, #board script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'board-hostile.png'), fullPage: false });
    expect((await readdir(ARTIFACTS)).includes('board-hostile.png')).toBe(true);
    await page.close();
  });
});

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
