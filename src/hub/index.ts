/**
 * The live index: the one in-memory picture of every session, fed only by the watcher. Per
 * session it holds the parsed TODO.md, every task file, each agent's latest hook-derived
 * activity, terminal liveness and runtime facts the core reports (terminal handle, dialog,
 * queue length), and diagnostics. Everything the hub reports about a session is read from here;
 * derived views (agent statuses, the session status) are cached and rebuilt only after a change.
 */
import { mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { Emitter } from '../emitter.js';
import { HubError, ErrorCodes } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { parseTask, parseTodo, taskIdFromFileName } from '../protocol/index.js';
import type { Diagnostic, Progress, TaskDoc, TaskStatus, TodoDoc, TodoItem } from '../protocol/types.js';
import type { BackendName, TerminalHandle } from '../terminal/backend.js';
import { eventsDirFor, TODO_FILE } from '../watch/layout.js';
import type { WatcherOptions } from '../watch/options.js';
import type { OwnWriteMark } from '../watch/own-writes.js';
import { chokidarFactory, HubWatcher, type FsWatcherFactory, type HookFileChange, type ProtocolFileChange, type WatchError } from '../watch/watcher.js';
import { sessionDiagnostics } from './diagnostics.js';
import { HookTail } from './events.js';
import { routeTaskChange, type NudgeRequest } from './routing.js';
import { activityOf, byUrgency, deriveAgentStatus, statusLineIn, type Activity } from './status.js';
import type { AgentStatus, AgentView, HookEvent, PendingPrompt, SessionInfo, SessionStatus, TaskSummary } from './types.js';

export type { NudgeRequest } from './routing.js';

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
}

interface TaskEntry {
  readonly doc: TaskDoc;
  readonly statusLine: number;
  readonly assigneeLine: number;
}

interface AgentHooks {
  latest: Activity | null;
  lastEventAt: number | null;
  claudeSessionId: string | null;
}

interface TailSlot {
  readonly tail: HookTail;
  running: Promise<void> | null;
  dirty: boolean;
}

/** Tasks and TODO items per agent: rebuilt only when files change. */
interface AgentTasks {
  readonly docs: TaskDoc[];
  /** Line of each task's `status:` key, for `why`. */
  readonly statusLines: Map<TaskDoc, number>;
}

interface Grouped {
  readonly tasks: ReadonlyMap<string, AgentTasks>;
  readonly items: ReadonlyMap<string, readonly TodoItem[]>;
}

interface SessionState {
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

/** What the index tells its subscribers (see `onChange`, `onHookEvent`, `onNudge`). */
type IndexEvents = {
  change: [IndexChange];
  hook: [HookEvent];
  nudge: [NudgeRequest];
};

const MAX_KEPT_DIAGNOSTICS = 50;

function lineOfKey(text: string, key: string): number {
  const match = new RegExp(`^${key}\\s*:`, 'm').exec(text);
  if (!match) return 1;
  return text.slice(0, match.index).split('\n').length;
}

function brokenOf(file: string, doc: TaskDoc): BrokenTask {
  const first = doc.diagnostics.find((d) => d.severity === 'error') ?? doc.diagnostics[0];
  return Object.freeze({
    id: taskIdFromFileName(file),
    file,
    line: first?.line ?? 1,
    code: first?.code ?? 'task-missing',
    message: first?.message ?? 'No task could be read from this file.',
    diagnostics: doc.diagnostics,
  });
}

function taskNumber(id: string): number {
  const n = Number(id.slice(id.indexOf('-') + 1));
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

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

function keepLast<T>(list: readonly T[], add: readonly T[]): readonly T[] {
  return add.length === 0 ? list : [...list, ...add].slice(-MAX_KEPT_DIAGNOSTICS);
}

export class LiveIndex {
  readonly #watcher: HubWatcher;
  readonly #stateDir: string | null;
  readonly #backend: BackendName;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #sessions = new Map<string, SessionState>();
  readonly #events: Emitter<IndexEvents>;
  readonly #dirty = new Set<string>();
  #flushQueued = false;
  #closed = false;

  constructor(options: LiveIndexOptions) {
    this.#stateDir = options.stateDir;
    this.#backend = options.defaultBackend ?? 'tmux';
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#events = new Emitter({ name: 'index', logger: this.#logger });
    this.#watcher = new HubWatcher({ logger: this.#logger, ...options.watcher }, options.fsFactory ?? chokidarFactory);
    this.#watcher.on('file', (change) => this.#onFile(change));
    this.#watcher.on('hooks', (change) => this.#onHooks(change));
    this.#watcher.on('error', (error) => this.#onWatchError(error));
  }

  // ── sessions ────────────────────────────────────────────────────────────────────────────

  /**
   * Starts watching a session and loads its current files and hook history. Resolves when the
   * index reflects them. Throws ALREADY_EXISTS for a known id.
   */
  async addSession(spec: SessionSpec): Promise<SessionInfo> {
    if (this.#closed) throw new HubError(ErrorCodes.INTERNAL, 'The live index is closed.');
    if (this.#sessions.has(spec.id)) throw new HubError(ErrorCodes.ALREADY_EXISTS, `Session ${spec.id} is already in the index.`, { data: { session: spec.id } });
    const eventsDir = spec.eventsDir !== undefined ? spec.eventsDir : this.#stateDir === null ? null : eventsDirFor(this.#stateDir, spec.id);
    if (eventsDir !== null) await mkdir(eventsDir, { recursive: true, mode: 0o700 });
    const agents = new Map(spec.agents.map((a) => [a.name, a] as const));
    const state: SessionState = {
      info: Object.freeze({ id: spec.id, name: spec.name, root: spec.root, createdAt: spec.createdAt ?? new Date(this.#now()).toISOString(), agents: [...agents.keys()] }),
      discover: spec.discoverAgents ?? false,
      agentsKnown: !(spec.discoverAgents ?? false) && (spec.agentsKnown ?? true),
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
    this.#sessions.set(spec.id, state);
    try {
      await this.#watcher.add({ id: spec.id, root: spec.root, eventsDir });
      await this.#tailsIdle(state);
    } catch (error) {
      this.#sessions.delete(spec.id);
      await this.#watcher.remove(spec.id);
      throw error;
    }
    state.loading = false;
    this.#markDirty(spec.id, 'files');
    this.#emit({ kind: 'sessions' });
    return state.info;
  }

  /** Stops watching a session and forgets it. Unknown ids are ignored. */
  async removeSession(sessionId: string): Promise<void> {
    if (!this.#sessions.delete(sessionId)) return;
    this.#dirty.delete(sessionId);
    await this.#watcher.remove(sessionId);
    this.#emit({ kind: 'sessions' });
  }

  /** Replaces a session's agent list (order kept). Runtime facts of removed agents are dropped. */
  setAgents(sessionId: string, agents: readonly AgentSpec[]): void {
    const state = this.#state(sessionId);
    state.agents.clear();
    for (const agent of agents) state.agents.set(agent.name, agent);
    for (const name of [...state.runtime.keys()]) if (!state.agents.has(name)) state.runtime.delete(name);
    this.#parseTodo(state);
    state.info = Object.freeze({ ...state.info, agents: [...state.agents.keys()] });
    this.#markDirty(sessionId, 'files');
    this.#emit({ kind: 'sessions' });
  }

  /**
   * The core started a new `claude` process for the agent (create, new conversation, resume):
   * it is `starting` until that process's first hook event, whatever the previous process's
   * last event said. (Not for re-attaching to a living terminal after a hub restart.)
   */
  markLaunched(sessionId: string, agent: string): void {
    const state = this.#state(sessionId);
    const hooks = state.hooks.get(agent);
    if (hooks) hooks.latest = null;
    this.#markDirty(sessionId, 'activity');
  }

  /** The terminal backend's word on whether the agent's pane/tab lives (false → `exited`). */
  setTerminalAlive(sessionId: string, agent: string, alive: boolean | null): void {
    this.setAgentRuntime(sessionId, agent, { terminalAlive: alive });
  }

  /**
   * Records what the core knows about an agent's terminal, dialog and queue. Reporting the same
   * facts again (periodic liveness checks) changes nothing and notifies nobody.
   */
  setAgentRuntime(sessionId: string, agent: string, patch: Partial<AgentRuntime>): void {
    const state = this.#state(sessionId);
    const before = state.runtime.get(agent) ?? { backend: this.#backend, terminal: null, terminalAlive: null, pendingPrompt: null, queuedMessages: 0 };
    const after: AgentRuntime = Object.freeze({ ...before, ...patch });
    if (state.runtime.has(agent) && sameRuntime(before, after)) return;
    state.runtime.set(agent, after);
    this.#markDirty(sessionId, 'activity');
  }

  /** Every session in the index, in the order they were added. */
  sessions(): readonly SessionInfo[] {
    return [...this.#sessions.values()].map((s) => s.info);
  }

  /** One session; SESSION_NOT_FOUND when the index does not have it. */
  session(sessionId: string): SessionInfo {
    return this.#state(sessionId).info;
  }

  /** The session whose root contains `path` (absolute), or null. */
  sessionForPath(path: string): SessionInfo | null {
    for (const state of this.#sessions.values()) {
      if (path === state.info.root || path.startsWith(state.info.root.endsWith('/') ? state.info.root : state.info.root + '/')) return state.info;
    }
    return null;
  }

  // ── reads (cached) ──────────────────────────────────────────────────────────────────────

  /** The whole live status of a session. Cached: O(1) until something in the session changes. */
  sessionStatus(sessionId: string): SessionStatus {
    const state = this.#state(sessionId);
    if (state.status) return state.status;
    const views = this.#views(state);
    const summaries = this.#summaries(state);
    const byStatus: Partial<Record<TaskStatus, number>> = {};
    for (const t of summaries) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
    const todo = state.todo;
    state.status = Object.freeze({
      session: state.info,
      agents: [...views.values()],
      todo: {
        done: todo?.progress.done ?? 0,
        total: todo?.progress.total ?? 0,
        sections: (todo?.sections ?? []).map((s) => ({ title: s.title, agent: s.agent, done: s.progress.done, total: s.progress.total })),
      },
      tasks: { total: summaries.length, byStatus, items: byUrgency(summaries) },
      diagnostics: this.#diagnostics(state),
    });
    return state.status;
  }

  /** One agent's view; AGENT_NOT_FOUND when the session has no such agent. */
  agentView(sessionId: string, agent: string): AgentView {
    const view = this.#views(this.#state(sessionId)).get(agent);
    if (!view) throw new HubError(ErrorCodes.AGENT_NOT_FOUND, `Session ${sessionId} has no agent ${agent}.`, { data: { session: sessionId, agent } });
    return view;
  }

  /** Every valid task of a session, by id number. */
  tasks(sessionId: string): readonly TaskSummary[] {
    return this.#summaries(this.#state(sessionId));
  }

  /** Task files that do not parse, by file name: listed with their diagnostics, never dropped. */
  brokenTasks(sessionId: string): readonly BrokenTask[] {
    const state = this.#state(sessionId);
    if (state.broken) return state.broken;
    const out: BrokenTask[] = [];
    for (const file of [...state.tasks.keys()].sort()) {
      const entry = state.tasks.get(file);
      if (entry && entry.doc.task === null) out.push(brokenOf(file, entry.doc));
    }
    state.broken = Object.freeze(out);
    return state.broken;
  }

  /** The broken file whose name carries `taskId`, unless a valid file has that id. */
  brokenTask(sessionId: string, taskId: string): BrokenTask | null {
    if (this.task(sessionId, taskId) !== null) return null;
    return this.brokenTasks(sessionId).find((b) => b.id === taskId) ?? null;
  }

  /** One task (its summary and parse), or null. With duplicate ids, the first file by name. */
  task(sessionId: string, taskId: string): IndexedTask | null {
    return this.#byId(this.#state(sessionId)).get(taskId) ?? null;
  }

  /** The parsed TODO.md, or null when the session has none. */
  todo(sessionId: string): TodoDoc | null {
    return this.#state(sessionId).todo;
  }

  /**
   * The status of `agent` in whichever session has it (agent names are unique across the hub),
   * or null. With `onStatusChange` this is the status source delivery needs.
   */
  getStatus(agent: string): AgentStatus | null {
    for (const state of this.#sessions.values()) {
      if (state.agents.has(agent)) return this.#views(state).get(agent)?.status ?? null;
    }
    return null;
  }

  /** Every change of an agent's derived status. Returns an unsubscribe function. */
  onStatusChange(listener: (agent: string, status: AgentStatus, session: string) => void): () => void {
    return this.onChange((change) => {
      if (change.kind === 'agent') listener(change.agent, change.status, change.session);
    });
  }

  /** The latest status-bearing hook activity of an agent (for delivery: is it idle?). */
  agentActivity(sessionId: string, agent: string): { readonly latest: Activity | null; readonly lastEventAt: number | null; readonly claudeSessionId: string | null } {
    const hooks = this.#state(sessionId).hooks.get(agent);
    return { latest: hooks?.latest ?? null, lastEventAt: hooks?.lastEventAt ?? null, claudeSessionId: hooks?.claudeSessionId ?? null };
  }

  // ── the hub's own writes ────────────────────────────────────────────────────────────────

  /**
   * The hub is about to write `hash` (hex md5/sha1/sha256 of the text) to `path`: pass as P's
   * `updateProtocolFile(..., {beforeWrite})`. The write is still indexed when it lands (the
   * index is the one truth); with `routed: true` routing stays quiet for it because the hub
   * nudges the agent itself (e.g. send_message_to_agent).
   */
  expectOwnWrite(path: string, hash: string, mark: OwnWriteMark = { routed: false }): void {
    this.#watcher.expectOwnWrite(path, hash, mark);
  }

  /**
   * Marks the change that writes `hash` to `path` as already routed: no nudge for it (or, with
   * `onlyFor`, none to those agents; others a concurrent edit addressed are still nudged).
   */
  markRouted(path: string, hash: string, onlyFor?: readonly string[]): void {
    this.#watcher.expectOwnWrite(path, hash, onlyFor === undefined ? { routed: true } : { routed: true, onlyFor });
  }

  /** Reads a TODO.md or task file now and resolves once the index reflects it (read-your-writes). */
  async reflect(path: string): Promise<void> {
    await this.#watcher.reflect(path);
    this.#flush();
  }

  // ── listeners ───────────────────────────────────────────────────────────────────────────

  /** Every change, as it happens. Returns an unsubscribe function. */
  onChange(listener: (change: IndexChange) => void): () => void {
    return this.#events.on('change', listener);
  }

  /** Every hook event as it is read (delivery confirms by UserPromptSubmit). Not for history. */
  onHookEvent(listener: (event: HookEvent) => void): () => void {
    return this.#events.on('hook', listener);
  }

  /** A task change that gives an agent something to do: deliver a nudge (once per request). */
  onNudge(listener: (nudge: NudgeRequest) => void): () => void {
    return this.#events.on('nudge', listener);
  }

  /** Resolves when every event seen so far is in the index and its changes were emitted. */
  async whenSettled(): Promise<void> {
    for (;;) {
      await this.#watcher.whenIdle();
      const busy = [...this.#sessions.values()].flatMap((s) => [...s.tails.values()].filter((t) => t.running).map((t) => t.running));
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    this.#flush();
  }

  /** Forces the stat-only rescan now (it also runs on a timer). */
  async rescan(): Promise<void> {
    await this.#watcher.rescan();
    await this.whenSettled();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watcher.close();
    this.#sessions.clear();
    this.#events.clear();
  }

  // ── ingest ──────────────────────────────────────────────────────────────────────────────

  #onFile(change: ProtocolFileChange): void {
    const state = this.#sessions.get(change.session);
    if (!state) return;
    state.watchDiagnostics = state.watchDiagnostics.filter((d) => d.file !== change.relPath);
    if (change.kind === 'todo') {
      state.todoText = change.text;
      this.#parseTodo(state);
      if (state.discover && state.todo) for (const name of Object.keys(state.todo.byAgent)) this.#discover(state, name, false);
      this.#markDirty(change.session, 'files');
      if (!state.loading) this.#emit({ kind: 'todo', session: change.session });
      return;
    }
    const previous = state.tasks.get(change.relPath) ?? null;
    let next: TaskEntry | null = null;
    if (change.text === null) state.tasks.delete(change.relPath);
    else {
      next = { doc: parseTask(change.text, change.relPath), statusLine: statusLineIn(change.text), assigneeLine: lineOfKey(change.text, 'assignee') };
      state.tasks.set(change.relPath, next);
      const assignee = next.doc.task?.assignee;
      if (state.discover && assignee) this.#discover(state, assignee, true);
    }
    state.summaries = null;
    state.byId = null;
    this.#markDirty(change.session, 'files');
    state.broken = null;
    const taskId = next?.doc.task?.id ?? previous?.doc.task?.id ?? taskIdFromFileName(change.relPath) ?? basename(change.relPath, '.md');
    const valid = (entry: TaskEntry | null): boolean => entry !== null && entry.doc.task !== null;
    const kind = next === null ? 'removed' : !valid(next) ? 'broken' : previous === null ? 'added' : 'changed';
    if (state.loading) return;
    const broken = kind === 'broken' && next !== null ? brokenOf(change.relPath, next.doc) : null;
    this.#emit({ kind: 'task', session: change.session, taskId, file: change.relPath, change: kind, ...(broken === null ? {} : { diagnostic: broken.diagnostics[0] ?? { file: broken.file, line: broken.line, severity: 'error', code: broken.code, message: broken.message } }) });
    // The set of valid tasks (list_tasks, the task resources) changed.
    if (valid(previous) !== valid(next) || previous === null || next === null) this.#emit({ kind: 'tasks', session: change.session });
    if (change.cause === 'initial') return;
    const quiet = change.own?.routed ? (change.own.onlyFor ?? null) : [];
    if (quiet !== null) this.#route(state, change.relPath, previous?.doc ?? null, next?.doc ?? null, quiet);
  }

  /** Emits the nudges of one task change, except to agents in `quiet` (the hub nudges those itself). */
  #route(state: SessionState, file: string, previous: TaskDoc | null, next: TaskDoc | null, quiet: readonly string[]): void {
    for (const nudge of routeTaskChange(state.info.id, file, previous, next)) {
      if (quiet.includes(nudge.agent)) continue;
      if (!state.discover && !state.agents.has(nudge.agent)) continue;
      this.#events.emit('nudge', nudge);
    }
  }

  #onHooks(change: HookFileChange): void {
    const state = this.#sessions.get(change.session);
    if (!state) return;
    let slot = state.tails.get(change.path);
    if (!slot) {
      slot = { tail: new HookTail(change.path, change.session, change.agent, { file: basename(change.path) }), running: null, dirty: false };
      state.tails.set(change.path, slot);
    }
    if (state.discover) this.#discover(state, change.agent, true);
    this.#pump(state, slot);
  }

  /** One read per tail at a time; events that arrive meanwhile cause one more read. */
  #pump(state: SessionState, slot: TailSlot): void {
    if (slot.running) {
      slot.dirty = true;
      return;
    }
    slot.running = (async () => {
      do {
        slot.dirty = false;
        try {
          const { events, diagnostics } = await slot.tail.read(this.#now);
          if (this.#sessions.get(state.info.id) !== state) return;
          if (diagnostics.length > 0) state.hookDiagnostics = keepLast(state.hookDiagnostics, diagnostics);
          for (const event of events) this.#ingestHook(state, event);
          if (diagnostics.length > 0) this.#markDirty(state.info.id, 'files');
          else if (events.length > 0) this.#markDirty(state.info.id, 'activity');
        } catch (error) {
          this.#logger.warn('hook file unreadable', { path: slot.tail.path, message: (error as Error).message });
        }
      } while (slot.dirty);
    })().finally(() => {
      slot.running = null;
    });
  }

  #ingestHook(state: SessionState, event: HookEvent): void {
    const hooks = state.hooks.get(event.agent) ?? { latest: null, lastEventAt: null, claudeSessionId: null };
    state.hooks.set(event.agent, hooks);
    hooks.lastEventAt = event.receivedAt;
    if (event.claudeSessionId) hooks.claudeSessionId = event.claudeSessionId;
    const activity = activityOf(event.event, event.payload, event.receivedAt);
    if (activity) hooks.latest = activity;
    if (state.loading) return;
    this.#events.emit('hook', event);
  }

  #onWatchError(error: WatchError): void {
    if (error.session === null) return;
    const state = this.#sessions.get(error.session);
    if (!state) return;
    const file = error.path === null ? state.info.root : error.path.startsWith(state.info.root + '/') ? error.path.slice(state.info.root.length + 1) : error.path;
    state.watchDiagnostics = keepLast(
      state.watchDiagnostics.filter((d) => d.file !== file),
      [{ file, line: 1, severity: 'error', code: error.error.code === ErrorCodes.TOO_LARGE ? 'file-too-large' : 'file-unreadable', message: error.error.message }],
    );
    this.#markDirty(error.session, 'files');
  }

  #discover(state: SessionState, name: string, reparseTodo: boolean): void {
    if (state.agents.has(name)) return;
    state.agents.set(name, { name, specialization: null });
    state.info = Object.freeze({ ...state.info, agents: [...state.agents.keys()] });
    if (reparseTodo) this.#parseTodo(state);
  }

  /** TODO.md is parsed knowing the agents' names: a heading naming one belongs to it. */
  #parseTodo(state: SessionState): void {
    state.todo = state.todoText === null ? null : parseTodo(state.todoText, TODO_FILE, { agents: [...state.agents.keys()] });
    state.grouped = null;
  }

  // ── derived views ───────────────────────────────────────────────────────────────────────

  /**
   * Drops the cached views of a session. `files`: what the files (or the agent list, or
   * diagnostics) say changed; `activity`: only hook events or runtime facts did, so the
   * per-file groupings and diagnostics stay valid.
   */
  #markDirty(sessionId: string, scope: 'files' | 'activity'): void {
    const state = this.#sessions.get(sessionId);
    if (!state) return;
    if (scope === 'files') {
      state.grouped = null;
      state.diagnostics = null;
    }
    state.views = null;
    state.status = null;
    if (state.loading) return;
    this.#dirty.add(sessionId);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Emits agent status changes and one `status` change per dirty session. */
  #flush(): void {
    this.#flushQueued = false;
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    for (const id of dirty) {
      const state = this.#sessions.get(id);
      if (!state) continue;
      const views = this.#views(state);
      const seen = new Map<string, AgentStatus>();
      for (const view of views.values()) {
        const previous = state.lastStatuses.get(view.name) ?? null;
        seen.set(view.name, view.status);
        if (previous !== view.status) {
          this.#emit({ kind: 'agent', session: id, agent: view.name, status: view.status, previous, why: view.why, progress: view.progress, currentTask: view.currentTask });
        }
      }
      state.lastStatuses = seen;
      this.#emit({ kind: 'status', session: id });
    }
  }

  #grouped(state: SessionState): Grouped {
    if (state.grouped) return state.grouped;
    const tasks = new Map<string, AgentTasks>();
    for (const entry of state.tasks.values()) {
      const assignee = entry.doc.task?.assignee;
      if (!assignee) continue;
      let mine = tasks.get(assignee);
      if (!mine) tasks.set(assignee, (mine = { docs: [], statusLines: new Map() }));
      mine.docs.push(entry.doc);
      mine.statusLines.set(entry.doc, entry.statusLine);
    }
    const items = new Map<string, TodoItem[]>();
    for (const item of state.todo?.items ?? []) {
      if (!item.assignee) continue;
      const list = items.get(item.assignee) ?? [];
      list.push(item);
      items.set(item.assignee, list);
    }
    state.grouped = { tasks, items };
    return state.grouped;
  }

  #views(state: SessionState): ReadonlyMap<string, AgentView> {
    if (state.views) return state.views;
    const grouped = this.#grouped(state);
    const views = new Map<string, AgentView>();
    for (const agent of state.agents.values()) {
      const mine = grouped.tasks.get(agent.name);
      const hooks = state.hooks.get(agent.name);
      const runtime = state.runtime.get(agent.name);
      const derived = deriveAgentStatus(
        {
          latest: hooks?.latest ?? null,
          lastEventAt: hooks?.lastEventAt ?? null,
          terminalAlive: runtime?.terminalAlive ?? null,
          pendingPrompt: runtime?.pendingPrompt ?? null,
          tasks: mine?.docs ?? [],
          todoItems: grouped.items.get(agent.name) ?? [],
          todoFile: TODO_FILE,
        },
        (doc) => mine?.statusLines.get(doc) ?? 1,
      );
      views.set(
        agent.name,
        Object.freeze({
          name: agent.name,
          session: state.info.id,
          ...derived,
          specialization: agent.specialization,
          claudeSessionId: hooks?.claudeSessionId ?? null,
          backend: runtime?.backend ?? this.#backend,
          terminal: runtime?.terminal ?? null,
          pendingPrompt: runtime?.pendingPrompt ?? null,
          queuedMessages: runtime?.queuedMessages ?? 0,
        }),
      );
    }
    state.views = views;
    return views;
  }

  #byId(state: SessionState): ReadonlyMap<string, IndexedTask> {
    if (state.byId) return state.byId;
    const byId = new Map<string, IndexedTask>();
    const files = [...state.tasks.keys()].sort();
    for (const file of files) {
      const entry = state.tasks.get(file);
      const task = entry?.doc.task;
      if (!entry || !task || byId.has(task.id)) continue;
      byId.set(
        task.id,
        Object.freeze({
          doc: entry.doc,
          summary: Object.freeze({
            id: task.id,
            title: task.title,
            status: task.status,
            priority: task.priority,
            assignee: task.assignee,
            from: task.from,
            progress: entry.doc.progress,
            file,
            updated: task.updated,
          }),
        }),
      );
    }
    state.byId = byId;
    return byId;
  }

  #summaries(state: SessionState): readonly TaskSummary[] {
    if (state.summaries) return state.summaries;
    state.summaries = Object.freeze([...this.#byId(state).values()].map((t) => t.summary).sort((a, b) => taskNumber(a.id) - taskNumber(b.id)));
    return state.summaries;
  }

  #diagnostics(state: SessionState): readonly Diagnostic[] {
    state.diagnostics ??= sessionDiagnostics({
      todo: state.todo,
      tasks: state.tasks,
      agents: state.agentsKnown ? new Set(state.agents.keys()) : null,
      watch: state.watchDiagnostics,
      hooks: state.hookDiagnostics,
    });
    return state.diagnostics;
  }

  // ── plumbing ────────────────────────────────────────────────────────────────────────────

  #state(sessionId: string): SessionState {
    const state = this.#sessions.get(sessionId);
    if (!state) throw new HubError(ErrorCodes.SESSION_NOT_FOUND, `No session ${sessionId} in the index; list sessions to see the ids.`, { data: { session: sessionId } });
    return state;
  }

  async #tailsIdle(state: SessionState): Promise<void> {
    for (;;) {
      const busy = [...state.tails.values()].map((t) => t.running).filter((p) => p !== null);
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }

  #emit(change: IndexChange): void {
    this.#events.emit('change', change);
  }
}
