#!/usr/bin/env node
/**
 * What forwarding the hub's log to MCP clients costs, on the BUILT logger and server (dist/):
 * the time of one logger call (redaction + fan-out, stderr off) with 0, 1 and 10 subscribed
 * servers, and how long until every client (SDK Client over the SDK's in-memory transport) has
 * received a burst of records. The hub is a stub that answers nothing (no tool is called).
 * Prints figures, asserts nothing.
 *
 *   npx tsc -p tsconfig.build.json && node bench/logging.mjs [--records 5000]
 */
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { createLogger } from '../dist/log.js';
import { createServer } from '../dist/server/create-server.js';
import { defaultConfig } from '../dist/config.js';
import { printMachine } from './machine.mjs';

const { values } = parseArgs({ options: { records: { type: 'string', default: '5000' } } });
const N = Number(values.records);
printMachine('logging');
const config = defaultConfig({ HOME: '/nonexistent-home' });
// STUB hub: the servers only forward logs here; no tool or resource is used.
const hub = { onChange: () => () => undefined };
const data = {
  session: 'web-1a2b3c',
  agent: 'Agent_1',
  path: '/home/you/project/.claude-hub/tasks/TASK-12.md',
  code: 'IO_ERROR',
  error: 'tmux could not press Enter: no server running',
};

async function run(clients) {
  const logger = createLogger({ level: 'debug', stderr: false });
  const peers = [];
  for (let i = 0; i < clients; i++) {
    const hubServer = createServer({ hub, config, logger, logFeed: logger, version: 'bench' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: `bench-${i}`, version: '1' });
    const peer = { client, hubServer, received: 0 };
    client.setNotificationHandler(LoggingMessageNotificationSchema, () => {
      peer.received++;
    });
    await hubServer.server.connect(serverSide);
    await client.connect(clientSide);
    peers.push(peer);
  }
  const started = performance.now();
  for (let i = 0; i < N; i++) logger.info('watch error', { ...data, i });
  const logged = performance.now() - started;
  while (peers.some((p) => p.received < N)) await new Promise((resolve) => setImmediate(resolve));
  const delivered = performance.now() - started;
  for (const p of peers) {
    await p.client.close();
    await p.hubServer.close();
  }
  console.log(
    `${String(clients).padStart(2)} client(s): ${((logged * 1000) / N).toFixed(1)} µs per logger call, ` +
      `${N} records in every client after ${delivered.toFixed(0)} ms (${((N * Math.max(clients, 1)) / (delivered / 1000)).toFixed(0)} notifications/s); listeners left: ${logger.listenerCount()}`,
  );
}

for (const clients of [0, 1, 10]) await run(clients);
