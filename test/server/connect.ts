/**
 * Connects an SDK Client to createServer over the SDK's InMemoryTransport (no process, no
 * network): connect() in front of the FakeHub (the server's own logic), connectRealHub() in
 * front of the real hub (createHub) on a temp state dir with the in-memory terminal, so the
 * hub's own errors and effects are what the client sees.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { defaultConfig, type HubConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { createServer } from '../../src/server/create-server.js';
import type { AuditHook } from '../../src/server/call-tool.js';
import { FakeHub } from './fake-hub.js';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, type Hub } from '../../src/hub/hub.js';
import { KNOWN_HOOK_EVENTS, type ClaudeCapabilities } from '../../src/agent/claude-probe.js';

/** What a real 2.1.332 reports (fixtures/screens/2.1.332 came from it), for a hub whose terminal is in memory. */
export const MEMORY_CLAUDE: ClaudeCapabilities = {
  path: '/nonexistent/claude (in-memory terminal: no claude runs)',
  version: '2.1.332',
  options: ['--append-system-prompt-file', '--model', '--name', '--permission-mode', '--resume', '--session-id', '--settings'],
  permissionModes: ['acceptEdits', 'auto', 'bypassPermissions', 'manual', 'dontAsk', 'plan'],
  hookEvents: [...KNOWN_HOOK_EVENTS],
};
import type { HubApi } from '../../src/hub/api.js';
import { MemoryTerminal } from '../helpers/memory-terminal.js';

export interface Connected {
  readonly client: Client;
  readonly hub: FakeHub;
  close(): Promise<void>;
}

export async function connect(options: { config?: Partial<HubConfig>; audit?: AuditHook; hub?: FakeHub } = {}): Promise<Connected> {
  const hub = options.hub ?? new FakeHub();
  const config: HubConfig = { ...defaultConfig({ HOME: '/nonexistent-home' }), ...options.config };
  const { client, close } = await connectTo(hub, config, options.audit);
  return { client, hub, close };
}

export interface ConnectedRealHub {
  readonly client: Client;
  readonly hub: Hub;
  /** The in-memory terminal the hub's agents are "launched" in (no process runs). */
  readonly terminal: MemoryTerminal;
  /** A temp dir (real path) for session roots; removed by close(). */
  readonly dir: string;
  close(): Promise<void>;
}

/** The real hub (state, audit, index, delivery; no git audit ref) behind createServer. */
export async function connectRealHub(options: { config?: Partial<HubConfig> } = {}): Promise<ConnectedRealHub> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'hub-tools-real-')));
  const terminal = new MemoryTerminal();
  const config: HubConfig = { ...defaultConfig({ HOME: dir }), stateDir: join(dir, 'state'), ...options.config };
  // The in-memory terminal runs no claude: the hub is told what a current release accepts.
  const hub = await createHub(config, silentLogger, {
    backend: terminal,
    env: { HOME: dir, PATH: '/usr/bin:/bin' },
    home: dir,
    gitAudit: false,
    claudeCapabilities: MEMORY_CLAUDE,
  });
  try {
    const { client, close } = await connectTo(hub, config);
    return {
      client,
      hub,
      terminal,
      dir,
      async close() {
        await close();
        await hub.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A real MCP client linked to createServer() in front of `hub`. */
async function connectTo(hub: HubApi, config: HubConfig, audit?: AuditHook): Promise<{ client: Client; close(): Promise<void> }> {
  const { server, close } = createServer({ hub, config, logger: silentLogger, version: '0.0.0-test', ...(audit ? { audit } : {}) });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    client,
    async close() {
      await client.close();
      await close();
    },
  };
}
