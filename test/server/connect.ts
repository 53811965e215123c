/** Connects an SDK Client to createServer over the SDK's InMemoryTransport (no process, no network). */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { defaultConfig, type HubConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { createServer } from '../../src/server/create-server.js';
import type { AuditHook } from '../../src/server/call-tool.js';
import { FakeHub } from './fake-hub.js';

export interface Connected {
  readonly client: Client;
  readonly hub: FakeHub;
  close(): Promise<void>;
}

export async function connect(options: { config?: Partial<HubConfig>; audit?: AuditHook; hub?: FakeHub } = {}): Promise<Connected> {
  const hub = options.hub ?? new FakeHub();
  const config: HubConfig = { ...defaultConfig({ HOME: '/nonexistent-home' }), ...options.config };
  const { server, close } = createServer({ hub, config, logger: silentLogger, version: '0.0.0-test', ...(options.audit ? { audit: options.audit } : {}) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    client,
    hub,
    async close() {
      await client.close();
      await close();
    },
  };
}
