/**
 * createHub: takes the state dir (one hub per state dir), opens the state store and the audit
 * log, picks the terminal backend, and starts the Hub (hub.ts) on them. What a hub can be told
 * beyond its config (HubOptions) is here too: tests use it to run a hub on a private tmux
 * socket or on the in-memory terminal.
 */
import type { HubConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { ClaudeCapabilities } from '../agent/claude-probe.js';
import { StateStore } from '../store/state-store.js';
import { acquireInstanceLock } from '../store/instance-lock.js';
import { ensurePrivateDir } from '../store/durable-file.js';
import { AuditLog } from '../store/audit-log.js';
import { createBackend } from '../terminal/select.js';
import type { TerminalBackend } from '../terminal/backend.js';
import { Hub } from './hub.js';

export interface HubOptions {
  /** Replace the backend `config.backend` selects (tests with a private tmux socket pass their own). */
  readonly backend?: TerminalBackend;
  /** Where agents' pass-through variables come from. Default: the hub's own env. */
  readonly agentEnv?: Readonly<Record<string, string | undefined>>;
  readonly env?: NodeJS.ProcessEnv;
  /** How long send_message_to_agent waits for an idle agent to confirm before answering `queued`. */
  readonly deliveryWaitMs?: number;
  readonly confirmTimeoutMs?: number;
  readonly livenessMs?: number;
  /** Record TODO/task changes on the audit ref (default true). */
  readonly gitAudit?: boolean;
  readonly home?: string;
  /**
   * What the agents' Claude Code accepts, instead of probing `config.claudeCommand` (tests that
   * run the hub on an in-memory terminal, where no claude runs).
   */
  readonly claudeCapabilities?: ClaudeCapabilities;
}

/** Starts the hub: state, audit, index, terminals, delivery; re-attaches what survived a restart. */
export async function createHub(config: HubConfig, logger: Logger, options: HubOptions = {}): Promise<Hub> {
  const env = options.env ?? process.env;
  await ensurePrivateDir(config.stateDir);
  // One hub per state dir: two would type the same queued message twice.
  const release = await acquireInstanceLock(config.stateDir);
  try {
    return await openHub(config, logger, options, env, release);
  } catch (error) {
    await release();
    throw error;
  }
}

async function openHub(config: HubConfig, logger: Logger, options: HubOptions, env: NodeJS.ProcessEnv, release: () => Promise<void>): Promise<Hub> {
  const store = await StateStore.open({ dir: config.stateDir, logger, env });
  for (const warning of store.warnings) logger.warn(warning.message, { code: warning.code });
  const audit = await AuditLog.open({ dir: config.stateDir, logger, anchorKey: store.auditKey });
  for (const warning of audit.warnings) logger.warn(warning.message, { code: warning.code });
  const backend = options.backend ?? createBackend({ choice: config.backend, env, platform: process.platform, tmux: { socket: config.tmuxSocket } }).backend;
  const hub = new Hub({ config, logger, store, audit, backend, options, release });
  await hub.start();
  return hub;
}
