/**
 * The board's gates and stream over real HTTP (no browser): a rebound Host, another Origin, a
 * cross-site fetch, a missing token, an act that is not JSON or not one of the board's four,
 * all refused with a code and a message that says what to do; the stream starts with the
 * caller's access and the whole board, and a page that is current (Last-Event-ID) gets no
 * second copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { CALLER, memoryHub, type MemoryHub } from '../helpers/memory-hub.js';
import { createBoard, type Board } from '../../src/board/routes.js';
import { startBoardServer, type RunningBoard } from '../../src/board/server.js';
import { boardSourceOf } from '../../src/board/source.js';
import { silentLogger } from '../../src/log.js';

const TOKEN = 'operator-token-0123456789abcdefghijklmnopqrstuvwxyz';
let w: MemoryHub;
let board: Board;
let server: RunningBoard;
let port: number;

function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; untilText?: string } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
        if (options.untilText && text.includes(options.untilText)) {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, text });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (error) => (options.untilText ? undefined : reject(error)));
    req.end(options.body);
  });
}

describe('board routes and gates', () => {
  beforeAll(async () => {
    w = await memoryHub();
    const root = await w.root('app');
    await w.hub.createSession(CALLER, { root_path: root, session_name: 'app' });
    board = createBoard({
      source: boardSourceOf(w.hub),
      gate: { bindHost: '127.0.0.1', ceiling: 'HIGH', authenticate: (h) => (h === `Bearer ${TOKEN}` ? { name: 'ops', role: 'operator' } : null) },
      calls: { hub: w.hub, ceiling: 'HIGH', logger: silentLogger },
      logger: silentLogger,
    });
    server = await startBoardServer({ host: '127.0.0.1', port: 0, board, logger: silentLogger });
    port = server.port;
  });

  afterAll(async () => {
    await server?.close();
    await w?.close();
  });

  const auth = { Authorization: `Bearer ${TOKEN}` };

  it('serves the page to anyone on loopback with a strict CSP; its data only with a token', async () => {
    const page = await call('/');
    expect(page.status).toBe(200);
    const data = await call('/board/api/board');
    expect(data.status).toBe(401);
    expect(JSON.parse(data.text).error).toMatchObject({ code: 'UNAUTHORIZED' });
    const ok = await call('/board/api/board', { headers: auth });
    expect(JSON.parse(ok.text)).toMatchObject({ ok: true, access: { who: 'ops', role: 'operator' } });
    expect(JSON.parse(ok.text).access.acts).toEqual(['answer_agent_prompt', 'send_message_to_agent', 'create_task', 'update_task']);
  });

  it('refuses a rebound Host, another Origin and a cross-site fetch', async () => {
    const rebound = await call('/', { headers: { Host: 'attacker.example:80' } });
    expect(rebound.status).toBe(403);
    expect(rebound.text).toContain('Invalid Host header');
    const origin = await call('/board/api/act', {
      method: 'POST',
      headers: { ...auth, Origin: 'http://attacker.example', 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(origin.status).toBe(403);
    expect(origin.text).toContain('Cross-origin request refused');
    const site = await call('/board/events', { headers: { ...auth, 'Sec-Fetch-Site': 'cross-site' } });
    expect(site.status).toBe(403);
  });

  it('takes acts only as JSON, and only the board four', async () => {
    const form = await call('/board/api/act', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'tool=x' });
    expect(form.status).toBe(400);
    expect(form.text).toContain('Content-Type: application/json');
    const other = await call('/board/api/act', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ tool: 'delete_session', args: {} }),
    });
    expect(other.status).toBe(400);
    expect(other.text).toContain('The board acts only through');
    const gone = await call('/board/api/act', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ tool: 'send_message_to_agent', args: { agent_name: 'Nobody', message: 'hi' } }),
    });
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.text).error.code).toBe('AGENT_NOT_FOUND');
  });

  it('starts the stream with hello and the whole board, and skips the board for a page that is current', async () => {
    const first = await call('/board/events', { headers: auth, untilText: 'event: board' });
    expect(first.text).toContain('event: hello');
    const version = Number(/id: (\d+)/.exec(first.text)?.[1]);
    expect(version).toBe(board.feed.version);
    // Current: the next thing after hello is the next change, not a second copy of the board.
    const streaming = call('/board/events', { headers: { ...auth, 'Last-Event-ID': String(version) }, untilText: 'event: session' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const session = w.hub.index.sessions()[0]!.id;
    await w.hub.createTask(CALLER, { session_id: session, title: 'A change' });
    const again = await streaming;
    expect(again.text).toContain('event: hello');
    expect(again.text).not.toContain('event: board');
    expect(again.text).toContain('A change');
  });
});
