/**
 * MCP logging in process: the hub's logger fans records out to subscribers, each createServer()
 * forwards them to its client as notifications/message through the SDK (which applies the
 * client's logging/setLevel), records are redacted before any sink sees them, and a closed or
 * failing client neither breaks logging nor makes it loop. Real SDK Client and McpServer over
 * the SDK's InMemoryTransport; the hub is the FakeHub test double.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { LoggingMessageNotificationSchema, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { defaultConfig, type HubConfig } from '../../src/config.js';
import { createLogger, type FeedLogger, type LogLevel, type LogRecord } from '../../src/log.js';
import { REDACTED, redactData, redactText } from '../../src/log-redact.js';
import { createServer, type HubServer } from '../../src/server/create-server.js';
import { LOGGER_NAME, loggingParams } from '../../src/server/log-forward.js';
import type { Caller } from '../../src/hub/api.js';
import type { SessionInfo } from '../../src/hub/types.js';
import { waitFor } from '../helpers/wait.js';
import { FakeHub } from './fake-hub.js';

type Params = LoggingMessageNotification['params'];

interface Harness {
  readonly logger: FeedLogger;
  readonly lines: string[];
  readonly received: Params[];
  readonly client: Client;
  readonly clientSide: InMemoryTransport;
  readonly hubServer: HubServer;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

class FailingHub extends FakeHub {
  override async listSessions(_caller: Caller): Promise<readonly SessionInfo[]> {
    throw new Error('the fake hub fails on purpose');
  }
}

async function harness(options: { level?: LogLevel; config?: Partial<HubConfig>; hub?: FakeHub } = {}): Promise<Harness> {
  const lines: string[] = [];
  const logger = createLogger({ level: options.level ?? 'debug', stderr: false, sinks: [(line) => lines.push(line)] });
  const config: HubConfig = { ...defaultConfig({ HOME: '/nonexistent-home' }), ...options.config };
  const hubServer = createServer({ hub: options.hub ?? new FakeHub(), config, logger, logFeed: logger, version: '0.0.0-test' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'logging-test', version: '1.0.0' });
  const received: Params[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    received.push(notification.params);
  });
  await hubServer.server.connect(serverSide);
  await client.connect(clientSide);
  return { logger, lines, received, client, clientSide, hubServer };
}

function messages(received: readonly Params[]): string[] {
  return received.map((params) => (params.data as { message: string }).message);
}

/** Logs a marker at error level and waits for it: everything logged before it has arrived too. */
async function flush(h: Harness, marker = `flush-${Math.random()}`): Promise<void> {
  h.logger.error(marker);
  await waitFor(() => messages(h.received).includes(marker), `the ${marker} record`);
  h.received.splice(
    h.received.findIndex((params) => (params.data as { message: string }).message === marker),
    1,
  );
}

describe('loggingParams: one record as MCP notification params', () => {
  it('maps warn to warning, names the logger, and sends message plus data', () => {
    const record: LogRecord = { time: '2026-01-01T00:00:00.000Z', level: 'warn', message: 'watch error', data: { session: 's1', code: 'IO_ERROR' } };
    expect(loggingParams(record)).toEqual({
      level: 'warning',
      logger: LOGGER_NAME,
      data: { message: 'watch error', data: { session: 's1', code: 'IO_ERROR' } },
    });
    expect(loggingParams({ time: record.time, level: 'debug', message: 'm' })).toEqual({ level: 'debug', logger: 'claude-hub', data: { message: 'm' } });
    expect(loggingParams({ ...record, level: 'info' }).level).toBe('info');
    expect(loggingParams({ ...record, level: 'error' }).level).toBe('error');
  });
});

describe('redaction: what no log destination may see', () => {
  const key = 'sk-ant-api03-' + 'A1b2C3d4'.repeat(6);

  it('redacts secret assignments, bearer credentials and Anthropic keys in text', () => {
    const command = `tmux -u new-window -- /usr/bin/env -i HOME=/h ANTHROPIC_API_KEY=${key} CLAUDE_CODE_OAUTH_TOKEN="abc def" PATH=/bin claude exited with 1`;
    const redacted = redactText(command);
    expect(redacted).toBe(
      `tmux -u new-window -- /usr/bin/env -i HOME=/h ANTHROPIC_API_KEY=${REDACTED} CLAUDE_CODE_OAUTH_TOKEN=${REDACTED} PATH=/bin claude exited with 1`,
    );
    expect(redactText(`Authorization: Bearer ${'t'.repeat(40)}`)).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText(`the key ${key} leaked`)).toBe(`the key ${REDACTED} leaked`);
    expect(redactText('a basic configuration; Bearer short')).toBe('a basic configuration; Bearer short');
    expect(redactText('state loaded from /tmp/state; keyId 19e91cd0')).toBe('state loaded from /tmp/state; keyId 19e91cd0');
  });

  it('redacts values under secret-sounding keys at any depth and keeps the rest', () => {
    const data = {
      token: 'abc',
      nested: { apiKey: 'k', password: 'p', list: [{ authorization: 'Bearer x' }, `X_SECRET=${key}`] },
      keyId: '19e9',
      caller: 'ada',
      session: 's1',
    };
    expect(redactData(data)).toEqual({
      token: REDACTED,
      nested: { apiKey: REDACTED, password: REDACTED, list: [{ authorization: REDACTED }, `X_SECRET=${REDACTED}`] },
      keyId: '19e9',
      caller: 'ada',
      session: 's1',
    });
  });

  it('turns any data into plain JSON: cycles, BigInt, Errors, Dates, functions', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic['self'] = cyclic;
    const shared = { n: 1 };
    const data = {
      cyclic,
      big: 10n,
      error: new Error(`failed with ANTHROPIC_API_KEY=${key}`),
      when: new Date('2026-01-01T00:00:00Z'),
      fn: () => 1,
      nan: Number.NaN,
      twice: [shared, shared],
    };
    const safe = redactData(data);
    expect(JSON.parse(JSON.stringify(safe))).toEqual({
      cyclic: { name: 'a', self: '[circular]' },
      big: '10',
      error: `failed with ANTHROPIC_API_KEY=${REDACTED}`,
      when: '2026-01-01T00:00:00.000Z',
      nan: 'NaN',
      twice: [{ n: 1 }, { n: 1 }],
    });
  });

  it('the logger redacts before stderr, the sinks and the subscribers', () => {
    const lines: string[] = [];
    const records: LogRecord[] = [];
    const logger = createLogger({ stderr: false, sinks: [(line) => lines.push(line)] });
    logger.subscribe((record) => records.push(record));
    logger.warn(`open failed: env ANTHROPIC_API_KEY=${key}`, { error: `ANTHROPIC_AUTH_TOKEN=${key}`, secret: key });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(key);
    expect(JSON.stringify(records)).not.toContain(key);
    expect(records[0]).toMatchObject({
      level: 'warn',
      message: `open failed: env ANTHROPIC_API_KEY=${REDACTED}`,
      data: { error: `ANTHROPIC_AUTH_TOKEN=${REDACTED}`, secret: REDACTED },
    });
  });
});

describe('createLogger as a feed', () => {
  it('subscribers get the records at or above the logger level, and nothing after unsubscribing', () => {
    const logger = createLogger({ level: 'info', stderr: false });
    const seen: string[] = [];
    const unsubscribe = logger.subscribe((record) => seen.push(`${record.level}:${record.message}`));
    expect(logger.listenerCount()).toBe(1);
    logger.debug('d');
    logger.info('i', { n: 1 });
    logger.warn('w');
    logger.error('e');
    unsubscribe();
    unsubscribe();
    logger.error('after');
    expect(seen).toEqual(['info:i', 'warn:w', 'error:e']);
    expect(logger.listenerCount()).toBe(0);
  });

  it('a subscriber that logs does not loop, and one that throws does not stop the others or the sinks', () => {
    const lines: string[] = [];
    const logger = createLogger({ stderr: false, sinks: [(line) => lines.push(line)] });
    const seen: string[] = [];
    logger.subscribe((record) => {
      seen.push(record.message);
      logger.warn(`could not forward ${record.message}`);
    });
    logger.subscribe(() => {
      throw new Error('a broken subscriber');
    });
    logger.subscribe((record) => seen.push(`second:${record.message}`));
    logger.info('one');
    logger.info('two');
    expect(seen).toEqual(['one', 'second:one', 'two', 'second:two']);
    expect(lines.map((line) => line.replace(/^\S+ /, ''))).toEqual(['info  one', 'warn  could not forward one', 'info  two', 'warn  could not forward two']);
  });
});

describe('createServer forwards the hub log to its client', () => {
  it('declares the logging capability', async () => {
    const h = await harness();
    expect(h.client.getServerCapabilities()?.logging).toEqual({});
    await h.client.close();
  });

  it('at logging/setLevel warning the client gets warning and error, with level and content, and no debug or info', async () => {
    const h = await harness({ level: 'debug' });
    await h.client.setLoggingLevel('warning');
    h.logger.debug('a debug record');
    h.logger.info('an info record');
    h.logger.warn('watch error', { session: 's1', path: '/r/TODO.md', code: 'IO_ERROR' });
    h.logger.error('audit append failed', { kind: 'tool' });
    await waitFor(() => h.received.length >= 2, 'two records');
    await flush(h);
    expect(h.received).toEqual([
      { level: 'warning', logger: 'claude-hub', data: { message: 'watch error', data: { session: 's1', path: '/r/TODO.md', code: 'IO_ERROR' } } },
      { level: 'error', logger: 'claude-hub', data: { message: 'audit append failed', data: { kind: 'tool' } } },
    ]);
    await h.client.setLoggingLevel('debug');
    h.logger.debug('now debug too');
    await flush(h);
    expect(messages(h.received)).toEqual(['watch error', 'audit append failed', 'now debug too']);
    await h.client.close();
  });

  it('without setLevel the client gets what the hub logs: info and above at the default level', async () => {
    const h = await harness({ level: 'info' });
    h.logger.debug('not logged at info');
    h.logger.info('logged');
    h.logger.warn('warned');
    await flush(h);
    expect(h.received.map((params) => `${params.level}:${(params.data as { message: string }).message}`)).toEqual(['info:logged', 'warning:warned']);
    await h.client.close();
  });

  it('a refused tool call warns (tool, code, caller; never the arguments); other failures are debug', async () => {
    const h = await harness({ config: { securityLevel: 'MEDIUM' } });
    const marker = 'MESSAGE-TEXT-THAT-MUST-NOT-BE-LOGGED';
    const refused = await h.client.callTool({ name: 'create_agent', arguments: { session_id: 's1', system_prompt_suffix: marker } });
    expect(refused.isError).toBe(true);
    const failed = await h.client.callTool({ name: 'send_message_to_agent', arguments: { agent_name: 'nobody', message: marker } });
    expect(failed.isError).toBe(true);
    await flush(h);
    expect(h.received).toEqual([
      { level: 'warning', logger: 'claude-hub', data: { message: 'tool call refused', data: { tool: 'create_agent', code: 'FORBIDDEN', caller: 'stdio' } } },
      {
        level: 'debug',
        logger: 'claude-hub',
        data: { message: 'tool call failed', data: { tool: 'send_message_to_agent', code: 'AGENT_NOT_FOUND', caller: 'stdio' } },
      },
    ]);
    expect(JSON.stringify(h.received)).not.toContain(marker);
    expect(h.lines.join('\n')).not.toContain(marker);
    await h.client.close();
  });

  it('an unexpected tool failure reaches the client as an error record', async () => {
    const h = await harness({ hub: new FailingHub() });
    await h.client.setLoggingLevel('error');
    const result = await h.client.callTool({ name: 'list_sessions', arguments: {} });
    expect(result.isError).toBe(true);
    await waitFor(() => h.received.length >= 1, 'the error record');
    expect(h.received[0]).toMatchObject({ level: 'error', logger: 'claude-hub', data: { message: 'tool list_sessions failed unexpectedly' } });
    expect(JSON.stringify(h.received[0])).toContain('the fake hub fails on purpose');
    await flush(h);
    expect(h.received).toHaveLength(1);
    await h.client.close();
  });

  it('closing the server unsubscribes it; logging afterwards neither throws nor rejects', async () => {
    const h = await harness();
    expect(h.logger.listenerCount()).toBe(1);
    await h.client.close();
    await h.hubServer.close();
    expect(h.logger.listenerCount()).toBe(0);
    for (let i = 0; i < 50; i++) h.logger.warn(`after close ${i}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.lines).toHaveLength(50);
    expect(unhandled).toEqual([]);
  });

  it('a client whose transport fails on receipt: the send failure is swallowed and not logged (no loop)', async () => {
    const h = await harness();
    await flush(h);
    // The client end now fails every delivery, as a peer that went away mid-write would.
    h.clientSide.onmessage = () => {
      throw new Error('the client is gone');
    };
    const before = h.lines.length;
    for (let i = 0; i < 20; i++) h.logger.warn(`into the void ${i}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.lines.length - before).toBe(20);
    expect(h.lines.slice(before).every((line) => line.includes('into the void'))).toBe(true);
    expect(unhandled).toEqual([]);
    await h.hubServer.close();
    expect(h.logger.listenerCount()).toBe(0);
  });

  it('many servers on one logger each get every record and each unsubscribe on close', async () => {
    const logger = createLogger({ stderr: false });
    const config = defaultConfig({ HOME: '/nonexistent-home' });
    const servers = Array.from({ length: 5 }, () => createServer({ hub: new FakeHub(), config, logger, logFeed: logger, version: '0' }));
    expect(logger.listenerCount()).toBe(5);
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(servers.map((s) => s.close()));
    expect(logger.listenerCount()).toBe(0);
  });
});
