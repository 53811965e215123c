/**
 * The live index's public vocabulary: what a caller gives it (a session, its agents, the facts
 * only the core knows) and what it hands back (changes, broken tasks, indexed tasks). Types
 * only; `hub/index.ts` re-exports them, so callers import from there.
 */
import type { Logger } from '../log.js';
import type { Diagnostic, Progress, TaskDoc } from '../protocol/types.js';
import type { BackendName, TerminalHandle } from '../terminal/backend.js';
import type { WatcherOptions } from '../watch/options.js';
import type { FsWatcherFactory } from '../watch/watcher.js';
import type { NudgeRequest } from './routing.js';
import type { Activity } from './status.js';
import type { UsageSeed } from './session-state.js';
import type { PriceTable } from '../usage/prices.js';
import type { AgentStatus, HookEvent, PendingPrompt, TaskSummary } from './types.js';

export interface AgentSpec {
  readonly name: string;
  readonly specialization: string | null;
}

export interface SessionSpec {
  readonly id: string;
  readonly name: string;
  /** Absolute path of the codebase. */
  readonly root: string;
  readonly agents: readonly AgentSpec[];
  /** ISO time; default now. */
  readonly createdAt?: string;
  /**
   * Hook event dir. Default `<stateDir>/events/<id>` (created if missing) when the index has a
   * state dir; null: the session has no hook events.
   */
  readonly eventsDir?: string | null;
  /**
   * The agents are whoever the files and hook files name (e.g. `claude-hub watch` without a
   * server): they are added as they appear, and no "unknown assignee" diagnostics are made.
   */
  readonly discoverAgents?: boolean;
  /**
   * Whether `agents` is the session's whole team, so a task assigned to anyone else is an
   * `assignee-unknown` warning. Default: true unless `discoverAgents`. False for a root that is
   * no hub session (`claude-hub status` there has no agents to compare with).
   */
  readonly agentsKnown?: boolean;
  /** Usage kept in the state by an earlier hub: totals and transcript cursors to go on from. */
  readonly usage?: UsageSeed | null;
  /** The session's budget (null: none). */
  readonly budget?: { readonly usd: number | null; readonly tokens: number | null } | null;
}

/** Facts about an agent that only the core knows (terminal, dialogs, delivery queue). */
export interface AgentRuntime {
  readonly backend: BackendName;
  readonly terminal: TerminalHandle | null;
  /** From the terminal backend; null until the core has checked. */
  readonly terminalAlive: boolean | null;
  readonly pendingPrompt: PendingPrompt | null;
  readonly queuedMessages: number;
}

/** What changed, for resources, notifications and `claude-hub watch`. */
export type IndexChange =
  | { readonly kind: 'sessions' }
  | { readonly kind: 'todo'; readonly session: string }
  /**
   * One task file changed. `broken`: it is there but does not parse (invalid YAML, no front
   * matter, …; `diagnostic` says where); it is not `removed`, and `brokenTask()` has it.
   * A broken file that parses again is `changed`.
   */
  | {
      readonly kind: 'task';
      readonly session: string;
      readonly taskId: string;
      readonly file: string;
      readonly change: 'added' | 'changed' | 'removed' | 'broken';
      readonly diagnostic?: Diagnostic;
    }
  /** The set of tasks changed (one added or removed). */
  | { readonly kind: 'tasks'; readonly session: string }
  | {
      readonly kind: 'agent';
      readonly session: string;
      readonly agent: string;
      readonly status: AgentStatus;
      readonly previous: AgentStatus | null;
      readonly why: string;
      readonly progress: Progress;
      readonly currentTask: string | null;
    }
  /** The session's usage ledger or transcript cursors moved (the hub saves them). */
  | { readonly kind: 'usage'; readonly session: string }
  /** Anything in `sessionStatus(session)` changed. */
  | { readonly kind: 'status'; readonly session: string };

/** A task file that does not parse: what a person needs to fix it. */
export interface BrokenTask {
  /** The id in its file name, or null when the name has none. */
  readonly id: string | null;
  readonly file: string;
  /** The first error (file and line); all of them in `diagnostics`. */
  readonly line: number;
  readonly code: string;
  readonly message: string;
  readonly diagnostics: readonly Diagnostic[];
}

export interface IndexedTask {
  readonly summary: TaskSummary;
  readonly doc: TaskDoc;
}

export interface LiveIndexOptions {
  /** The hub's state dir (hook events live in `<stateDir>/events/<session>/`); null: none. */
  readonly stateDir: string | null;
  readonly watcher?: WatcherOptions;
  /** Replace chokidar (tests put a lossy one in between). */
  readonly fsFactory?: FsWatcherFactory;
  readonly defaultBackend?: BackendName;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** The price table for cost estimates (default: templates/prices.json). */
  readonly prices?: PriceTable;
  /** Working with no hook event for this long is `stuck` (default DEFAULT_STUCK_MS). */
  readonly stuckMs?: number;
  /** How often quiet working agents are looked at (stuck, a transcript saying interrupted). Default 2 s. */
  readonly tickMs?: number;
}

/** What the index tells its subscribers (see `onChange`, `onHookEvent`, `onNudge`). */
export type IndexEvents = {
  change: [IndexChange];
  hook: [HookEvent];
  nudge: [NudgeRequest];
};

/** An agent's latest status-bearing hook activity (for delivery: is it idle?). */
export interface AgentActivity {
  readonly latest: Activity | null;
  readonly lastEventAt: number | null;
  readonly claudeSessionId: string | null;
}
