/**
 * The live index: the one in-memory picture of every session, fed only by the watcher. Per
 * session it holds the parsed TODO.md, every task file, each agent's latest hook-derived
 * activity, terminal liveness and runtime facts the core reports (terminal handle, dialog,
 * queue length), and diagnostics. Everything the hub reports about a session is read from here;
 * derived views (agent statuses, the session status) are cached and rebuilt only after a change.
 *
 * This file is the facade (sessions in and out, reads, the hub's own writes, subscriptions);
 * the work is in: index-types.ts (the vocabulary callers see), session-state.ts (what is held
 * per session), index-ingest.ts (watcher reports applied to it), session-views.ts (the cached
 * views), diagnostics.ts (the one list of problems, shared with `claude-hub status`) and
 * index-flush.ts (one notification per burst of changes).
 */
import { mkdir } from 'node:fs/promises';
import { Emitter } from '../emitter.js';
import { HubError, ErrorCodes } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { TodoDoc } from '../protocol/types.js';
import type { BackendName } from '../terminal/backend.js';
import { eventsDirFor } from '../watch/layout.js';
import type { OwnWriteMark } from '../watch/own-writes.js';
import { chokidarFactory, HubWatcher } from '../watch/watcher.js';
import { ChangeFlush } from './index-flush.js';
import { feedFromWatcher, tailsIdle, type IngestSink } from './index-ingest.js';
import { pollTranscript, transcriptCursors } from './usage-ingest.js';
import { loadPriceTable, type PriceTable } from '../usage/prices.js';
import { DEFAULT_STUCK_MS } from './status.js';
import type { UsageSeed } from './session-state.js';

/** A working agent quiet for this long has its transcript read on the tick (an Esc leaves no hook event). */
const QUIET_MS = 1500;
/** After an agent's latest hook event, its transcript is read again on each tick for this long. */
const SETTLE_MS = 20_000;
import type { AgentActivity, AgentRuntime, AgentSpec, BrokenTask, IndexChange, IndexedTask } from './index-types.js';
import type { IndexEvents, LiveIndexOptions, SessionSpec } from './index-types.js';
import type { NudgeRequest } from './routing.js';
import { applyRuntime, dropStaleSessionEnd, newSessionState, replaceAgents, type SessionState } from './session-state.js';
import { activityOf, agentViews, brokenTasksOf, sessionStatusOf, taskSummaries, tasksById } from './session-views.js';
import type { AgentStatus, AgentView, HookEvent, LimitView, SessionInfo, SessionStatus, TaskSummary } from './types.js';

export type { AgentActivity, AgentRuntime, AgentSpec, BrokenTask, IndexChange, IndexedTask, LiveIndexOptions, SessionSpec } from './index-types.js';
export type { NudgeRequest } from './routing.js';
export type { UsageSeed } from './session-state.js';

export class LiveIndex {
  readonly #watcher: HubWatcher;
  readonly #stateDir: string | null;
  readonly #backend: BackendName;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #sessions = new Map<string, SessionState>();
  readonly #events: Emitter<IndexEvents>;
  readonly #flush: ChangeFlush;
  readonly #prices: PriceTable;
  readonly #stuckMs: number;
  readonly #ticker: NodeJS.Timeout;
  readonly #sink: IngestSink;
  #limit: LimitView | null = null;
  #closed = false;

  constructor(options: LiveIndexOptions) {
    this.#stateDir = options.stateDir;
    this.#backend = options.defaultBackend ?? 'tmux';
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#events = new Emitter({ name: 'index', logger: this.#logger });
    this.#flush = new ChangeFlush(this.#sessions, this.#backend, (change) => this.#emit(change));
    this.#prices = options.prices ?? loadPriceTable();
    this.#stuckMs = options.stuckMs ?? DEFAULT_STUCK_MS;
    this.#watcher = new HubWatcher({ logger: this.#logger, ...options.watcher }, options.fsFactory ?? chokidarFactory);
    const outlets = {
      logger: this.#logger,
      now: this.#now,
      markDirty: (sessionId: string, scope: 'files' | 'activity') => this.#flush.markDirty(sessionId, scope),
      change: (change: IndexChange) => this.#emit(change),
      hook: (event: HookEvent) => this.#events.emit('hook', event),
      nudge: (nudge: NudgeRequest) => this.#events.emit('nudge', nudge),
    };
    this.#sink = { ...outlets, isCurrent: (state) => this.#sessions.get(state.info.id) === state };
    feedFromWatcher(this.#watcher, this.#sessions, outlets);
    this.#ticker = setInterval(() => this.tick(), options.tickMs ?? 2000);
    this.#ticker.unref();
  }

  /**
   * Looks at agents the hooks say are working but that have been quiet: their transcript may
   * say the turn was interrupted or ended on an API error, and past the stuck threshold their
   * status becomes `stuck` (a flip notifies like any change). Runs on a timer; callable in tests.
   */
  tick(): void {
    const now = this.#now();
    for (const state of this.#sessions.values()) {
      if (state.loading) continue;
      let flip = false;
      for (const [agent, hooks] of state.hooks) {
        if (hooks.lastEventAt === null) continue;
        const quiet = now - hooks.lastEventAt;
        if (hooks.latest?.status !== 'working') {
          // Claude Code may write a turn's last transcript lines just after its Stop hook ran.
          if (quiet < SETTLE_MS) pollTranscript(this.#sink, state, agent);
          continue;
        }
        if (quiet > QUIET_MS) pollTranscript(this.#sink, state, agent);
        if (quiet > this.#stuckMs !== (state.lastStatuses.get(agent) === 'stuck')) flip = true;
      }
      if (flip) this.#flush.markDirty(state.info.id, 'activity');
    }
  }

  /** The hub's usage-limit hold (hub/limits.ts), shown in every session's status; null: none. */
  setLimit(limit: LimitView | null): void {
    for (const state of this.#sessions.values()) {
      state.limit = limit;
      this.#flush.markDirty(state.info.id, 'activity');
    }
    this.#limit = limit;
  }

  /** A session's budget (null: none), shown in its status with how much is spent. */
  setBudget(sessionId: string, budget: { readonly usd: number | null; readonly tokens: number | null } | null): void {
    const state = this.#state(sessionId);
    state.budget = budget;
    this.#flush.markDirty(sessionId, 'activity');
  }

  /** The session's usage as the state keeps it: the ledger and where each transcript was read to. */
  usageSeed(sessionId: string): UsageSeed {
    const state = this.#state(sessionId);
    return { ledger: state.usage.snapshot(), cursors: transcriptCursors(state) };
  }

  /** Whether every transcript read so far is in (tests, benchmarks). */
  async transcriptsSettled(): Promise<void> {
    for (;;) {
      const running = [...this.#sessions.values()].flatMap((s) => [...s.transcripts.values()].map((t) => t.running)).filter((p) => p !== null);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  // ── sessions ────────────────────────────────────────────────────────────────────────────

  /**
   * Starts watching a session and loads its current files and hook history. Resolves when the
   * index reflects them. Throws ALREADY_EXISTS for a known id.
   */
  async addSession(spec: SessionSpec): Promise<SessionInfo> {
    if (this.#closed) throw new HubError(ErrorCodes.INTERNAL, 'The live index is closed.');
    if (this.#sessions.has(spec.id))
      throw new HubError(ErrorCodes.ALREADY_EXISTS, `Session ${spec.id} is already in the index.`, { data: { session: spec.id } });
    const eventsDir = spec.eventsDir !== undefined ? spec.eventsDir : this.#stateDir === null ? null : eventsDirFor(this.#stateDir, spec.id);
    if (eventsDir !== null) await mkdir(eventsDir, { recursive: true, mode: 0o700 });
    const state = newSessionState(spec, { now: this.#now, stuckMs: this.#stuckMs }, this.#prices);
    state.limit = this.#limit;
    state.budget = spec.budget ?? null;
    this.#sessions.set(spec.id, state);
    try {
      await this.#watcher.add({ id: spec.id, root: spec.root, eventsDir });
      await tailsIdle(state);
    } catch (error) {
      this.#sessions.delete(spec.id);
      await this.#watcher.remove(spec.id);
      throw error;
    }
    state.loading = false;
    this.#flush.markDirty(spec.id, 'files');
    this.#emit({ kind: 'sessions' });
    return state.info;
  }

  /** Stops watching a session and forgets it. Unknown ids are ignored. */
  async removeSession(sessionId: string): Promise<void> {
    if (!this.#sessions.delete(sessionId)) return;
    this.#flush.forget(sessionId);
    await this.#watcher.remove(sessionId);
    this.#emit({ kind: 'sessions' });
  }

  /** Replaces a session's agent list (order kept). Runtime facts of removed agents are dropped. */
  setAgents(sessionId: string, agents: readonly AgentSpec[]): void {
    replaceAgents(this.#state(sessionId), agents);
    this.#flush.markDirty(sessionId, 'files');
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
    this.#flush.markDirty(sessionId, 'activity');
  }

  /** The terminal backend's word on whether the agent's pane/tab lives (false → `exited`). */
  setTerminalAlive(sessionId: string, agent: string, alive: boolean | null): void {
    this.setAgentRuntime(sessionId, agent, { terminalAlive: alive });
    if (alive === true && dropStaleSessionEnd(this.#state(sessionId), agent, this.#now())) this.#flush.markDirty(sessionId, 'activity');
  }

  /**
   * Records what the core knows about an agent's terminal, dialog and queue. Reporting the same
   * facts again (periodic liveness checks) changes nothing and notifies nobody.
   */
  setAgentRuntime(sessionId: string, agent: string, patch: Partial<AgentRuntime>): void {
    if (applyRuntime(this.#state(sessionId), agent, patch, this.#backend)) this.#flush.markDirty(sessionId, 'activity');
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
    return sessionStatusOf(this.#state(sessionId), this.#backend);
  }

  /** One agent's view; AGENT_NOT_FOUND when the session has no such agent. */
  agentView(sessionId: string, agent: string): AgentView {
    const view = agentViews(this.#state(sessionId), this.#backend).get(agent);
    if (!view) throw new HubError(ErrorCodes.AGENT_NOT_FOUND, `Session ${sessionId} has no agent ${agent}.`, { data: { session: sessionId, agent } });
    return view;
  }

  /** Every valid task of a session, by id number. */
  tasks(sessionId: string): readonly TaskSummary[] {
    return taskSummaries(this.#state(sessionId));
  }

  /** Task files that do not parse, by file name: listed with their diagnostics, never dropped. */
  brokenTasks(sessionId: string): readonly BrokenTask[] {
    return brokenTasksOf(this.#state(sessionId));
  }

  /** The broken file whose name carries `taskId`, unless a valid file has that id. */
  brokenTask(sessionId: string, taskId: string): BrokenTask | null {
    if (this.task(sessionId, taskId) !== null) return null;
    return this.brokenTasks(sessionId).find((b) => b.id === taskId) ?? null;
  }

  /** One task (its summary and parse), or null. With duplicate ids, the first file by name. */
  task(sessionId: string, taskId: string): IndexedTask | null {
    return tasksById(this.#state(sessionId)).get(taskId) ?? null;
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
      if (state.agents.has(agent)) return agentViews(state, this.#backend).get(agent)?.status ?? null;
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
  agentActivity(sessionId: string, agent: string): AgentActivity {
    return activityOf(this.#state(sessionId), agent);
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
    this.#flush.flush();
  }

  // ── listeners ───────────────────────────────────────────────────────────────────────────

  /** Every change, as it happens. Returns an unsubscribe function. */
  onChange(listener: (change: IndexChange) => void): () => void {
    return this.#events.on('change', listener);
  }

  /** How many change listeners are subscribed (what waiting clients cost shows here). */
  changeListenerCount(): number {
    return this.#events.listenerCount('change');
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
      const sessions = [...this.#sessions.values()];
      const transcripts = sessions.some((s) => [...s.transcripts.values()].some((t) => t.running));
      if (!transcripts && !sessions.some((s) => [...s.tails.values()].some((t) => t.running))) break;
      await Promise.all(sessions.map(tailsIdle));
      await this.transcriptsSettled();
    }
    this.#flush.flush();
  }

  /** Forces the stat-only rescan now (it also runs on a timer). */
  async rescan(): Promise<void> {
    await this.#watcher.rescan();
    await this.whenSettled();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ticker);
    await this.#watcher.close();
    this.#sessions.clear();
    this.#events.clear();
  }

  // ── plumbing ────────────────────────────────────────────────────────────────────────────

  #state(sessionId: string): SessionState {
    const state = this.#sessions.get(sessionId);
    if (!state)
      throw new HubError(ErrorCodes.SESSION_NOT_FOUND, `No session ${sessionId} in the index; list sessions to see the ids.`, { data: { session: sessionId } });
    return state;
  }

  #emit(change: IndexChange): void {
    this.#events.emit('change', change);
  }
}
