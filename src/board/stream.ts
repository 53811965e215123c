/**
 * One page's live stream (server-sent events over a plain GET, read by the page with fetch so
 * it can carry the token). It starts with `hello` (the caller's access) and, unless the page
 * says (Last-Event-ID) it already has the current board version, the whole board; then every
 * feed event, each with the board version as its id. A comment line every 15 s keeps proxies
 * from closing it. The page reconnects by itself (`retry`) and catches up the same way.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { securityHeaders } from './assets.js';
import type { BoardFeed, FeedItem } from './feed.js';
import type { BoardAccess, BoardEvent } from './types.js';

export interface StreamDeps {
  readonly feed: BoardFeed;
  readonly access: BoardAccess;
  /** Keep-alive period (default 15 s). */
  readonly keepAliveMs?: number;
}

/** Opens the stream on `res`; returns a function that ends it. */
export function openStream(req: IncomingMessage, res: ServerResponse, deps: StreamDeps): () => void {
  securityHeaders(res);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write('retry: 1000\n\n');
  write(res, { event: { kind: 'hello', access: deps.access }, json: JSON.stringify({ kind: 'hello', access: deps.access }) });
  const last = Number(req.headers['last-event-id']);
  const board = deps.feed.board();
  if (last !== board.version) {
    const event: BoardEvent = { kind: 'board', version: board.version, sessions: board.sessions };
    write(res, { event, json: JSON.stringify(event) });
  }
  const off = deps.feed.subscribe((item) => write(res, item));
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), deps.keepAliveMs ?? 15_000);
  keepAlive.unref();
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    off();
    clearInterval(keepAlive);
    res.end();
  };
  res.once('close', end);
  req.once('close', end);
  return end;
}

function write(res: ServerResponse, item: FeedItem): void {
  const id = 'version' in item.event ? `id: ${item.event.version}\n` : '';
  res.write(`event: ${item.event.kind}\n${id}data: ${item.json}\n\n`);
}
