/**
 * The board's HTTP routes, mounted by whichever server runs it (the MCP server's at `/` with
 * `--transport http`, or its own with `--board` on stdio):
 *
 *   GET  /                    the page (no data, nothing secret: the data needs the gates below)
 *   GET  /board/<asset>       its CSS, scripts and icon
 *   GET  /board/api/board     the whole board as JSON, with the caller's access
 *   GET  /board/events        the live stream (server-sent events; Last-Event-ID catches up)
 *   POST /board/api/act       an act: {tool, args} (see acts.ts)
 *
 * Every route passes the Host check; data routes also the Origin check and the token (see
 * access.ts). Errors answer JSON `{ok: false, error: {code, message}}` with a message that
 * says what to do.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, HubError, toHubError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CallToolDeps } from '../server/call-tool.js';
import { accessOf, callerOf, checkHost, checkOrigin, type BoardGate } from './access.js';
import { refusal, runAct, type ActReply } from './acts.js';
import { isAsset, securityHeaders, serveAsset } from './assets.js';
import { BoardFeed, type BoardSource } from './feed.js';
import { openStream } from './stream.js';

export interface BoardOptions {
  readonly source: BoardSource;
  readonly gate: BoardGate;
  /** How acts run: the same deps as the MCP tools/call (hub, ceiling, logger, audit). */
  readonly calls: CallToolDeps;
  readonly logger: Logger;
  /** Most live streams at once (default 32): one more gets 503. */
  readonly maxStreams?: number;
  /** Largest act body (default 64 KiB). */
  readonly maxBodyBytes?: number;
  readonly pollMs?: number;
  /** More routes (action links): tried after the board's own; true when answered. */
  readonly extra?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
}

export interface Board {
  /** Answers the request if it is the board's; false otherwise (the caller answers 404). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  readonly feed: BoardFeed;
  /** Open live streams. */
  streams(): number;
  /** Ends every open stream (the pages reconnect and catch up); the feed goes on. */
  dropStreams(): void;
  close(): void;
}

export function createBoard(options: BoardOptions): Board {
  const feed = new BoardFeed({ source: options.source, logger: options.logger, ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }) });
  const streams = new Set<() => void>();
  const maxStreams = options.maxStreams ?? 32;
  const maxBody = options.maxBodyBytes ?? 64 * 1024;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (!(path === '/' || path.startsWith('/board/'))) return false;
    try {
      checkHost(options.gate, req);
      if (req.method === 'GET' && isAsset(path)) {
        serveAsset(path, res);
        return true;
      }
      if (options.extra && (await options.extra(req, res, url))) return true;
      checkOrigin(req);
      const caller = callerOf(options.gate, req);
      if (req.method === 'GET' && path === '/board/api/board') {
        json(res, 200, { ok: true, access: accessOf(options.gate, caller), ...feed.board() });
        return true;
      }
      if (req.method === 'GET' && path === '/board/events') {
        if (streams.size >= maxStreams) throw new HubError(ErrorCodes.LIMIT_REACHED, `Too many open boards (${maxStreams}): close one and reload.`);
        const close = openStream(req, res, { feed, access: accessOf(options.gate, caller) });
        streams.add(close);
        res.once('close', () => streams.delete(close));
        return true;
      }
      if (req.method === 'POST' && path === '/board/api/act') {
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
          throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'Send the act as JSON (Content-Type: application/json).');
        const body = await readBody(req, maxBody);
        const reply = await runAct(options.calls, caller, body);
        answer(res, reply);
        return true;
      }
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, `No board route ${req.method} ${path}: the board is at / (see claude-hub dashboard).`);
    } catch (error) {
      const hubError = toHubError(error);
      if (hubError.code === ErrorCodes.INTERNAL) options.logger.error('board request failed', { path, error: String(error) });
      if (!res.headersSent) answer(res, refusal(hubError));
      else res.end();
      return true;
    }
  };

  return {
    handle,
    feed,
    streams: () => streams.size,
    dropStreams() {
      for (const close of [...streams]) close();
      streams.clear();
    },
    close() {
      for (const close of [...streams]) close();
      streams.clear();
      feed.close();
    },
  };
}

function answer(res: ServerResponse, reply: ActReply): void {
  json(res, reply.status, reply.body);
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  securityHeaders(res);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/** The JSON body within `limit` bytes; INVALID_ARGUMENT / TOO_LARGE otherwise. */
export async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HubError(ErrorCodes.TOO_LARGE, `The request body is larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'The request body is not valid JSON.');
  }
}
