/**
 * Streamable HTTP transport: one McpServer per MCP session (`mcp-session-id`), all sharing the
 * one hub. Binds 127.0.0.1 by default and refuses to bind beyond loopback without tokens.
 * Bearer tokens (when configured) name the caller and cap its tools by role; the Host header is
 * checked against the loopback names (DNS-rebinding protection); bodies are size-limited.
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
}

export interface RunningHttp {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
export const MCP_PATH = '/mcp';

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
}

export async function startHttp(options: HttpOptions): Promise<RunningHttp> {
  const { host, logger, authenticate } = options;
  requireTokensBeyondLoopback(host, authenticate !== null);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const sessions = new Map<string, Session>();
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
      if (!session) return reply(res, 404, `Unknown MCP session ${sessionId}: it ended or the hub restarted; initialize again.`);
      if (session.owner !== owner) return reply(res, 403, 'This MCP session belongs to another token.');
      const body = req.method === 'POST' ? await readJson(req, res, maxBodyBytes) : undefined;
      if (body === INVALID) return;
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST') return reply(res, 400, 'No mcp-session-id header: start with an initialize request (POST).');
    const body = await readJson(req, res, maxBodyBytes);
    if (body === INVALID) return;
    if (!isInitializeRequest(body)) return reply(res, 400, 'No mcp-session-id header: the first request of a session must be initialize.');

    const hubServer = options.createServer({ kind: 'mcp', id: owner });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, hubServer, owner });
        logger.info('http session opened', { session: id, caller: owner });
      },
      ...(isLoopback(host) ? { enableDnsRebindingProtection: true, allowedHosts } : {}),
      maxRequestBodySize: maxBodyBytes,
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id !== undefined && sessions.delete(id)) logger.info('http session closed', { session: id });
      hubServer.close().catch((error: unknown) => logger.warn('closing an MCP server failed', { error: String(error) }));
    };
    await hubServer.server.connect(transport);
    await transport.handleRequest(req, res, body);
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
    async close() {
      for (const session of sessions.values()) await session.transport.close().catch(() => undefined);
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

function reply(res: ServerResponse, status: number, message: string, code = -32000): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
