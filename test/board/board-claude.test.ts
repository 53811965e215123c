/// <reference lib="dom" />
/**
 * The board over the whole hub with real Claude Code agents (real tmux on its own socket, real
 * chokidar, real git; only the model is faked: fixtures/fake-anthropic), in real Chromium: the
 * page shows the real agents; a real agent's trust dialog is answered with the page's button;
 * a message sent from the page makes the agent tick its TODO.md item, and the page follows.
 * Runs on both pinned releases (vitest.config.ts REAL_CLAUDE_TESTS).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { startFakeAnthropic, type FakeAnthropic } from '../../fixtures/fake-anthropic/server.js';
import { createClaudeEnv, CLAUDE_BIN, type ClaudeEnv } from '../helpers/claude-env.js';
import { untilReady } from '../helpers/until-ready.js';
import { waitFor } from '../helpers/wait.js';
import { skipUnlessAvailable } from '../helpers/ci-gate.js';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import { defaultConfig, type HubConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';
import { exec } from '../../src/exec.js';
import { createBoard } from '../../src/board/routes.js';
import { startBoardServer, type RunningBoard } from '../../src/board/server.js';
import { boardSourceOf } from '../../src/board/source.js';
import type { Caller } from '../../src/hub/api.js';

const missing = browserMissing();
const skip = skipUnlessAvailable('test/board/board-claude.test.ts', 'Chromium', missing === null, missing ?? '');

const caller: Caller = { kind: 'mcp', id: 'test' };
const socket = `hub-board-${randomBytes(4).toString('hex')}`;
const TODO = '# Plan\n\n## Agent_1 — backend\n\n- [ ] Agent_1 writes the parser\n- [ ] Agent_1 adds tests\n';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

let fake: FakeAnthropic;
let claude: ClaudeEnv;
let base: string;
let rootA: string;
let rootB: string;
let hub: Hub;
let sessionA: string;
let sessionB: string;
let server: RunningBoard;
let browser: Browser;
let page: Page;

async function ready(name: string, session: string): Promise<void> {
  await untilReady({
    view: () => hub.index.agentView(session, name),
    screen: async () => (await hub.readAgentOutput(caller, name, 60)).text,
    answer: (choice) => hub.answerPrompt(caller, name, choice),
  });
}

describe.skipIf(skip)('the board with real Claude Code agents', () => {
  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'hub-board-')));
    rootA = join(base, 'shop');
    rootB = join(base, 'docs-site');
    await mkdir(rootA);
    await mkdir(rootB);
    await writeFile(join(rootA, 'TODO.md'), TODO);
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
      ],
    });
    claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [rootA], acceptEdits: true });
    const config: HubConfig = Object.freeze({
      ...defaultConfig({}),
      stateDir: join(base, 'state'),
      claudeCommand: CLAUDE_BIN,
      tmuxSocket: socket,
      backend: 'tmux' as const,
    });
    hub = await createHub(config, silentLogger, {
      backend: new TmuxBackend({ socket }),
      agentEnv: claude.env,
      env: { HOME: claude.home, PATH: process.env.PATH ?? '/usr/bin:/bin' },
      home: claude.home,
      livenessMs: 300,
      confirmTimeoutMs: 3000,
    });
    sessionA = (await hub.createSession(caller, { root_path: rootA, session_name: 'shop' })).id;
    sessionB = (await hub.createSession(caller, { root_path: rootB, session_name: 'docs-site' })).id;
    await hub.createTask(caller, { session_id: sessionA, title: 'Write the parser', assignee: 'Agent_1', priority: 'high' });
    await hub.createTask(caller, { session_id: sessionA, title: 'Add tests for the parser', assignee: 'Agent_1' });
    const board = createBoard({
      source: boardSourceOf(hub),
      gate: { bindHost: '127.0.0.1', ceiling: 'HIGH', authenticate: null },
      calls: { hub, ceiling: 'HIGH', logger: silentLogger, audit: (c, tool, outcome, args) => hub.auditToolCall(c, tool, outcome, args) },
      logger: silentLogger,
      pollMs: 300,
    });
    server = await startBoardServer({ host: '127.0.0.1', port: 0, board, logger: silentLogger });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('#connection.up');
  }, 90_000);

  afterAll(async () => {
    await server?.close();
    await browser?.close();
    await hub?.close();
    await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
    await fake?.close();
    await claude?.cleanup();
    if (base) await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('shows a real agent as it starts and becomes idle, with its terminal lines', async () => {
    await hub.createAgent(caller, { session_id: sessionA, agent_name: 'Agent_1', specialization: 'backend' });
    await ready('Agent_1', sessionA);
    const card = page.locator('[data-agent="Agent_1"]');
    await page.waitForFunction(() => document.querySelector('[data-agent="Agent_1"] .badge')?.getAttribute('data-status') === 'idle', undefined, {
      timeout: 30_000,
    });
    await card.locator('pre.screen').waitFor({ timeout: 30_000 });
    expect((await card.locator('pre.screen').textContent())?.length).toBeGreaterThan(0);
  });

  it("answers a real agent's trust dialog with the page's button", async () => {
    await hub.createAgent(caller, { session_id: sessionB, agent_name: 'Reviewer' });
    const yes = page.locator('[data-agent="Reviewer"] .dialog button', { hasText: 'Yes, I trust this folder' });
    await yes.waitFor({ timeout: 45_000 });
    expect(await page.locator('[data-agent="Reviewer"] .badge').textContent()).toBe('needs you');
    await yes.click();
    await waitFor(() => hub.index.agentView(sessionB, 'Reviewer').pendingPrompt?.kind !== 'trust', 'the trust dialog answered', 30_000);
    // A start-up menu a release may show next is answered the way a person would (until-ready.ts).
    await ready('Reviewer', sessionB);
    await page.waitForFunction(() => document.querySelector('[data-agent="Reviewer"] .badge')?.getAttribute('data-status') === 'idle', undefined, {
      timeout: 30_000,
    });
    expect(await page.locator('[data-agent="Reviewer"] .dialog').count()).toBe(0);
  });

  it('sends a message from the page; the agent ticks its TODO.md item and the page follows', async () => {
    const count = page.locator(`[data-session="${sessionA}"] [data-part="todo"] .progress .count`).first();
    expect(await count.textContent()).toBe('0/2');
    await page.locator('[data-agent="Agent_1"] form.send input').fill('Please tick the parser item.');
    await page.locator('[data-agent="Agent_1"] form.send button').click();
    await page.waitForFunction((id) => document.querySelector(`[data-session="${id}"] [data-part="todo"] .progress .count`)?.textContent === '1/2', sessionA, {
      timeout: 60_000,
    });
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'board-claude.png') });
    if (process.env.CLAUDE_HUB_UPDATE_BOARD_PNG === '1') await copyFile(join(ARTIFACTS, 'board-claude.png'), join(process.cwd(), 'docs', 'board.png'));
  });
});
