/**
 * The hub core: a thin facade whose HubApi calls are those the area modules declare and build
 * — sessions.ts, agent-lifecycle.ts (create, delete, conversations, re-attach), agent-screen.ts
 * (read output, answer dialogs), messages.ts (send, the delivery queue and its persistence),
 * tasks.ts with todo.ts — combined here. It keeps what is common to all: the wiring, the
 * start-up stages, and the audit wrapper every call runs through (each tool call leaves an
 * entry in the audit log, whatever its outcome; hostile or bad input gets a HubError and
 * changes nothing). Sessions, agents and queued
 * messages are records in the state store (what the files cannot say); everything the files say
 * is read from the live index.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HubConfig } from '../config.js';
import type { Logger } from '../log.js';
import { toHubError } from '../errors.js';
import { Emitter } from '../emitter.js';
import type { Frozen, StateStore } from '../store/state-store.js';
import type { HubState } from '../store/state-schema.js';
import type { AuditLog, AuditAppend } from '../store/audit-log.js';
import type { TerminalBackend } from '../terminal/backend.js';
import { LiveIndex } from './index.js';
import { AgentManager } from './agents.js';
import { GitRecorder } from './git-recorder.js';
import { AgentTerminals } from './terminals.js';
import { Records } from './records.js';
import { sessionCalls, Sessions, type SessionCalls } from './sessions.js';
import { agentCalls, AgentLifecycle, type AgentCalls } from './agent-lifecycle.js';
import { agentScreenCalls, AgentScreen, type AgentScreenCalls } from './agent-screen.js';
import { messageCalls, Messages, type MessageCalls } from './messages.js';
import { taskCalls, Tasks, type TaskCalls } from './tasks.js';
import type { AuditTags, ToolRunner } from './tool-call.js';
import { TodoEditor } from './todo.js';
import { toHubChange } from './api.js';
import { UsageKeeper } from './usage-keeper.js';
import { LimitBreaker } from './limits.js';
import { Budgets } from './budgets.js';
import { loadPriceTable } from '../usage/prices.js';
import type { HubOptions } from './create-hub.js';
import type { Caller, HubApi, HubChange } from './api.js';

export { nextAgentName } from './agent-lifecycle.js';
export { createHub, type HubOptions } from './create-hub.js';

/** What a Hub is built from: opened by createHub (create-hub.ts), handed over whole. */
export interface HubParts {
  readonly config: HubConfig;
  readonly logger: Logger;
  readonly store: StateStore;
  readonly audit: AuditLog;
  readonly backend: TerminalBackend;
  readonly options: HubOptions;
  /** Releases the state dir's instance lock (on close). */
  readonly release?: () => Promise<void>;
}

/** Every area's calls: what HubApi asks of the hub, less what the facade does itself. */
type HubCalls = SessionCalls & AgentCalls & AgentScreenCalls & MessageCalls & TaskCalls;

// The calls are the areas' (assigned in the constructor); the class adds the plumbing.
export interface Hub extends HubCalls {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor assigns every area call (Object.assign), which the merged interface declares
export class Hub implements HubApi {
  readonly #config: HubConfig;
  readonly #logger: Logger;
  readonly #store: StateStore;
  readonly #audit: AuditLog;
  readonly #index: LiveIndex;
  readonly #usage: UsageKeeper;
  readonly #limits: LimitBreaker;
  readonly #budgets: Budgets;
  readonly #agents: AgentManager;
  readonly #git: GitRecorder;
  readonly #sessions: Sessions;
  readonly #lifecycle: AgentLifecycle;
  readonly #screen: AgentScreen;
  readonly #messages: Messages;
  readonly #release: () => Promise<void>;
  readonly #changes: Emitter<{ change: [HubChange] }>;
  readonly #unsubscribe: (() => void)[] = [];
  /** The latest audit append (appends are serialised, so it settles after every earlier one). */
  #lastAudit: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(parts: HubParts) {
    const { config, logger, store, backend, options } = parts;
    this.#config = config;
    this.#logger = logger;
    this.#changes = new Emitter({ name: 'hub change', logger });
    this.#store = store;
    this.#audit = parts.audit;
    this.#release = parts.release ?? (async () => undefined);
    const rootsFile = join(config.stateDir, 'roots.txt');
    const audit = (entry: AuditAppend): Promise<void> => this.#auditEntry(entry);
    const index = (this.#index = new LiveIndex({
      stateDir: config.stateDir,
      defaultBackend: backend.name,
      logger,
      prices: loadPriceTable(config.pricesFile ?? undefined),
      stuckMs: config.stuckSeconds * 1000,
    }));
    this.#usage = new UsageKeeper({ index, store, logger });
    const records = new Records(store);
    const terminals = new AgentTerminals({ store, index, backend });
    const sessionRoot = (id: string): string | null => records.sessionRecord(id)?.root ?? null;
    const git = (this.#git = new GitRecorder({ index, logger, enabled: options.gitAudit ?? true, sessionRoot }));
    const agentEnv = options.agentEnv ?? options.env ?? process.env;
    const capabilities = options.claudeCapabilities ? { capabilities: options.claudeCapabilities } : {};
    const agents = (this.#agents = new AgentManager({
      config,
      logger,
      store,
      index,
      backend,
      terminals,
      rootsFile,
      agentEnv,
      ...capabilities,
      ...pick(options, 'livenessMs'),
    }));
    const readiness = agents.screens;
    const timing = { ...pick(options, 'deliveryWaitMs'), ...pick(options, 'confirmTimeoutMs') };
    // The delivery gate: nothing is typed while the account is at a usage limit or the agent's session budget is spent.
    const gate = (agent: string): string | null => {
      const session = records.agentRecord(agent)?.session;
      return this.#limits.reason(agent) ?? (session === undefined ? null : this.#budgets.reason(session));
    };
    const messages = (this.#messages = new Messages({ config, logger, store, index, git, records, terminals, readiness, audit, gate, ...timing }));
    this.#limits = new LimitBreaker({
      index,
      store,
      logger,
      kick: (agent) => messages.kick(agent),
      nudge: (agent, text) => messages.nudge(agent, text),
      agents: () => store.get().agents.map((a) => ({ name: a.name, session: a.session })),
      waitMs: config.limitWaitSeconds * 1000,
      nudgeCut: config.limitNudge,
    });
    this.#budgets = new Budgets({ stateDir: config.stateDir, store, index, logger, kick: (agent) => messages.kick(agent) });
    agents.onPromptBoxReady((agent) => messages.kick(agent));
    const sessions = (this.#sessions = new Sessions({
      config,
      home: options.home ?? homedir(),
      store,
      index,
      git,
      records,
      agents,
      messages,
      rootsFile,
      budgets: this.#budgets,
    }));
    const lifecycle = (this.#lifecycle = new AgentLifecycle({ config, backend: backend.name, store, index, records, terminals, agents, messages, audit }));
    const screen = (this.#screen = new AgentScreen({ records, terminals, index, agents }));
    const tasks = new Tasks({ index, git, records });
    const todo = new TodoEditor({ index, git, records });
    // Every area's calls become the hub's, each run through the one audit wrapper.
    const run: ToolRunner = (caller, tool, params, act, tagsOf, opts) => this.#tool(caller, tool, params, act, tagsOf, opts);
    const calls: HubCalls = {
      ...sessionCalls(sessions, run),
      ...agentCalls(lifecycle, records, run),
      ...agentScreenCalls(screen, records, run),
      ...messageCalls(messages, records, run),
      ...taskCalls(tasks, todo, run),
    };
    Object.assign(this, calls);
  }

  /** Brings back what the state store remembers, then starts following the files. */
  async start(): Promise<void> {
    const state = this.#store.get();
    // Status is read from the files, not remembered: watch every session's files again.
    await this.#sessions.load(state);
    // Budgets spent before the restart still hold (and their stop files say so).
    this.#budgets.load();
    // Agents live in terminals, not in the hub: keep those still running, mark the rest exited.
    await this.#lifecycle.reattach(state);
    // Messages queued before the restart go out; none the agent already took is typed twice.
    await this.#messages.restore(state);
    // From here on the index's events drive nudges, dialogs, the audit and clients' notifications.
    this.#listen();
    // `serve --restore`: agents whose terminal is gone reopen their last conversation.
    if (this.#config.restore) await this.#resumeExited(state);
    // A dead terminal shows at once, not at the first liveness tick.
    await this.#agents.checkLiveness();
    // Learn (and log once) which Claude Code agents will run, before the first create_agent needs it.
    void this.#agents.capabilities().catch(() => undefined);
  }

  #listen(): void {
    this.#unsubscribe.push(
      this.#index.onChange((change) => {
        const told = toHubChange(change);
        if (told) this.#tell(told);
      }),
      ...this.#messages.listen(),
      this.#index.onHookEvent((event) => this.#screen.onHookEvent(event)),
      this.#index.onStatusChange((agent, status, session) => {
        void this.#auditEntry({ kind: 'agent_state', actor: 'hub', session, agent, outcome: status });
      }),
    );
  }

  async #resumeExited(state: Frozen<HubState>): Promise<void> {
    for (const agent of state.agents) {
      if (this.#index.getStatus(agent.name) !== 'exited' || agent.claudeSessionId === null) continue;
      await this.startNewConversation({ kind: 'cli', id: 'restore' }, agent.name, true).catch((error: unknown) =>
        this.#logger.warn('could not restore agent', { agent: agent.name, error: toHubError(error).message }),
      );
    }
  }

  // ── plumbing ──────────────────────────────────────────────────────────────────────────────

  onChange(listener: (change: HubChange) => void): () => void {
    return this.#changes.on('change', listener);
  }

  /** The server's audit hook: every tools/call outcome, including refusals the hub never saw. */
  auditToolCall(caller: Caller, tool: string, outcome: { status: string; code?: string }, args?: unknown): void {
    if (outcome.status === 'ok' || outcome.status === 'failed') return; // #tool already recorded these.
    void this.#auditEntry({
      kind: 'tool_call',
      actor: `${caller.kind}:${caller.id}`,
      tool,
      ...(args !== undefined ? { params: args } : {}),
      outcome: `${outcome.status}:${outcome.code ?? 'unknown'}`,
    });
  }

  /** For tests and benchmarks: wait until the index has taken in every pending change. */
  async whenSettled(): Promise<void> {
    await this.#index.whenSettled();
    await this.#messages.persisted();
    await this.#lastAudit;
    await this.#git.flush();
  }

  #tell(change: HubChange): void {
    this.#changes.emit('change', change);
  }

  get index(): LiveIndex {
    return this.#index;
  }

  /**
   * The last lines of an agent's screen, unaudited: the board polls it while a page is open
   * (read_agent_output is the audited call of the same read).
   */
  peekScreen(agentName: string, lines: number): Promise<{ agent: string; alive: boolean; text: string }> {
    return this.#screen.read(agentName, lines);
  }

  /** wait_for_team calls in progress (each holds one index listener and one timer). */
  get waitsInProgress(): number {
    return this.#sessions.waits.active;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    this.#sessions.waits.close();
    this.#agents.shutdown();
    this.#messages.close();
    await this.#messages.persisted();
    await this.#usage.close();
    await this.#limits.close();
    await this.#budgets.close();
    await this.#git.close();
    await this.#index.close();
    await this.#audit.close();
    await this.#store.close();
    await this.#release();
  }

  /**
   * Runs one tool call and audits it, whatever its outcome. An act answers once its entry is
   * durable. A read (`readOnly`) answers at once: nothing changed, so a power cut may lose the
   * record of a read, never of an act, and its entry may share a write with the next reads.
   */
  async #tool<T>(
    caller: Caller,
    tool: string,
    params: unknown,
    run: () => Promise<T>,
    tagsOf: (result: T) => AuditTags,
    options: { readonly readOnly?: boolean } = {},
  ): Promise<T> {
    const base = { kind: 'tool_call' as const, actor: `${caller.kind}:${caller.id}`, tool, params };
    const record = async (entry: AuditAppend): Promise<void> => {
      if (options.readOnly) void this.#auditEntry(entry, { lazy: true });
      else await this.#auditEntry(entry);
    };
    try {
      const result = await run();
      await record({ ...base, outcome: 'ok', ...tagsOf(result) });
      return result;
    } catch (error) {
      const hubError = toHubError(error);
      await record({ ...base, outcome: `error:${hubError.code}` });
      throw hubError;
    }
  }

  async #auditEntry(entry: AuditAppend, options: { readonly lazy?: boolean } = {}): Promise<void> {
    if (this.#closed && entry.kind !== 'tool_call') return;
    const appended = this.#audit
      .append(entry, options)
      .catch((error: unknown) => this.#logger.error('audit append failed', { kind: entry.kind, error: toHubError(error).message }));
    this.#lastAudit = appended;
    await appended;
  }
}

/** `{key: value}` when the option is set, `{}` when not (exact optional properties). */
function pick<K extends 'livenessMs' | 'deliveryWaitMs' | 'confirmTimeoutMs'>(options: HubOptions, key: K): { [P in K]?: number } {
  const value = options[key];
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: number });
}
