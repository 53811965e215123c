/**
 * MCP logging over Streamable HTTP, in process: one McpServer per session, each subscribed to
 * the one hub logger. Each session's logging/setLevel applies to that session only; a session
 * that ends (DELETE) unsubscribes its server, and the others go on receiving; a client that
 * drops its stream without saying goodbye breaks nothing. Real SDK clients on 127.0.0.1; the
 * hub is the FakeHub test double.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { defaultConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createServer } from '../../src/server/create-server.js';
import { startHttp, type RunningHttp } from '../../src/server/http.js';
import { waitFor } from '../helpers/wait.js';
import { FakeHub } from './fake-hub.js';

type Params = LoggingMessageNotification['params'];

interface Peer {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
  readonly received: Params[];
}

const lines: string[] = [];
const logger = createLogger({ level: 'debug', stderr: false, sinks: [(line) => lines.push(line)] });
const hub = new FakeHub();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
let http: RunningHttp;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  const config = defaultConfig({ HOME: '/nonexistent-home' });
  http = await startHttp({
    host: '127.0.0.1',
    port: 0,
    authenticate: null,
    logger,
    createServer: (caller) => createServer({ hub, config, logger, logFeed: logger, version: '0.0.0-test', caller }),
  });
});
afterAll(async () => {
  await http.close();
  process.off('unhandledRejection', onUnhandled);
});

function messages(peer: Peer): string[] {
  return peer.received.map((params) => (params.data as { message: string }).message);
}

/** Connects and waits until the client's standalone SSE stream carries log records. */
async function peer(name: string): Promise<Peer> {
  const transport = new StreamableHTTPClientTransport(new URL(http.url));
  const client = new Client({ name, version: '1.0.0' });
  const received: Params[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    received.push(notification.params);
  });
  await client.connect(transport);
  const connected: Peer = { client, transport, received };
  let n = 0;
  await waitFor(() => {
    logger.error(`${name} probe ${n++}`);
    return messages(connected).some((message) => message.startsWith(`${name} probe`));
  }, `${name}'s log stream`);
  return connected;
}

/** Logs a marker at error level and waits until every listed peer has it. */
async function flush(peers: readonly Peer[]): Promise<void> {
  const marker = `flush ${Math.random()}`;
  logger.error(marker);
  await waitFor(() => peers.every((p) => messages(p).includes(marker)), marker);
}

describe('MCP logging over Streamable HTTP', () => {
  it('each session filters by its own level; a closed session unsubscribes and the other keeps receiving', async () => {
    const base = logger.listenerCount();
    const ada = await peer('ada');
    const bob = await peer('bob');
    expect(logger.listenerCount()).toBe(base + 2);
    await ada.client.setLoggingLevel('warning');
    await bob.client.setLoggingLevel('debug');
    ada.received.length = 0;
    bob.received.length = 0;

    logger.debug('debug for whoever asked');
    logger.info('info for whoever asked', { session: 's1' });
    logger.warn('a warning for both');
    await flush([ada, bob]);
    expect(messages(ada).filter((m) => !m.startsWith('flush'))).toEqual(['a warning for both']);
    expect(messages(bob).filter((m) => !m.startsWith('flush'))).toEqual(['debug for whoever asked', 'info for whoever asked', 'a warning for both']);
    expect(bob.received[1]).toEqual({ level: 'info', logger: 'claude-hub', data: { message: 'info for whoever asked', data: { session: 's1' } } });

    const bobSession = bob.transport.sessionId;
    await bob.transport.terminateSession();
    await bob.client.close();
    await waitFor(() => logger.listenerCount() === base + 1, "bob's server unsubscribed");
    expect(lines.some((line) => line.includes('http session closed') && bobSession !== undefined && line.includes(bobSession))).toBe(true);

    const bobBefore = bob.received.length;
    ada.received.length = 0;
    logger.warn('after bob left');
    logger.info('info ada did not ask for');
    await flush([ada]);
    expect(messages(ada).filter((m) => !m.startsWith('flush'))).toEqual(['after bob left']);
    expect(bob.received).toHaveLength(bobBefore);

    await ada.transport.terminateSession();
    await ada.client.close();
    await waitFor(() => logger.listenerCount() === base, "ada's server unsubscribed");
    expect(unhandled).toEqual([]);
  });

  it('a client that drops its stream without DELETE: records to it go nowhere, the server keeps serving others', async () => {
    const gone = await peer('gone');
    // Closing the client transport aborts its SSE stream but sends no DELETE: the session lingers.
    await gone.client.close();
    for (let i = 0; i < 200; i++) logger.warn(`into a closed stream ${i}`);
    const cara = await peer('cara');
    await flush([cara]);
    const listed = await cara.client.listTools();
    expect(listed.tools.length).toBeGreaterThan(0);
    await cara.transport.terminateSession();
    await cara.client.close();
    expect(unhandled).toEqual([]);
  });
});
