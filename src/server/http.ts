/**
 * Streamable HTTP transport: one McpServer per MCP session (`mcp-session-id`), all sharing the
 * one hub. Binds 127.0.0.1 by default and refuses to bind beyond loopback without tokens.
 * Bearer tokens (when configured) name the caller and cap its tools by role; the Host header is
 * checked against the loopback names (DNS-rebinding protection); bodies are size-limited.
 * Sessions end: after `sessionIdleMs` without an open request (an open SSE stream counts as
 * one), on DELETE, or when the hub stops; and at most `maxSessions` exist at once.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { ErrorCodes, HubError } from '../errors.js';
import type { Caller } from '../hub/api.js';
import type { Logger } from '../log.js';
import type { Principal } from '../security/tokens.js';
import type { HubServer } from './create-server.js';
import { createIdleTimer, type IdleTimer } from './idle-timer.js';

/** Checks an `Authorization` header value; null when missing or not a known token (src/security/tokens.ts). */
export type Authenticate = (header: string | undefined) => Principal | null;

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  /** Builds the MCP server for one new HTTP session. */
  readonly createServer: (caller: Caller) => HubServer;
  /** Null: no tokens file (only allowed on loopback). */
  readonly authenticate: Authenticate | null;
  readonly logger: Logger;
  /** Largest request body accepted (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** A session with no open request for this long is closed (default 30 min; 0 = never). */
  readonly sessionIdleMs?: number;
  /** Most sessions open at once; an initialize beyond it gets 503 (default 64). */
  readonly maxSessions?: number;
  /** Builds each session's idle timer (default createIdleTimer on the real clock); tests pass one on a clock they advance. */
  readonly idleTimer?: (idleMs: number, onIdle: () => void) => IdleTimer;
}

export interface RunningHttp {
  readonly url: string;
  readonly port: number;
  /** Open MCP sessions (initialized and not yet closed). */
  sessionCount(): number;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
export const MCP_PATH = '/mcp';
export const DEFAULT_SESSION_IDLE_MS = 30 * 60 * 1000;
export const DEFAULT_MAX_HTTP_SESSIONS = 64;
/** What the SDK's transport answers for a session id it does not know (spec: 404, then the client re-initializes). */
const SESSION_NOT_FOUND = -32001;

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Throws CONFIG_ERROR for a bind beyond loopback without a tokens file. */
export function requireTokensBeyondLoopback(host: string, hasTokens: boolean): void {
  if (isLoopback(host) || hasTokens) return;
  throw new HubError(
    ErrorCodes.CONFIG_ERROR,
    `Refusing to listen on ${host} without bearer tokens: anyone on the network could drive your agents. ` +
      'Pass --tokens-file FILE (or CLAUDE_HUB_TOKENS_FILE), or bind --host 127.0.0.1.',
    { data: { host } },
  );
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly hubServer: HubServer;
  /** The token name that opened it (or 'http'): another token cannot use this session. */
  readonly owner: string;
  readonly idle: IdleTimer;
  /** Why it is closing, for the one log line when it does. */
  endReason: 'client' | 'idle' | 'hub stopping';
}

export async function startHttp(options: HttpOptions): Promise<RunningHttp> {
  const { host, logger, authenticate } = options;
  requireTokensBeyondLoopback(host, authenticate !== null);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const idleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_HTTP_SESSIONS;
  const sessions = new Map<string, Session>();
  // Initializes under way: they hold a place under the cap before their session id exists.
  let opening = 0;
  let allowedHosts: string[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== MCP_PATH) return reply(res, 404, `Not found: the MCP endpoint is ${MCP_PATH}.`);
    if (isLoopback(host) && !allowedHosts.includes(req.headers.host ?? '')) {
      return reply(res, 403, `Invalid Host header ${JSON.stringify(req.headers.host ?? '')}: this server answers only to ${allowedHosts.join(', ')}.`);
    }
    let identity: Principal | null = null;
    if (authenticate !== null) {
      identity = authenticate(req.headers.authorization);
      if (identity === null) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="claude-hub", error="invalid_token"');
        return reply(res, 401, 'Missing or unknown bearer token: send "Authorization: Bearer <token>" with a token from the hub\'s tokens file.');
      }
      const auth: AuthInfo = { token: 'redacted', clientId: identity.name, scopes: [identity.role], extra: { role: identity.role } };
      (req as IncomingMessage & { auth?: AuthInfo }).auth = auth;
    }
    const owner = identity?.name ?? 'http';
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (!session) {
        return reply(res, 404, `Session not found: MCP session ${sessionId} ended (closed, idle too long, or the hub restarted); initialize again.`, SESSION_NOT_FOUND);
      }
      if (session.owner !== owner) return reply(res, 403, 'This MCP session belongs to another token.');
      // Open until the response closes: a GET stream keeps the session alive while the client listens.
      res.once('close', session.idle.begin());
      const body = req.method === 'POST' ? await readJson(req, res, maxBodyBytes) : undefined;
      if (body === INVALID) return;
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST') return reply(res, 400, 'No mcp-session-id header: start with an initialize request (POST).');
    const body = await readJson(req, res, maxBodyBytes);
    if (body === INVALID) return;
    if (!isInitializeRequest(body)) return reply(res, 400, 'No mcp-session-id header: the first request of a session must be initialize.');
    if (sessions.size + opening >= maxSessions) {
      logger.warn('http session refused: too many sessions', { caller: owner, max: maxSessions });
      return reply(
        res,
        503,
        `Too many MCP sessions: ${maxSessions} are open (--max-http-sessions). Close one (DELETE) or wait until an idle one expires (--http-session-idle), then initialize again.`,
        -32000,
        requestIdOf(body),
      );
    }

    opening += 1;
    let reserved = true;
    const release = (): void => {
      if (reserved) opening -= 1;
      reserved = false;
    };
    try {
      const hubServer = options.createServer({ kind: 'mcp', id: owner });
      let session: Session | undefined;
      const idle = (options.idleTimer ?? createIdleTimer)(idleMs, () => {
        if (session === undefined) return;
        session.endReason = 'idle';
        transport.close().catch((error: unknown) => logger.warn('closing an idle MCP session failed', { error: String(error) }));
      });
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          session = { transport, hubServer, owner, idle, endReason: 'client' };
          sessions.set(id, session);
          release();
          logger.info('http session opened', { session: id, caller: owner });
        },
        ...(isLoopback(host) ? { enableDnsRebindingProtection: true, allowedHosts } : {}),
        maxRequestBodySize: maxBodyBytes,
      });
      transport.onclose = () => {
        idle.stop();
        const id = transport.sessionId;
        if (id !== undefined && session !== undefined && sessions.delete(id)) {
          logger.info('http session closed', { session: id, reason: session.endReason, ...(session.endReason === 'idle' ? { idleSeconds: idleMs / 1000 } : {}) });
        }
        hubServer.close().catch((error: unknown) => logger.warn('closing an MCP server failed', { error: String(error) }));
      };
      res.once('close', idle.begin());
      try {
        await hubServer.server.connect(transport);
        await transport.handleRequest(req, res, body);
      } finally {
        // Refused before a session began (e.g. a bad Accept header): nothing may stay behind.
        if (session === undefined) await transport.close();
      }
    } finally {
      release();
    }
  };

  const server = createHttpServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error('http request failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (!res.headersSent) reply(res, 500, 'Internal error; the hub\'s log has the details.');
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new HubError(
          ErrorCodes.CONFIG_ERROR,
          error.code === 'EADDRINUSE'
            ? `Port ${options.port} on ${host} is in use: pick another with --port, or stop what uses it.`
            : `Cannot listen on ${host}:${options.port}: ${error.message}`,
          { data: { host, port: options.port }, cause: error },
        ),
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  allowedHosts = [...new Set([`${shownHost}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])];

  return {
    url: `http://${shownHost}:${port}${MCP_PATH}`,
    port,
    sessionCount: () => sessions.size,
    async close() {
      for (const session of [...sessions.values()]) {
        session.endReason = 'hub stopping';
        await session.transport.close().catch(() => undefined);
        await session.hubServer.close().catch(() => undefined);
      }
      sessions.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const INVALID = Symbol('invalid body');

/** Reads and parses a JSON body within the limit; on failure answers the request itself. */
async function readJson(req: IncomingMessage, res: ServerResponse, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      reply(res, 413, `Request body larger than ${limit} bytes.`);
      req.destroy();
      return INVALID;
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    reply(res, 400, 'The request body is not valid JSON.', -32700);
    return INVALID;
  }
}

function requestIdOf(body: unknown): string | number | null {
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function reply(res: ServerResponse, status: number, message: string, code = -32000, id: string | number | null = null): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }));
}
