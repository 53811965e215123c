/**
 * HTTP sessions end: idle expiry and the session cap, over real HTTP on 127.0.0.1 with the
 * SDK's Client and StreamableHTTPClientTransport (and raw fetch where the exact answer matters).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { defaultConfig } from '../../src/config.js';
import type { HubChange } from '../../src/hub/api.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { createServer } from '../../src/server/create-server.js';
import { startHttp, type RunningHttp } from '../../src/server/http.js';
import { waitFor } from '../helpers/wait.js';
import { FakeHub } from './fake-hub.js';

/** The fake hub, counting its live change subscriptions (one per open MCP server). */
class CountingHub extends FakeHub {
  subscriptions = 0;
  override onChange(listener: (change: HubChange) => void): () => void {
    this.subscriptions += 1;
    const off = super.onChange(listener);
    let done = false;
    return () => {
      if (!done) this.subscriptions -= 1;
      done = true;
      off();
    };
  }
}

interface World {
  readonly http: RunningHttp;
  readonly hub: CountingHub;
  /** MCP servers built and closed so far. */
  readonly servers: { created: number; closed: number };
  readonly logged: { message: string; data: Record<string, unknown> | undefined }[];
}

const running: RunningHttp[] = [];
afterEach(async () => {
  for (const http of running.splice(0)) await http.close();
});

async function start(options: { sessionIdleMs?: number; maxSessions?: number }): Promise<World> {
  const hub = new CountingHub();
  const config = defaultConfig({ HOME: '/nonexistent-home' });
  const servers = { created: 0, closed: 0 };
  const logged: World['logged'] = [];
  const logger: Logger = { ...silentLogger, info: (message, data) => logged.push({ message, data }) };
  const http = await startHttp({
    host: '127.0.0.1',
    port: 0,
    authenticate: null,
    logger,
    ...options,
    createServer: (caller) => {
      const built = createServer({ hub, config, logger: silentLogger, version: '0.0.0-test', caller });
      servers.created += 1;
      let closed = false;
      return {
        server: built.server,
        // close() is idempotent (onclose and an explicit close may both call it): count the first.
        close: async () => {
          if (!closed) servers.closed += 1;
          closed = true;
          await built.close();
        },
      };
    },
  });
  running.push(http);
  return { http, hub, servers, logged };
}

async function connectClient(url: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: 'sessions-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

const jsonHeaders = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
const initialize = (id: number): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

/** Initializes over raw fetch (no GET stream is opened) and returns the session id. */
async function rawSession(url: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: jsonHeaders, body: initialize(1) });
  expect(response.status).toBe(200);
  await response.text();
  const id = response.headers.get('mcp-session-id');
  expect(id).toBeTruthy();
  const initialized = await fetch(url, { method: 'POST', headers: { ...jsonHeaders, 'mcp-session-id': id! }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  expect(initialized.status).toBe(202);
  return id!;
}

async function toolsList(url: string, sessionId: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...jsonHeaders, 'mcp-session-id': sessionId }, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }) });
}

/** Nothing of a closed session is left: no session, every MCP server closed, no hub subscription. */
async function expectNothingLeft(world: World): Promise<void> {
  await waitFor(() => world.servers.closed === world.servers.created && world.hub.subscriptions === 0, 'every MCP server closed');
  expect(world.http.sessionCount()).toBe(0);
}

describe('HTTP session idle expiry', () => {
  it('a client that goes away without DELETE is closed once idle; its id then gets 404 Session not found, and a new initialize works', async () => {
    const world = await start({ sessionIdleMs: 1000 });
    const { client, transport } = await connectClient(world.http.url);
    const listed = (await client.callTool({ name: 'list_sessions', arguments: {} })) as CallToolResult;
    expect(listed.isError).toBeFalsy();
    const sessionId = transport.sessionId!;
    expect(world.http.sessionCount()).toBe(1);
    expect(world.hub.subscriptions).toBe(1);

    await client.close(); // aborts its GET stream, sends no DELETE: the client vanished
    await waitFor(() => world.http.sessionCount() === 0, 'the idle session to be closed');
    await expectNothingLeft(world);
    const closed = world.logged.filter((line) => line.message === 'http session closed');
    expect(closed).toEqual([{ message: 'http session closed', data: { session: sessionId, reason: 'idle', idleSeconds: 1 } }]);

    const after = await toolsList(world.http.url, sessionId);
    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32001, message: expect.stringMatching(/^Session not found: .*initialize again/) } });

    // What an SDK client resuming that session sees, and that re-initializing works.
    const stale = new Client({ name: 'stale', version: '1.0.0' });
    await stale.connect(new StreamableHTTPClientTransport(new URL(world.http.url), { sessionId }));
    await expect(stale.listTools()).rejects.toMatchObject({ code: 404 });
    await stale.close();
    const again = await connectClient(world.http.url);
    expect(((await again.client.callTool({ name: 'list_sessions', arguments: {} })) as CallToolResult).isError).toBeFalsy();
    expect(world.http.sessionCount()).toBe(1);
    await again.transport.terminateSession();
    await again.client.close();
    await expectNothingLeft(world);
  });

  it('a session with a request every 300 ms outlives the idle time', async () => {
    // Idle 3 s against a 300 ms cadence: only a stall of seconds on a loaded machine could end it.
    const world = await start({ sessionIdleMs: 3000 });
    const sessionId = await rawSession(world.http.url);
    for (let i = 0; i < 13; i += 1) {
      await sleep(300);
      const response = await toolsList(world.http.url, sessionId);
      expect(response.status).toBe(200);
      await response.text();
    }
    expect(world.http.sessionCount()).toBe(1);
    expect(world.logged.some((line) => line.message === 'http session closed')).toBe(false);
  });

  it('an open GET stream keeps a session alive; once the stream closes, the session expires', async () => {
    const world = await start({ sessionIdleMs: 1000 });
    const sessionId = await rawSession(world.http.url);
    const listening = new AbortController();
    const stream = await fetch(world.http.url, {
      method: 'GET',
      headers: { Accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      signal: listening.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');

    await sleep(2500); // well past the idle time, with no request but the open stream
    expect(world.http.sessionCount()).toBe(1);
    const response = await toolsList(world.http.url, sessionId);
    expect(response.status).toBe(200);
    await response.text();

    listening.abort();
    await waitFor(() => world.http.sessionCount() === 0, 'the session to expire after its stream closed');
    await expectNothingLeft(world);
  });

  it('an SDK client that stays connected (it keeps a GET stream open) is not idle', async () => {
    const world = await start({ sessionIdleMs: 1000 });
    const { client } = await connectClient(world.http.url);
    await sleep(2500);
    expect(((await client.callTool({ name: 'list_sessions', arguments: {} })) as CallToolResult).isError).toBeFalsy();
    expect(world.http.sessionCount()).toBe(1);
    await client.close();
  });
});

describe('HTTP session cap', () => {
  it('refuses an initialize beyond the cap with 503 and a JSON-RPC error, creates nothing, and accepts again after one closes', async () => {
    const world = await start({ maxSessions: 2 });
    const first = await connectClient(world.http.url);
    const second = await connectClient(world.http.url);
    expect(world.http.sessionCount()).toBe(2);
    expect(world.servers.created).toBe(2);

    const refused = await fetch(world.http.url, { method: 'POST', headers: jsonHeaders, body: initialize(42) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('mcp-session-id')).toBeNull();
    expect(await refused.json()).toEqual({
      jsonrpc: '2.0',
      id: 42,
      error: { code: -32000, message: expect.stringContaining('Too many MCP sessions: 2 are open (--max-http-sessions)') },
    });
    const third = new Client({ name: 'third', version: '1.0.0' });
    await expect(third.connect(new StreamableHTTPClientTransport(new URL(world.http.url)))).rejects.toMatchObject({ code: 503 });
    expect(world.servers.created).toBe(2);
    expect(world.http.sessionCount()).toBe(2);

    await first.transport.terminateSession();
    await first.client.close();
    expect(world.http.sessionCount()).toBe(1);
    const replacement = await connectClient(world.http.url);
    expect(world.http.sessionCount()).toBe(2);

    await second.client.close();
    await replacement.client.close();
  });

  it('initializes racing for the last place: exactly the cap get sessions', async () => {
    const world = await start({ maxSessions: 2 });
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map(async (id) => {
        const response = await fetch(world.http.url, { method: 'POST', headers: jsonHeaders, body: initialize(id) });
        await response.text();
        return response.status;
      }),
    );
    expect(answers.filter((status) => status === 200)).toHaveLength(2);
    expect(answers.filter((status) => status === 503)).toHaveLength(3);
    expect(world.http.sessionCount()).toBe(2);
    expect(world.servers.created).toBe(2);
  });
});

describe('closing leaks nothing', () => {
  it('an initialize the transport refuses (no text/event-stream in Accept) leaves no server behind', async () => {
    const world = await start({});
    const response = await fetch(world.http.url, { method: 'POST', headers: { ...jsonHeaders, Accept: 'application/json' }, body: initialize(1) });
    expect(response.status).toBe(406);
    await expectNothingLeft(world);
    expect(world.servers.created).toBe(1);
  });

  it('DELETE, and stopping the server with sessions open, close every session, server and subscription', async () => {
    const world = await start({});
    const deleted = await connectClient(world.http.url);
    await deleted.transport.terminateSession();
    await deleted.client.close();
    expect(world.logged.filter((line) => line.message === 'http session closed').map((line) => line.data?.['reason'])).toEqual(['client']);

    const open = await Promise.all([connectClient(world.http.url), connectClient(world.http.url), rawSession(world.http.url)]);
    expect(world.http.sessionCount()).toBe(3);
    expect(world.hub.subscriptions).toBe(3);
    await world.http.close();
    await expectNothingLeft(world);
    expect(world.servers.created).toBe(4);
    expect(world.logged.filter((line) => line.data?.['reason'] === 'hub stopping')).toHaveLength(3);
    for (const { client } of open.slice(0, 2) as { client: Client }[]) await client.close();
  });
});
