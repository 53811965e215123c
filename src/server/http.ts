/**
 * Streamable HTTP transport: one McpServer per MCP session (`mcp-session-id`), all sharing the
 * one hub. Binds 127.0.0.1 by default and refuses to bind beyond loopback without tokens.
 * Bearer tokens (when configured) name the caller and cap its tools by role; the Host header is
 * checked against the loopback names (DNS-rebinding protection); bodies are size-limited.
 * With a board (src/board/), `/` and `/board/…` are the live board's, behind its own gates.
 * Sessions end: after `sessionIdleMs` without an open request (an open SSE stream counts as
 * one), on DELETE, or when the hub stops; and at most `maxSessions` exist at once.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
  /** The live board (src/board/routes.ts): answers `/` and `/board/…` with its own gates; false for other paths. */
  readonly board?: { handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> };
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

/** The options resolved once and the live sessions: what every stage of a request reads. */
interface Endpoint {
  readonly host: string;
  readonly logger: Logger;
  readonly authenticate: Authenticate | null;
  readonly createServer: (caller: Caller) => HubServer;
  readonly idleTimer: (idleMs: number, onIdle: () => void) => IdleTimer;
  readonly maxBodyBytes: number;
  readonly idleMs: number;
  readonly maxSessions: number;
  readonly sessions: Map<string, Session>;
  /** Initializes under way: they hold a place under the cap before their session id exists. */
  opening: number;
  /** The Host header values a loopback server answers to; known once the port is bound. */
  allowedHosts: string[];
  readonly board: HttpOptions['board'] | undefined;
}

/**
 * Listens, then answers each request through `route`: path, Host, token, then the caller's
 * session (or a new one). Resolves once bound (CONFIG_ERROR when it cannot bind).
 */
export async function startHttp(options: HttpOptions): Promise<RunningHttp> {
  requireTokensBeyondLoopback(options.host, options.authenticate !== null);
  const endpoint = endpointOf(options);
  const server = createHttpServer((req, res) => answer(endpoint, req, res));
  const port = await listen(server, options.host, options.port);
  const shownHost = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  // Set before the first request can arrive: the Host check and each transport read this list.
  endpoint.allowedHosts = [...new Set([`${shownHost}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])];
  return {
    url: `http://${shownHost}:${port}${MCP_PATH}`,
    port,
    sessionCount: () => endpoint.sessions.size,
    close: () => closeEndpoint(endpoint, server),
  };
}

/** Fills in the defaults once, so no stage repeats them. */
function endpointOf(options: HttpOptions): Endpoint {
  return {
    host: options.host,
    logger: options.logger,
    authenticate: options.authenticate,
    createServer: options.createServer,
    idleTimer: options.idleTimer ?? createIdleTimer,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    idleMs: options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS,
    maxSessions: options.maxSessions ?? DEFAULT_MAX_HTTP_SESSIONS,
    sessions: new Map(),
    opening: 0,
    allowedHosts: [],
    board: options.board,
  };
}

/** Binds, turning the listen error into one that says what to do (a busy port is the usual one). */
async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new HubError(
          ErrorCodes.CONFIG_ERROR,
          error.code === 'EADDRINUSE'
            ? `Port ${port} on ${host} is in use: pick another with --port, or stop what uses it.`
            : `Cannot listen on ${host}:${port}: ${error.message}`,
          { data: { host, port }, cause: error },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Runs one request; a failure is logged and answered 500 (the client gets an answer, the server lives on). */
function answer(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): void {
  route(endpoint, req, res).catch((error: unknown) => {
    endpoint.logger.error('http request failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    if (!res.headersSent) reply(res, 500, "Internal error; the hub's log has the details.");
    else res.end();
  });
}

/** The gates in order, cheapest and least revealing first: path, Host, token; then the session. */
async function route(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== MCP_PATH) {
    if (endpoint.board && (await endpoint.board.handle(req, res))) return;
    return reply(res, 404, `Not found: the MCP endpoint is ${MCP_PATH}${endpoint.board ? ' and the board is at /' : ''}.`);
  }
  // DNS-rebinding protection: a page in a browser may reach loopback, but not with our Host.
  if (isLoopback(endpoint.host) && !endpoint.allowedHosts.includes(req.headers.host ?? '')) {
    const shown = JSON.stringify(req.headers.host ?? '');
    return reply(res, 403, `Invalid Host header ${shown}: this server answers only to ${endpoint.allowedHosts.join(', ')}.`);
  }
  const owner = ownerOf(endpoint, req, res);
  if (owner === null) return;
  const sessionId = req.headers['mcp-session-id'];
  if (typeof sessionId === 'string') return continueSession(endpoint, sessionId, owner, req, res);
  return openSession(endpoint, owner, req, res);
}

/**
 * Who is calling: the token's name, or 'http' without a tokens file; null once answered 401.
 * The SDK passes `req.auth` to the tool handlers, which is how a call gets its caller's role.
 */
function ownerOf(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): string | null {
  if (endpoint.authenticate === null) return 'http';
  const identity = endpoint.authenticate(req.headers.authorization);
  if (identity === null) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="claude-hub", error="invalid_token"');
    reply(res, 401, 'Missing or unknown bearer token: send "Authorization: Bearer <token>" with a token from the hub\'s tokens file.');
    return null;
  }
  const auth: AuthInfo = { token: 'redacted', clientId: identity.name, scopes: [identity.role], extra: { role: identity.role } };
  (req as IncomingMessage & { auth?: AuthInfo }).auth = auth;
  return identity.name;
}

/** A request in an open session: only its owner may use it, and it counts as activity until it ends. */
async function continueSession(endpoint: Endpoint, sessionId: string, owner: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const session = endpoint.sessions.get(sessionId);
  if (!session) {
    const why = `Session not found: MCP session ${sessionId} ended (closed, idle too long, or the hub restarted); initialize again.`;
    return reply(res, 404, why, SESSION_NOT_FOUND);
  }
  if (session.owner !== owner) return reply(res, 403, 'This MCP session belongs to another token.');
  // Open until the response closes: a GET stream keeps the session alive while the client listens.
  res.once('close', session.idle.begin());
  const body = req.method === 'POST' ? await readJson(req, res, endpoint.maxBodyBytes) : undefined;
  if (body === INVALID) return;
  return session.transport.handleRequest(req, res, body);
}

/** A request without a session: it must be an initialize, and the cap must leave room for it. */
async function openSession(endpoint: Endpoint, owner: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') return reply(res, 400, 'No mcp-session-id header: start with an initialize request (POST).');
  const body = await readJson(req, res, endpoint.maxBodyBytes);
  if (body === INVALID) return;
  if (!isInitializeRequest(body)) return reply(res, 400, 'No mcp-session-id header: the first request of a session must be initialize.');
  const { maxSessions } = endpoint;
  if (endpoint.sessions.size + endpoint.opening >= maxSessions) {
    endpoint.logger.warn('http session refused: too many sessions', { caller: owner, max: maxSessions });
    const why =
      `Too many MCP sessions: ${maxSessions} are open (--max-http-sessions). ` +
      'Close one (DELETE) or wait until an idle one expires (--http-session-idle), then initialize again.';
    return reply(res, 503, why, -32000, requestIdOf(body));
  }
  // The place is held from here until the session exists (or the initialize fails).
  endpoint.opening += 1;
  let reserved = true;
  const release = (): void => {
    if (reserved) endpoint.opening -= 1;
    reserved = false;
  };
  try {
    await startSession(endpoint, owner, req, res, body, release);
  } finally {
    release();
  }
}

/**
 * A new MCP server and transport answer the initialize; the session is registered when the SDK
 * assigns its id (`release` hands the held place over to it) and unregistered when it closes.
 */
async function startSession(endpoint: Endpoint, owner: string, req: IncomingMessage, res: ServerResponse, body: unknown, release: () => void): Promise<void> {
  const { logger, sessions, idleMs } = endpoint;
  const hubServer = endpoint.createServer({ kind: 'mcp', id: owner });
  let session: Session | undefined;
  const idle = endpoint.idleTimer(idleMs, () => {
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
    ...(isLoopback(endpoint.host) ? { enableDnsRebindingProtection: true, allowedHosts: endpoint.allowedHosts } : {}),
    maxRequestBodySize: endpoint.maxBodyBytes,
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
}

/** Ends every session (each logs why: the hub is stopping), then the server and its connections. */
async function closeEndpoint(endpoint: Endpoint, server: Server): Promise<void> {
  for (const session of [...endpoint.sessions.values()]) {
    session.endReason = 'hub stopping';
    await session.transport.close().catch(() => undefined);
    await session.hubServer.close().catch(() => undefined);
  }
  endpoint.sessions.clear();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
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
