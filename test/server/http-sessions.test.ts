/**
 * HTTP sessions end: idle expiry and the session cap, over real HTTP on 127.0.0.1 with the
 * SDK's Client and StreamableHTTPClientTransport (and raw fetch where the exact answer matters).
 * Expiry itself runs once on the real clock (1 s, waiting for the close). What keeps a session
 * alive (requests, an open GET stream) runs on a ManualClock the test advances, with the real
 * createIdleTimer counting its open requests: "the idle time passed" is a step of the test, not
 * a sleep a loaded machine can stretch, and each step waits for the request it depends on to
 * have begun or ended.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { defaultConfig } from '../../src/config.js';
import type { HubChange } from '../../src/hub/api.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { createServer } from '../../src/server/create-server.js';
import { startHttp, type RunningHttp } from '../../src/server/http.js';
import { createIdleTimer, type IdleClock, type IdleTimer } from '../../src/server/idle-timer.js';
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

/** A clock that moves only when the test says the idle time has passed. */
class ManualClock implements IdleClock {
  private readonly timers = new Map<number, { fn: () => void; ms: number }>();
  private next = 0;
  /** Countdowns started so far. */
  scheduled = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    this.next += 1;
    this.scheduled += 1;
    this.timers.set(this.next, { fn, ms });
    return this.next;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Countdowns armed now, with their lengths. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.ms);
  }
  /** The idle time passes: every armed countdown runs out. */
  elapse(): void {
    const due = [...this.timers.values()];
    this.timers.clear();
    for (const timer of due) timer.fn();
  }
}

/** The real idle timer on a manual clock, counting the requests it was told began and ended. */
function manualIdle(clock: ManualClock): {
  factory: (idleMs: number, onIdle: () => void) => IdleTimer;
  openRequests: () => number;
  begunRequests: () => number;
} {
  let open = 0;
  let begun = 0;
  return {
    openRequests: () => open,
    begunRequests: () => begun,
    factory: (idleMs, onIdle) => {
      const timer = createIdleTimer(idleMs, onIdle, clock);
      return {
        begin: () => {
          open += 1;
          begun += 1;
          const end = timer.begin();
          let ended = false;
          return () => {
            if (!ended) open -= 1;
            ended = true;
            end();
          };
        },
        stop: () => timer.stop(),
      };
    },
  };
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

async function start(options: { sessionIdleMs?: number; maxSessions?: number; idleTimer?: (idleMs: number, onIdle: () => void) => IdleTimer }): Promise<World> {
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
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });

/** Initializes over raw fetch (no GET stream is opened) and returns the session id. */
async function rawSession(url: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: jsonHeaders, body: initialize(1) });
  expect(response.status).toBe(200);
  await response.text();
  const id = response.headers.get('mcp-session-id');
  expect(id).toBeTruthy();
  const initialized = await fetch(url, {
    method: 'POST',
    headers: { ...jsonHeaders, 'mcp-session-id': id! },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  expect(initialized.status).toBe(202);
  return id!;
}

async function toolsList(url: string, sessionId: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { ...jsonHeaders, 'mcp-session-id': sessionId },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
  });
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
    expect(await after.json()).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32001, message: expect.stringMatching(/^Session not found: .*initialize again/) },
    });

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

  it('each request restarts the countdown: requests keep a session alive, and it expires only once the idle time passes after the last', async () => {
    const clock = new ManualClock();
    const idle = manualIdle(clock);
    const world = await start({ sessionIdleMs: 3000, idleTimer: idle.factory });
    const sessionId = await rawSession(world.http.url);
    for (let i = 0; i < 13; i += 1) {
      // The previous response has closed: one countdown of the idle time runs.
      await waitFor(() => idle.openRequests() === 0 && clock.pending().length === 1, 'the countdown armed after the last response');
      expect(clock.pending()).toEqual([3000]);
      const started = clock.scheduled;
      const response = await toolsList(world.http.url, sessionId);
      expect(response.status).toBe(200);
      await response.text();
      await waitFor(() => idle.openRequests() === 0, 'the request to end');
      // The request disarmed the running countdown and its end started exactly one new one.
      expect(clock.scheduled).toBe(started + 1);
      expect(clock.pending()).toEqual([3000]);
    }
    expect(world.http.sessionCount()).toBe(1);
    expect(world.logged.some((line) => line.message === 'http session closed')).toBe(false);
    clock.elapse(); // the idle time passes after the last request
    await waitFor(() => world.http.sessionCount() === 0, 'the session to expire');
    expect(world.logged.filter((line) => line.message === 'http session closed')).toEqual([
      { message: 'http session closed', data: { session: sessionId, reason: 'idle', idleSeconds: 3 } },
    ]);
    await expectNothingLeft(world);
  });

  it('an open GET stream keeps a session alive; once the stream closes, the session expires', async () => {
    const clock = new ManualClock();
    const idle = manualIdle(clock);
    const world = await start({ sessionIdleMs: 1000, idleTimer: idle.factory });
    const sessionId = await rawSession(world.http.url);
    const listening = new AbortController();
    const stream = await fetch(world.http.url, {
      method: 'GET',
      headers: { Accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      signal: listening.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');

    // Only the stream is open (it has begun: its headers came; the two initialize POSTs have
    // ended): no countdown runs, so time passing ends nothing.
    await waitFor(() => idle.begunRequests() === 3 && idle.openRequests() === 1, 'only the GET stream open');
    expect(clock.pending()).toEqual([]);
    clock.elapse();
    // A request alongside the stream, once ended, must not start a countdown either.
    const response = await toolsList(world.http.url, sessionId);
    expect(response.status).toBe(200);
    await response.text();
    await waitFor(() => idle.openRequests() === 1, 'the request beside the stream to end');
    expect(clock.pending()).toEqual([]);
    clock.elapse();
    await new Promise((resolve) => setImmediate(resolve)); // the timer's last look, had one run out
    expect(world.http.sessionCount()).toBe(1);

    listening.abort();
    await waitFor(() => idle.openRequests() === 0 && clock.pending().length === 1, 'the countdown armed once the stream closed');
    expect(world.http.sessionCount()).toBe(1);
    clock.elapse();
    await waitFor(() => world.http.sessionCount() === 0, 'the session to expire after its stream closed');
    await expectNothingLeft(world);
  });

  it('an SDK client that stays connected (it keeps a GET stream open) is not idle', async () => {
    const clock = new ManualClock();
    const idle = manualIdle(clock);
    const world = await start({ sessionIdleMs: 1000, idleTimer: idle.factory });
    const { client } = await connectClient(world.http.url);
    // The client POSTs initialize and notifications/initialized, then opens its GET stream: three
    // requests begun, one still open (the stream), and no countdown runs.
    await waitFor(() => idle.begunRequests() === 3 && idle.openRequests() === 1, "the SDK client's GET stream the one request open");
    expect(clock.pending()).toEqual([]);
    clock.elapse();
    await new Promise((resolve) => setImmediate(resolve));
    expect(world.http.sessionCount()).toBe(1);
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
