/**
 * The real hub (createHub: state store, audit log, live index, delivery queue) on a temp state
 * dir with the in-memory terminal (memory-terminal.ts): no tmux, no Claude. A test plays the
 * agent by appending hook events to the agent's event file, as emit.sh would, and sets the
 * pane's screen from a captured fixture. `restart()` closes the hub and opens a new one on the
 * same state dir and the same terminal, whose panes outlive the hub as tmux panes do: the
 * recovery paths (re-attach, queue restore) run in milliseconds.
 */
import { appendFile, mkdir, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultConfig, type HubConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { createHub, type Hub, type HubOptions } from '../../src/hub/hub.js';
import { agentEventsFile } from '../../src/agent/settings.js';
import type { Caller } from '../../src/hub/api.js';
import { MemoryTerminal, type MemoryPane } from './memory-terminal.js';
import { MEMORY_CLAUDE } from '../server/connect.js';

export const CALLER: Caller = { kind: 'mcp', id: 'test' };

/** The screen of a 2.1.332 agent whose prompt box is ready (captured from a real one). */
export const READY_SCREEN = new URL('../../fixtures/screens/2.1.332/ready.txt', import.meta.url);

export interface MemoryHub {
  hub: Hub;
  readonly terminal: MemoryTerminal;
  /** The config of the hub running now. */
  readonly config: HubConfig;
  /** A temp dir (real path) for session roots and the state dir. */
  readonly dir: string;
  /** Makes a folder under `dir` to be a session root. */
  root(name: string): Promise<string>;
  /** Appends one hook event to the agent's event file, as its emit.sh hook would. */
  hook(session: string, agent: string, event: string, payload?: Record<string, unknown>): Promise<void>;
  /** The agent's (only open) pane. */
  pane(agent: string): MemoryPane;
  /** Closes this hub and opens a new one on the same state dir and terminal (`config`: changes for the new one, e.g. restore). */
  restart(changes?: { config?: Partial<HubConfig> }): Promise<Hub>;
  close(): Promise<void>;
}

export async function memoryHub(options: { config?: Partial<HubConfig>; hub?: Partial<HubOptions> } = {}): Promise<MemoryHub> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'hub-memory-')));
  const terminal = new MemoryTerminal();
  let config: HubConfig = { ...defaultConfig({ HOME: dir }), stateDir: join(dir, 'state'), ...options.config };
  const open = (): Promise<Hub> =>
    createHub(config, silentLogger, {
      backend: terminal,
      env: { HOME: dir, PATH: '/usr/bin:/bin' },
      home: dir,
      gitAudit: false,
      claudeCapabilities: MEMORY_CLAUDE,
      livenessMs: 50,
      ...options.hub,
    });
  let hub = await open();
  let closed = false;
  const world: MemoryHub = {
    get hub() {
      return hub;
    },
    set hub(next: Hub) {
      hub = next;
    },
    terminal,
    get config() {
      return config;
    },
    dir,
    async root(name) {
      const path = join(dir, name);
      await mkdir(path, { recursive: true });
      return path;
    },
    async hook(session, agent, event, payload = {}) {
      const file = agentEventsFile(config.stateDir, session, agent);
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, JSON.stringify({ hook_event_name: event, session_id: 'c-1', cwd: dir, ...payload }) + '\n');
    },
    pane(agent) {
      const panes = terminal.panes().filter((p) => p.spec.name === agent);
      const pane = panes[panes.length - 1];
      if (!pane) throw new Error(`${agent} has no pane`);
      return pane;
    },
    async restart(changes = {}) {
      await hub.close();
      config = { ...config, ...changes.config };
      hub = await open();
      return hub;
    },
    async close() {
      if (closed) return;
      closed = true;
      await hub.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** A session named `name` on a fresh folder `name` of the hub's temp dir. */
export async function newSession(w: MemoryHub, name = 'app'): Promise<{ session: string; root: string }> {
  const root = await w.root(name);
  const created = await w.hub.createSession(CALLER, { root_path: root, session_name: name });
  return { session: created.id, root };
}

/** The ready prompt box of a real 2.1.332, for a pane the hub should type into. */
export async function readyScreen(): Promise<string> {
  return readFile(READY_SCREEN, 'utf8');
}
