/**
 * Webhooks and action links, on the real hub (in-memory terminal) with a real HTTP receiver:
 * an agent that starts waiting at a dialog sends one JSON notice (ntfy and chat fields, text
 * redacted) with one signed link per choice; the link's GET only asks, its POST answers once;
 * a forged, replayed, expired or stale link is refused with a clear error, nothing changed;
 * a receiver that fails is retried, and a full queue drops its oldest notice without blocking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { CALLER, memoryHub, type MemoryHub } from '../helpers/memory-hub.js';
import { waitFor } from '../helpers/wait.js';
import { createHubBoard, type HubBoard } from '../../src/board/hub-board.js';
import { startBoardServer, type RunningBoard } from '../../src/board/server.js';
import { ActionLinks, escapeHtml } from '../../src/board/action-links.js';
import { WebhookNotifier, webhookBody } from '../../src/board/webhook.js';
import type { Notice } from '../../src/board/notices.js';
import { silentLogger } from '../../src/log.js';

const TRUST = new URL('../../fixtures/screens/2.1.332/trust.txt', import.meta.url);

let w: MemoryHub;
let receiver: Server;
let hookUrl: string;
const received: Record<string, unknown>[] = [];
let failNext = 0;
let made: HubBoard;
let board: RunningBoard;
let session: string;

describe('webhooks and action links', () => {
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (failNext > 0) {
          failNext -= 1;
          res.statusCode = 503;
          res.end();
          return;
        }
        received.push(JSON.parse(body) as Record<string, unknown>);
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/?topic=team`;
    w = await memoryHub({ config: { notifyWebhooks: [hookUrl] } });
    const root = await w.root('app');
    session = (await w.hub.createSession(CALLER, { root_path: root, session_name: 'app' })).id;
    await w.hub.createAgent(CALLER, { session_id: session, agent_name: 'Agent_1' });
    await w.hook(session, 'Agent_1', 'SessionStart', { source: 'startup' });
    await w.hub.whenSettled();
    made = createHubBoard({ hub: w.hub, config: w.config, logger: silentLogger, authenticate: null, audit: () => undefined });
    board = await startBoardServer({ host: '127.0.0.1', port: 0, board: made.board, logger: silentLogger });
    made.listening(board.url);
  }, 30_000);

  afterAll(async () => {
    made?.close();
    await board?.close();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await w?.close();
  });

  it('sends one notice with signed links when an agent starts waiting at a dialog; a link answers once', async () => {
    w.pane('Agent_1').screen = await readFile(TRUST, 'utf8');
    const notice = await waitFor(() => received.find((r) => (r['claude_hub'] as { kind?: string }).kind === 'waiting'), 'the waiting notice', 15_000);
    expect(notice).toMatchObject({ topic: 'team', title: 'Agent_1 needs you', priority: 4 });
    expect(String(notice['text'])).toContain('Agent_1 needs you');
    const links = (notice['claude_hub'] as { links: { label: string; url: string }[] }).links;
    expect(links.length).toBeGreaterThanOrEqual(2);
    const yes = links.find((l) => /trust/i.test(l.label) && !/^No/.test(l.label))!;
    expect(yes.url.startsWith(board.url)).toBe(true);

    // A GET (what a link previewer does) only asks.
    const asked = await fetch(yes.url);
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('<form method="post">');
    expect(w.pane('Agent_1').keys.length).toBe(0);

    // A forged one (one character of its signature changed) is refused, nothing typed.
    const forged = yes.url.slice(0, -2) + (yes.url.endsWith('A') ? 'BB' : 'AA');
    const refused = await fetch(forged, { method: 'POST' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('not one this hub made');
    expect(w.pane('Agent_1').keys.length).toBe(0);

    // From another site: refused.
    const cross = await fetch(yes.url, { method: 'POST', headers: { Origin: 'http://evil.example' } });
    expect(cross.status).toBe(403);
    expect(w.pane('Agent_1').keys.length).toBe(0);

    // The genuine POST acts (answer_agent_prompt types into the agent's terminal); a replay is refused.
    await fetch(yes.url, { method: 'POST' });
    expect(w.pane('Agent_1').keys.length).toBeGreaterThan(0);
    const replay = await fetch(yes.url, { method: 'POST' });
    expect(replay.status).toBe(403);
    expect(await replay.text()).toContain('used already');
  });

  it('refuses a replayed, expired or stale link with a message that says so', () => {
    const links = new ActionLinks({ baseUrl: () => 'http://127.0.0.1:1/', pendingPrompt: () => null, calls: undefined as never, now: () => 1000, ttlMs: 10 });
    const token = links.sign({ session: 's', agent: 'a', since: 'x', choice: '1', label: 'Yes', exp: 1005, nonce: 'n1' });
    expect(links.verify(token).choice).toBe('1');
    const expired = links.sign({ session: 's', agent: 'a', since: 'x', choice: '1', label: 'Yes', exp: 999, nonce: 'n2' });
    expect(() => links.verify(expired)).toThrow(/expired/);
    expect(() => links.verify(`${token}x`)).toThrow(/not one this hub made/);
    expect(() => links.verify('a.b.c')).toThrow(/not one this hub made/);
    const other = new ActionLinks({ baseUrl: () => null, pendingPrompt: () => null, calls: undefined as never });
    expect(() => other.verify(token)).toThrow(/not one this hub made/);
    expect(escapeHtml('<img src=x onerror="a">&\'')).toBe('&#60;img src=x onerror=&#34;a&#34;&#62;&#38;&#39;');
  });

  it('retries a failing receiver, drops the oldest of a full queue, and redacts secrets', async () => {
    const notice: Notice = {
      kind: 'done',
      session: 's',
      agent: 'Agent_1',
      task: 'TASK-1',
      title: 'TASK-1 done',
      message: 'key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      at: '2026-12-01T00:00:00.000Z',
      dialog: null,
    };
    expect(JSON.stringify(webhookBody(hookUrl, notice, []))).not.toContain('sk-ant-api03-AAAA');
    const before = received.length;
    failNext = 2;
    const notifier = new WebhookNotifier({ urls: [hookUrl], logger: silentLogger, backoffMs: 10 });
    notifier.notify(notice);
    await notifier.idle();
    expect(received.length).toBe(before + 1);
    expect(notifier.stats).toMatchObject({ sent: 1, dropped: 0 });

    let release: () => void = () => undefined;
    const stuck = new WebhookNotifier({
      urls: ['http://127.0.0.1:9/'],
      logger: silentLogger,
      maxQueue: 2,
      retries: 0,
      fetch: () => new Promise((_, reject) => (release = () => reject(new Error('down')))),
    });
    for (let i = 0; i < 5; i += 1) stuck.notify(notice);
    expect(stuck.stats.dropped).toBe(2);
    stuck.close();
    release();
  });
});
