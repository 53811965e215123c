/**
 * What the live index holds per session, and the caches derived from it. Internal to the index
 * (hub/index.ts and the modules it is split into): callers see only index-types.ts. Every
 * cache field is null until read and dropped by `dropViews` when what it derives from changes.
 */
import { parseTodo } from '../protocol/index.js';
import type { Diagnostic, TaskDoc, TodoDoc, TodoItem } from '../protocol/types.js';
import { TODO_FILE } from '../watch/layout.js';
import type { HookTail } from './events.js';
import type { BackendName } from '../terminal/backend.js';
import type { AgentRuntime, AgentSpec, BrokenTask, IndexedTask, SessionSpec } from './index-types.js';
import type { Activity } from './status.js';
import { UsageLedger, type LedgerSnapshot } from '../usage/ledger.js';
import type { PriceTable } from '../usage/prices.js';
import type { TranscriptCursor, TranscriptTail } from '../usage/transcript.js';
import type { AgentStatus, AgentView, LimitView, SessionInfo, SessionStatus, TaskSummary } from './types.js';

export interface TaskEntry {
  readonly doc: TaskDoc;
  readonly statusLine: number;
  readonly assigneeLine: number;
}

export interface AgentHooks {
  latest: Activity | null;
  /** What `latest` was before a SessionEnd: taken back if that SessionEnd turns out stale (see LiveIndex.setTerminalAlive). */
  beforeEnd?: Activity | null;
  lastEventAt: number | null;
  claudeSessionId: string | null;
  /** The last tool a PreToolUse/PostToolUse named (for `stuck`). */
  lastTool?: string | null;
}

/** One agent's transcript being read (usage/transcript.ts); replaced when its path changes. */
export interface TranscriptSlot {
  readonly tail: TranscriptTail;
  /** The Claude session id the transcript belongs to: lines of another are not counted. */
  readonly claudeSessionId: string;
  running: Promise<void> | null;
  dirty: boolean;
}

/** A transcript cursor as saved, with the conversation it belongs to. */
export interface SavedCursor extends TranscriptCursor {
  readonly claudeSessionId: string;
}

/** What a restarted hub gives a session back: its ledger and where each transcript was read to. */
export interface UsageSeed {
  readonly ledger: LedgerSnapshot;
  readonly cursors: Readonly<Record<string, SavedCursor>>;
}

export interface TailSlot {
  readonly tail: HookTail;
  running: Promise<void> | null;
  dirty: boolean;
}

/** Tasks and TODO items per agent: rebuilt only when files change. */
export interface AgentTasks {
  readonly docs: TaskDoc[];
  /** Line of each task's `status:` key, for `why`. */
  readonly statusLines: Map<TaskDoc, number>;
}

export interface Grouped {
  readonly tasks: ReadonlyMap<string, AgentTasks>;
  readonly items: ReadonlyMap<string, readonly TodoItem[]>;
}

export interface SessionState {
  info: SessionInfo;
  readonly discover: boolean;
  /** See SessionSpec.agentsKnown. */
  readonly agentsKnown: boolean;
  readonly agents: Map<string, AgentSpec>;
  todo: TodoDoc | null;
  /** TODO.md as last settled (re-parsed when the agent list changes). */
  todoText: string | null;
  readonly tasks: Map<string, TaskEntry>;
  readonly hooks: Map<string, AgentHooks>;
  readonly tails: Map<string, TailSlot>;
  readonly runtime: Map<string, AgentRuntime>;
  readonly usage: UsageLedger;
  readonly transcripts: Map<string, TranscriptSlot>;
  /** Cursors restored from the state, taken when the agent's transcript is first met again. */
  readonly savedCursors: Map<string, SavedCursor>;
  /** Transcript paths refused (one diagnostic each). */
  readonly refusedTranscripts: Set<string>;
  /** The hub's limit hold and this session's budget (set by the core; shown in the status). */
  limit: LimitView | null;
  budget: { readonly usd: number | null; readonly tokens: number | null } | null;
  /** The index's clock and stuck threshold (views derive `stuck` from them). */
  readonly now: () => number;
  readonly stuckMs: number;
  hookDiagnostics: readonly Diagnostic[];
  watchDiagnostics: readonly Diagnostic[];
  loading: boolean;
  views: ReadonlyMap<string, AgentView> | null;
  status: SessionStatus | null;
  summaries: readonly TaskSummary[] | null;
  byId: ReadonlyMap<string, IndexedTask> | null;
  broken: readonly BrokenTask[] | null;
  grouped: Grouped | null;
  diagnostics: readonly Diagnostic[] | null;
  lastStatuses: Map<string, AgentStatus>;
}

const MAX_KEPT_DIAGNOSTICS = 50;

/** A new session's state, still loading (no change is emitted until its first scan is in). */
export function newSessionState(spec: SessionSpec, clock: { readonly now: () => number; readonly stuckMs: number }, prices: PriceTable): SessionState {
  const now = clock.now();
  const agents = new Map(spec.agents.map((a) => [a.name, a] as const));
  const discover = spec.discoverAgents ?? false;
  return {
    info: Object.freeze({
      id: spec.id,
      name: spec.name,
      root: spec.root,
      createdAt: spec.createdAt ?? new Date(now).toISOString(),
      agents: [...agents.keys()],
    }),
    discover,
    agentsKnown: !discover && (spec.agentsKnown ?? true),
    agents,
    todo: null,
    todoText: null,
    tasks: new Map(),
    hooks: new Map(),
    tails: new Map(),
    runtime: new Map(),
    usage: new UsageLedger(prices, spec.usage?.ledger ?? null),
    transcripts: new Map(),
    savedCursors: new Map(Object.entries(spec.usage?.cursors ?? {})),
    refusedTranscripts: new Set(),
    limit: null,
    budget: null,
    now: clock.now,
    stuckMs: clock.stuckMs,
    hookDiagnostics: [],
    watchDiagnostics: [],
    loading: true,
    views: null,
    status: null,
    summaries: null,
    byId: null,
    broken: null,
    grouped: null,
    diagnostics: null,
    lastStatuses: new Map(),
  };
}

/**
 * Drops the cached views of a session. `files`: what the files (or the agent list, or
 * diagnostics) say changed; `activity`: only hook events or runtime facts did, so the
 * per-file groupings and diagnostics stay valid.
 */
export function dropViews(state: SessionState, scope: 'files' | 'activity'): void {
  if (scope === 'files') {
    state.grouped = null;
    state.diagnostics = null;
  }
  state.views = null;
  state.status = null;
}

/** The line of `key:` in a task file's front matter (1 when absent), for diagnostics. */
export function lineOfKey(text: string, key: string): number {
  const match = new RegExp(`^${key}\\s*:`, 'm').exec(text);
  if (!match) return 1;
  return text.slice(0, match.index).split('\n').length;
}

/** Appends, keeping the latest few: a hook file full of bad lines must not grow the status. */
export function keepLast<T>(list: readonly T[], add: readonly T[]): readonly T[] {
  return add.length === 0 ? list : [...list, ...add].slice(-MAX_KEPT_DIAGNOSTICS);
}

/** Replaces the agent list (order kept); runtime facts of removed agents are dropped. */
export function replaceAgents(state: SessionState, agents: readonly AgentSpec[]): void {
  state.agents.clear();
  for (const agent of agents) state.agents.set(agent.name, agent);
  for (const name of [...state.runtime.keys()]) if (!state.agents.has(name)) state.runtime.delete(name);
  parseSessionTodo(state);
  state.info = Object.freeze({ ...state.info, agents: [...state.agents.keys()] });
}

/** Records runtime facts about an agent; false when they say what was known already. */
export function applyRuntime(state: SessionState, agent: string, patch: Partial<AgentRuntime>, defaultBackend: BackendName): boolean {
  const before = state.runtime.get(agent) ?? { backend: defaultBackend, terminal: null, terminalAlive: null, pendingPrompt: null, queuedMessages: 0 };
  const after: AgentRuntime = Object.freeze({ ...before, ...patch });
  if (state.runtime.has(agent) && sameRuntime(before, after)) return false;
  state.runtime.set(agent, after);
  return true;
}

/** Whether two runtime reports say the same (a periodic liveness check then changes nothing). */
function sameRuntime(a: AgentRuntime, b: AgentRuntime): boolean {
  return (
    a.backend === b.backend &&
    a.terminalAlive === b.terminalAlive &&
    a.queuedMessages === b.queuedMessages &&
    a.terminal?.id === b.terminal?.id &&
    a.terminal?.backend === b.terminal?.backend &&
    JSON.stringify(a.pendingPrompt) === JSON.stringify(b.pendingPrompt)
  );
}

/** TODO.md is parsed knowing the agents' names: a heading naming one belongs to it. */
export function parseSessionTodo(state: SessionState): void {
  state.todo = state.todoText === null ? null : parseTodo(state.todoText, TODO_FILE, { agents: [...state.agents.keys()] });
  state.grouped = null;
}

/** A session that discovers its agents takes a name it meets in the files or hook files. */
export function discoverAgent(state: SessionState, name: string, reparseTodo: boolean): void {
  if (state.agents.has(name)) return;
  state.agents.set(name, { name, specialization: null });
  state.info = Object.freeze({ ...state.info, agents: [...state.agents.keys()] });
  if (reparseTodo) parseSessionTodo(state);
}

/** How long after a SessionEnd a terminal may still run before that SessionEnd counts as stale. */
export const STALE_SESSION_END_MS = 3000;

/**
 * The agent's terminal runs: a SessionEnd well before now was not this process's end (a process
 * killed with its tmux server can run its SessionEnd hook after the next process in the agent's
 * new terminal has started, seen under load). What came before it counts again. Claude Code's
 * own exit leaves a dead pane, which the liveness check reports as not alive. True if changed.
 */
export function dropStaleSessionEnd(state: SessionState, agent: string, now: number): boolean {
  const hooks = state.hooks.get(agent);
  if (hooks?.latest?.event !== 'SessionEnd' || now - hooks.latest.at < STALE_SESSION_END_MS) return false;
  hooks.latest = hooks.beforeEnd ?? null;
  hooks.beforeEnd = null;
  return true;
}
