/**
 * What the live index holds per session, and the caches derived from it. Internal to the index
 * (hub/index.ts and the modules it is split into): callers see only index-types.ts. Every
 * cache field is null until read and dropped by `dropViews` when what it derives from changes.
 */
import { parseTodo } from '../protocol/index.js';
import type { Diagnostic, TaskDoc, TodoDoc, TodoItem } from '../protocol/types.js';
import { TODO_FILE } from '../watch/layout.js';
import type { HookTail } from './events.js';
import type { AgentRuntime, AgentSpec, BrokenTask, IndexedTask } from './index-types.js';
import type { Activity } from './status.js';
import type { AgentStatus, AgentView, SessionInfo, SessionStatus, TaskSummary } from './types.js';

export interface TaskEntry {
  readonly doc: TaskDoc;
  readonly statusLine: number;
  readonly assigneeLine: number;
}

export interface AgentHooks {
  latest: Activity | null;
  lastEventAt: number | null;
  claudeSessionId: string | null;
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
export function newSessionState(info: SessionInfo, agents: Map<string, AgentSpec>, options: { readonly discover: boolean; readonly agentsKnown: boolean }): SessionState {
  return {
    info,
    discover: options.discover,
    agentsKnown: options.agentsKnown,
    agents,
    todo: null,
    todoText: null,
    tasks: new Map(),
    hooks: new Map(),
    tails: new Map(),
    runtime: new Map(),
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

/** Whether two runtime reports say the same (a periodic liveness check then changes nothing). */
export function sameRuntime(a: AgentRuntime, b: AgentRuntime): boolean {
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
