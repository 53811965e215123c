/**
 * The hub core: implements HubApi by asking the modules around it. Sessions, agents and
 * queued messages are records in the state store (what the files cannot say); everything the
 * files say is read from the live index. Each method validates at the edge, acts, and leaves
 * an entry in the audit log; hostile or bad input gets a HubError and changes nothing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HubConfig } from '../config.js';
import type { Logger } from '../log.js';
import { HubError, ErrorCodes, toHubError } from '../errors.js';
import { answerDialog } from '../screen/terminal.js';
import type { ClaudeCapabilities } from '../agent/claude-probe.js';
import { sleep } from '../sleep.js';
import { addTodoItem, appendTaskLog, parseTodo, setTaskFields, slugify, toggleTodoItem, TODO_FILE, type TaskFieldUpdate } from '../protocol/index.js';
import { createProtocolFile, createTaskFile, isMissing, readProtocolFile, readProtocolFileIfExists, updateProtocolFile } from '../store/files.js';
import { StateStore, type Frozen } from '../store/state-store.js';
import { acquireInstanceLock } from '../store/instance-lock.js';
import { ensurePrivateDir } from '../store/durable-file.js';
import type { AgentRecord, HubState, QueuedMessage, SessionRecord } from '../store/state-schema.js';
import { AuditLog, type AuditAppend } from '../store/audit-log.js';
import { validateSessionRoot } from '../security/paths.js';
import { writeRootsFile } from '../security/guard.js';
import {
  validateAgentName,
  validateChoice,
  validateFromName,
  validateLineCount,
  validateLogLine,
  validateMessage,
  validateSessionName,
  validateSpecialization,
  validateSystemPromptSuffix,
  validateTaskBody,
  validateTaskId,
  validateTaskTitle,
  validateTodoItemText,
  validateLineNumber,
} from '../security/validate.js';
import { createBackend } from '../terminal/select.js';
import { DEFAULT_MAX_TERMINAL_TEXT_BYTES, sanitizeTerminalText } from '../terminal/sanitize.js';
import type { TerminalBackend } from '../terminal/backend.js';
import { DeliveryQueue, confirms, type DeliveryEntry } from './delivery.js';
import { LiveIndex } from './index.js';
import { AgentManager, toHandle } from './agents.js';
import { GitRecorder } from './git-recorder.js';
import { DEFAULT_FROM } from './api.js';
import type { Caller, CreatedTask, CreateTaskInput, HubApi, HubChange, MessageResult, TaskFileText, TaskFilter, TaskList, TodoEditInput, TodoEditResult, UpdateTaskInput } from './api.js';
import type { AgentView, SessionInfo, SessionStatus, TaskSummary } from './types.js';
import type { PendingPrompt } from './types.js';
import { TEMPLATES_DIR, agentEventsFile } from '../agent/settings.js';
import { parseHookLine } from './events.js';

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

type Agent = Frozen<AgentRecord>;
type Session = Frozen<SessionRecord>;

const TASK_TEMPLATE = join(TEMPLATES_DIR, 'task.md');
/** Room kept for `TASK-<n> from <from> (<task file>):` in front of a message. */
const NUDGE_HEADER_BYTES = 512;

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function nowStamp(): string {
  return new Date().toISOString().slice(0, 16).replace('T', ' ');
}

function firstLine(text: string, max = 72): string {
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'Message';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Starts the hub: state, audit, index, terminals, delivery; re-attaches what survived a restart. */
export async function createHub(config: HubConfig, logger: Logger, options: HubOptions = {}): Promise<Hub> {
  const env = options.env ?? process.env;
  await ensurePrivateDir(config.stateDir);
  const release = await acquireInstanceLock(config.stateDir);
  try {
    const hub = await openHub(config, logger, options, env, release);
    return hub;
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
  const backend =
    options.backend ??
    createBackend({ choice: config.backend, env, platform: process.platform, tmux: { socket: config.tmuxSocket } }).backend;
  const hub = new Hub(config, logger, store, audit, backend, options, release);
  await hub.start();
  return hub;
}

export class Hub implements HubApi {
  readonly #config: HubConfig;
  readonly #logger: Logger;
  readonly #store: StateStore;
  readonly #audit: AuditLog;
  readonly #backend: TerminalBackend;
  readonly #options: HubOptions;
  readonly #index: LiveIndex;
  readonly #agents: AgentManager;
  readonly #delivery: DeliveryQueue;
  readonly #git: GitRecorder;
  readonly #rootsFile: string;
  /** deliveryId → where the message was recorded (persisted with the queue). */
  readonly #deliveries = new Map<string, { session: string; taskId: string }>();
  readonly #listeners = new Set<(change: HubChange) => void>();
  readonly #unsubscribe: (() => void)[] = [];
  #persistQueue: Promise<unknown> = Promise.resolve();
  /** The latest audit append (appends are serialised, so it settles after every earlier one). */
  #lastAudit: Promise<unknown> = Promise.resolve();
  #closed = false;

  readonly #release: () => Promise<void>;

  constructor(config: HubConfig, logger: Logger, store: StateStore, audit: AuditLog, backend: TerminalBackend, options: HubOptions, release: () => Promise<void> = async () => undefined) {
    this.#release = release;
    this.#config = config;
    this.#logger = logger;
    this.#store = store;
    this.#audit = audit;
    this.#backend = backend;
    this.#options = options;
    this.#rootsFile = join(config.stateDir, 'roots.txt');
    this.#index = new LiveIndex({ stateDir: config.stateDir, defaultBackend: backend.name, logger });
    this.#agents = new AgentManager({
      config,
      logger,
      store,
      index: this.#index,
      backend,
      rootsFile: this.#rootsFile,
      agentEnv: options.agentEnv ?? options.env ?? process.env,
      ...(options.claudeCapabilities ? { capabilities: options.claudeCapabilities } : {}),
      ...(options.livenessMs !== undefined ? { livenessMs: options.livenessMs } : {}),
    });
    this.#delivery = new DeliveryQueue({
      terminals: { terminalOf: (agent) => this.#agents.terminalOf(agent) },
      status: this.#index,
      hooks: this.#index,
      readiness: this.#agents.screens,
      persist: (snapshot) => this.#persistDeliveries(snapshot),
      logger,
      ...(options.confirmTimeoutMs !== undefined ? { confirmTimeoutMs: options.confirmTimeoutMs } : {}),
    });
    this.#agents.onPromptBoxReady((agent) => this.#delivery.kick(agent));
    this.#git = new GitRecorder({ index: this.#index, logger, enabled: options.gitAudit ?? true, sessionRoot: (id) => this.#sessionRecord(id)?.root ?? null });
  }

  /** Loads every session into the index, re-attaches living terminals, restores queued messages. */
  async start(): Promise<void> {
    const state = this.#store.get();
    await writeRootsFile(this.#rootsFile, state.sessions.map((s) => s.root));
    for (const session of state.sessions) {
      await this.#index.addSession({
        id: session.id,
        name: session.name,
        root: session.root,
        createdAt: session.createdAt,
        agents: state.agents.filter((a) => a.session === session.id).map((a) => ({ name: a.name, specialization: a.specialization })),
      });
      await this.#git.addSession(session.id, session.root);
    }
    // Re-attach: a terminal that still runs keeps its process; the others are exited.
    const living = new Map((await this.#backend.list().catch(() => [])).map((t) => [t.handle.id, t.alive] as const));
    for (const agent of state.agents) {
      const alive = agent.terminal !== null && agent.terminal.backend === this.#backend.name && (living.get(agent.terminal.id) ?? false);
      this.#index.setAgentRuntime(agent.session, agent.name, { backend: agent.backend, terminal: toHandle(agent.terminal), terminalAlive: alive });
      // A re-attached agent's screen is watched like a fresh one's (a dialog may be up now).
      if (alive) this.#agents.screens.attach(agent.session, agent.name);
      await this.#auditEntry({ kind: 'recovery', actor: 'hub', session: agent.session, agent: agent.name, outcome: alive ? 'reattached' : 'exited' });
    }
    await this.#restoreDeliveries(state);
    this.#unsubscribe.push(
      this.#index.onChange((change) => this.#forward(change)),
      this.#index.onNudge((nudge) => {
        const agent = this.#agentRecord(nudge.agent);
        if (!agent || agent.session !== nudge.session) return;
        this.#enqueue(agent, nudge.text, nudge.taskId);
      }),
      this.#index.onHookEvent((event) => {
        // Work going on means a dialog in front of the box is gone (answered in the terminal, or
        // by us); the events that can bring one (SessionStart, Stop, PermissionRequest, …) are
        // followed by a look at the screen instead.
        if (CLEARS_DIALOG.has(event.event)) this.#agents.setPendingPrompt(event.session, event.agent, null);
        this.#agents.onHookEvent(event);
      }),
      this.#index.onStatusChange((agent, status, session) => {
        void this.#auditEntry({ kind: 'agent_state', actor: 'hub', session, agent, outcome: status });
      }),
      this.#delivery.on((event) => {
        const where = this.#deliveries.get(event.entry.deliveryId);
        void this.#auditEntry({
          kind: 'delivery',
          actor: 'hub',
          agent: event.entry.agent,
          ...(where ? { session: where.session } : {}),
          outcome: event.type,
          detail: event.type === 'undelivered' ? event.reason : event.type === 'retry' ? `submit ${event.submit}` : event.entry.deliveryId,
        });
      }),
    );
    if (this.#config.restore) {
      for (const agent of state.agents) {
        if (this.#index.getStatus(agent.name) === 'exited' && agent.claudeSessionId !== null) {
          await this.startNewConversation({ kind: 'cli', id: 'restore' }, agent.name, true).catch((error: unknown) =>
            this.#logger.warn('could not restore agent', { agent: agent.name, error: toHubError(error).message }),
          );
        }
      }
    }
    await this.#agents.checkLiveness();
    // Learn (and log once) which Claude Code agents will run, before the first create_agent needs it.
    void this.#agents.capabilities().catch(() => undefined);
  }

  // ── sessions ──────────────────────────────────────────────────────────────────────────────

  async listSessions(caller: Caller): Promise<readonly SessionInfo[]> {
    return this.#tool(caller, 'list_sessions', {}, async () => this.#index.sessions(), () => ({}), READ_ONLY);
  }

  async createSession(caller: Caller, input: { root_path: string; session_name: string; trust_root?: boolean }): Promise<SessionInfo> {
    return this.#tool(caller, 'create_session', input, async () => {
      const name = validateSessionName(input.session_name);
      const state = this.#store.get();
      if (state.sessions.length >= this.#config.maxSessions) {
        throw new HubError(ErrorCodes.LIMIT_REACHED, `The hub already runs ${state.sessions.length} sessions (--max-sessions ${this.#config.maxSessions}); delete one or start the hub with a higher --max-sessions.`, {
          data: { limit: this.#config.maxSessions },
        });
      }
      const named = state.sessions.find((s) => s.name === name);
      if (named !== undefined) {
        throw new HubError(ErrorCodes.ALREADY_EXISTS, `A session named "${name}" already exists: session_id ${named.id} (root ${named.root}); pick another name or use that session_id.`, {
          data: { session_name: name, session_id: named.id },
        });
      }
      const root = await validateSessionRoot(input.root_path, {
        existingRoots: state.sessions.map((s) => s.root),
        home: this.#options.home ?? homedir(),
        stateDir: this.#config.stateDir,
      }).catch((error: unknown) => {
        throw this.#nameOverlappingSession(error);
      });
      const id = `${slugify(name).slice(0, 24) || 'session'}-${randomBytes(3).toString('hex')}`;
      const record: SessionRecord = { id, name, root, createdAt: new Date().toISOString(), trustRoot: input.trust_root ?? false };
      await this.#store.update((draft) => {
        draft.sessions.push(record);
      });
      try {
        await writeRootsFile(this.#rootsFile, this.#store.get().sessions.map((s) => s.root));
        await this.#index.addSession({ id, name, root, createdAt: record.createdAt, agents: [] });
        await this.#git.addSession(id, root);
      } catch (error) {
        await this.#dropSession(id);
        throw error;
      }
      return this.#index.session(id);
    }, (s) => optionalSession(s.id));
  }

  async getSessionStatus(caller: Caller, sessionId: string): Promise<SessionStatus> {
    return this.#tool(caller, 'get_session_status', { session_id: sessionId }, async () => this.#index.sessionStatus(this.#session(sessionId).id), (status) => optionalSession(status.session.id), READ_ONLY);
  }

  async deleteSession(caller: Caller, sessionId: string, force: boolean): Promise<{ session: SessionInfo; closedAgents: readonly string[] }> {
    return this.#tool(caller, 'delete_session', { session_id: sessionId, force }, async () => {
      const session = this.#session(sessionId);
      const info = this.#index.session(session.id);
      const agents = this.#store.get().agents.filter((a) => a.session === session.id);
      if (!force) {
        const busy = agents.filter((a) => this.#index.getStatus(a.name) === 'working').map((a) => a.name);
        if (busy.length > 0) {
          throw new HubError(ErrorCodes.AGENT_BUSY, `${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} working in this session; wait until idle or pass force: true to stop them.`, {
            data: { agents: busy },
          });
        }
      }
      for (const agent of agents) {
        this.#delivery.abandon(agent.name, `session ${session.id} was deleted`);
        await this.#agents.close(agent.name);
      }
      await this.#dropSession(session.id);
      return { session: info, closedAgents: agents.map((a) => a.name) };
    }, () => optionalSession(sessionId));
  }

  async #dropSession(id: string): Promise<void> {
    await this.#store.update((draft) => {
      draft.sessions = draft.sessions.filter((s) => s.id !== id);
      draft.agents = draft.agents.filter((a) => a.session !== id);
      draft.queue = draft.queue.filter((m) => m.session !== id);
    });
    await writeRootsFile(this.#rootsFile, this.#store.get().sessions.map((s) => s.root));
    await this.#git.removeSession(id);
    await this.#index.removeSession(id).catch(() => undefined);
    await this.#agents.forgetSession(id);
  }

  // ── agents ────────────────────────────────────────────────────────────────────────────────

  async createAgent(
    caller: Caller,
    input: { session_id: string; agent_name?: string; specialization?: string; system_prompt_suffix?: string },
  ): Promise<AgentView> {
    return this.#tool(caller, 'create_agent', input, async () => {
      const session = this.#session(input.session_id);
      const state = this.#store.get();
      const name = input.agent_name === undefined ? nextAgentName(state) : validateAgentName(input.agent_name);
      const specialization = input.specialization === undefined ? null : validateSpecialization(input.specialization);
      const suffix = input.system_prompt_suffix === undefined ? null : validateSystemPromptSuffix(input.system_prompt_suffix);
      if (state.agents.some((a) => a.name === name)) {
        const owner = state.agents.find((a) => a.name === name)?.session;
        throw new HubError(ErrorCodes.ALREADY_EXISTS, `An agent named ${name} already exists (session ${owner}); agent names are unique across the hub. Pick another name or omit agent_name.`, {
          data: { agent: name, session: owner },
        });
      }
      if (state.agents.length >= this.#config.maxAgents) {
        throw new HubError(ErrorCodes.LIMIT_REACHED, `The hub already runs ${state.agents.length} agents (--max-agents ${this.#config.maxAgents}); delete one or raise --max-agents.`, {
          data: { limit: this.#config.maxAgents },
        });
      }
      const record: AgentRecord = {
        name,
        session: session.id,
        specialization,
        systemPromptSuffix: suffix,
        backend: this.#backend.name,
        terminal: null,
        claudeSessionId: randomUUID(),
        launch: { permissionMode: this.#config.permissionMode, model: this.#config.model, extraArgs: [] },
        createdAt: new Date().toISOString(),
        conversationStartedAt: new Date().toISOString(),
      };
      // Recorded before the terminal opens, so a crash in between leaves a known, exited agent.
      await this.#store.update((draft) => {
        draft.agents.push(record);
      });
      this.#syncIndexAgents(session.id);
      try {
        await this.#openTerminal(name, false);
      } catch (error) {
        await this.#store.update((draft) => {
          draft.agents = draft.agents.filter((a) => a.name !== name);
        });
        this.#syncIndexAgents(session.id);
        throw error;
      }
      return this.#index.agentView(session.id, name);
    }, () => optionalSession(input.session_id));
  }

  async deleteAgent(caller: Caller, agentName: string, force: boolean): Promise<{ agent: string; session: string }> {
    return this.#tool(caller, 'delete_agent', { agent_name: agentName, force }, async () => {
      const agent = this.#agent(agentName);
      if (!force && this.#index.getStatus(agent.name) === 'working') {
        throw new HubError(ErrorCodes.AGENT_BUSY, `${agent.name} is working; wait until it is idle or pass force: true to stop it.`, { data: { agent: agent.name } });
      }
      this.#delivery.abandon(agent.name, `${agent.name} was deleted`);
      await this.#agents.close(agent.name);
      await this.#store.update((draft) => {
        draft.agents = draft.agents.filter((a) => a.name !== agent.name);
        draft.queue = draft.queue.filter((m) => m.agent !== agent.name);
      });
      this.#syncIndexAgents(agent.session);
      await this.#agents.forget(agent);
      return { agent: agent.name, session: agent.session };
    }, () => optionalSession(this.#agentRecord(agentName)?.session));
  }

  async clearConversation(caller: Caller, agentName: string): Promise<AgentView> {
    return this.#tool(caller, 'clear_agent_conversation', { agent_name: agentName }, async () => {
      const agent = this.#agent(agentName);
      await this.#agents.close(agent.name);
      await this.#store.update((draft) => {
        const a = draft.agents.find((x) => x.name === agent.name);
        if (a) a.terminal = null;
      });
      this.#index.setAgentRuntime(agent.session, agent.name, { terminal: null, terminalAlive: false, pendingPrompt: null });
      return this.#index.agentView(agent.session, agent.name);
    }, () => optionalSession(this.#agentRecord(agentName)?.session));
  }

  async startNewConversation(caller: Caller, agentName: string, resume: boolean): Promise<AgentView> {
    return this.#tool(caller, 'start_new_agent_conversation', { agent_name: agentName, resume }, async () => {
      const agent = this.#agent(agentName);
      if (resume && agent.claudeSessionId === null) {
        throw new HubError(ErrorCodes.INVALID_ARGUMENT, `${agent.name} has no earlier conversation to resume; call again with resume: false.`, { data: { agent: agent.name } });
      }
      await this.#agents.close(agent.name);
      await this.#store.update((draft) => {
        const a = draft.agents.find((x) => x.name === agent.name);
        if (!a) return;
        a.terminal = null;
        if (!resume) {
          a.claudeSessionId = randomUUID();
          a.conversationStartedAt = new Date().toISOString();
        }
      });
      this.#index.setAgentRuntime(agent.session, agent.name, { terminal: null, terminalAlive: false, pendingPrompt: null });
      await this.#openTerminal(agent.name, resume);
      return this.#index.agentView(agent.session, agent.name);
    }, () => optionalSession(this.#agentRecord(agentName)?.session));
  }

  async #openTerminal(name: string, resume: boolean): Promise<void> {
    const agent = this.#agent(name);
    const session = this.#session(agent.session);
    const handle = await this.#agents.launch(agent, session, resume);
    await this.#store.update((draft) => {
      const a = draft.agents.find((x) => x.name === name);
      if (a) a.terminal = { ...handle };
    });
    this.#delivery.kick(name);
  }

  async answerPrompt(caller: Caller, agentName: string, choice: string) {
    return this.#tool(caller, 'answer_agent_prompt', { agent_name: agentName, choice }, async () => {
      const agent = this.#agent(agentName);
      const wanted = validateChoice(choice);
      const terminal = this.#agents.terminalOf(agent.name);
      if (!terminal) throw new HubError(ErrorCodes.AGENT_EXITED, `${agent.name} has no terminal; start_new_agent_conversation opens one.`, { data: { agent: agent.name } });
      if (!(await terminal.backend.isAlive(terminal.handle))) {
        throw new HubError(ErrorCodes.AGENT_EXITED, `${agent.name} has exited; start_new_agent_conversation reopens it.`, { data: { agent: agent.name } });
      }
      // The screen now is the truth about which dialog is up (the index may know an older one).
      const result = await answerDialog(terminal, wanted, { label: agent.name });
      const since = this.#index.agentView(agent.session, agent.name).pendingPrompt?.since ?? new Date().toISOString();
      const answered: PendingPrompt =
        result.menu.state === 'menu'
          ? { kind: result.menu.kind, question: result.menu.question, choices: result.menu.choices, since }
          : { kind: 'onboarding', question: result.menu.question, choices: [{ number: 1, label: 'Continue' }], since };
      // What the screen shows now goes on the agent (the box, or the next dialog).
      this.#agents.setPendingPrompt(agent.session, agent.name, null);
      await this.#agents.screens.check(agent.name, true);
      const after = result.after;
      return {
        agent: agent.name,
        answered,
        choice: { number: result.choice.number, label: result.choice.label },
        now: after.state === 'menu' ? { state: after.state, question: after.question } : after.state === 'press_enter' ? { state: after.state, question: after.question } : { state: after.state, question: null },
      };
    }, () => optionalSession(this.#agentRecord(agentName)?.session));
  }

  async readAgentOutput(caller: Caller, agentName: string, lines: number): Promise<{ agent: string; alive: boolean; text: string }> {
    const tags = (out: { agent: string }) => ({ agent: out.agent, ...optionalSession(this.#agentRecord(out.agent)?.session) });
    return this.#tool(caller, 'read_agent_output', { agent_name: agentName, lines }, () => this.#readAgentOutput(agentName, lines), tags, READ_ONLY);
  }

  async #readAgentOutput(agentName: string, lines: number): Promise<{ agent: string; alive: boolean; text: string }> {
    const agent = this.#agent(agentName);
    const count = validateLineCount(lines);
    const terminal = this.#agents.terminalOf(agent.name);
    if (!terminal) return { agent: agent.name, alive: false, text: '' };
    const alive = await terminal.backend.isAlive(terminal.handle);
    if (!alive) return { agent: agent.name, alive: false, text: '' };
    const screen = await terminal.backend.readScreen(terminal.handle, count);
    const all = screen.text.replace(/\s+$/, '').split('\n');
    return { agent: agent.name, alive, text: all.slice(-count).join('\n') };
  }

  // ── messages ──────────────────────────────────────────────────────────────────────────────

  async sendMessage(caller: Caller, input: { agent_name: string; message: string; from?: string }): Promise<MessageResult> {
    return this.#tool(caller, 'send_message_to_agent', { agent_name: input.agent_name, from: input.from, message: input.message }, async () => {
      const agent = this.#agent(input.agent_name);
      const message = validateMessage(input.message);
      // Checked before anything is written: the nudge (a short header + the message) must fit the
      // terminal limit, and a message of only control sequences would reach the agent as nothing.
      if (sanitizeTerminalText(message, DEFAULT_MAX_TERMINAL_TEXT_BYTES - NUDGE_HEADER_BYTES).trim() === '') {
        throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'message: nothing is left once terminal control sequences are removed; send some text.', {
          data: { field: 'message' },
        });
      }
      const from = input.from === undefined ? DEFAULT_FROM : validateFromName(input.from);
      const session = this.#session(agent.session);
      // First the files: the message is in the protocol (and its git history) whatever the terminal does.
      const created = await createTaskFile(
        session.root,
        { title: firstLine(message), assignee: agent.name, from, status: 'todo', created: today(), body: message },
        await readFile(TASK_TEMPLATE, 'utf8'),
        { beforeWrite: (path, hash) => this.#index.expectOwnWrite(path, hash, { routed: true, onlyFor: [agent.name] }) },
      );
      this.#git.expectHubWrite(session.id, created.file, { caller: caller.id, summary: `message from ${from} to ${agent.name}` });
      const nudge = `${created.id} from ${from} (${created.file}):\n${message}`;
      const { deliveryId, settled } = this.#enqueue(agent, nudge, created.id);
      // Acknowledged means it survives a crash: the queue entry is on disk before we answer.
      await this.#delivery.flushed();
      const status = this.#index.getStatus(agent.name);
      const base = { agent: agent.name, taskId: created.id, taskFile: created.file, deliveryId };
      if (status !== 'idle') {
        const reason =
          status === 'exited'
            ? `${agent.name} has exited; the message waits in its queue and in ${created.file} until start_new_agent_conversation reopens it.`
            : `${agent.name} is ${status ?? 'unknown'}; the message goes out when it is idle.`;
        return { ...base, state: 'queued' as const, reason };
      }
      const outcome = await Promise.race([settled, sleep(this.#options.deliveryWaitMs ?? 20_000, { unref: true }).then(() => null)]);
      if (outcome === null) return { ...base, state: 'queued' as const, reason: 'not confirmed yet; it stays queued and is retried' };
      return outcome.state === 'delivered' ? { ...base, state: 'delivered' as const } : { ...base, state: 'undelivered' as const, reason: outcome.reason ?? 'unknown' };
    }, () => optionalSession(this.#agentRecord(input.agent_name)?.session));
  }

  #enqueue(agent: Agent, text: string, taskId: string): { deliveryId: string; settled: ReturnType<DeliveryQueue['whenSettled']> } {
    const deliveryId = `d-${randomBytes(6).toString('hex')}`;
    this.#deliveries.set(deliveryId, { session: agent.session, taskId });
    const { settled } = this.#delivery.enqueue({ deliveryId, agent: agent.name, text });
    return { deliveryId, settled };
  }

  #persistDeliveries(snapshot: readonly DeliveryEntry[]): Promise<void> {
    this.#showQueueLengths(snapshot);
    const queue: QueuedMessage[] = [];
    for (const entry of snapshot) {
      const where = this.#deliveries.get(entry.deliveryId);
      if (!where) continue;
      queue.push({
        deliveryId: entry.deliveryId,
        agent: entry.agent,
        session: where.session,
        text: entry.text,
        taskId: where.taskId,
        createdAt: entry.enqueuedAt,
        state: entry.state === 'queued' ? 'queued' : entry.state === 'delivered' ? 'delivered' : entry.state === 'undelivered' ? 'undelivered' : 'typing',
        attempts: entry.submits,
        ...(entry.reason !== null ? { reason: entry.reason } : {}),
      });
    }
    const known = new Set(this.#store.get().agents.map((a) => a.name));
    const write = this.#persistQueue.then(() =>
      this.#store.update((draft) => {
        draft.queue = queue.filter((m) => known.has(m.agent));
      }),
    );
    this.#persistQueue = write.catch((error: unknown) => this.#logger.error('could not persist the delivery queue', { error: toHubError(error).message }));
    return write.then(() => undefined);
  }

  /** Every agent's status shows how many messages wait for it. */
  #showQueueLengths(snapshot: readonly DeliveryEntry[]): void {
    const counts = new Map<string, number>();
    for (const entry of snapshot) counts.set(entry.agent, (counts.get(entry.agent) ?? 0) + 1);
    for (const agent of this.#store.get().agents) {
      this.#index.setAgentRuntime(agent.session, agent.name, { queuedMessages: counts.get(agent.name) ?? 0 });
    }
  }

  /** Queued messages come back; one already confirmed in the agent's hook history is never typed again. */
  async #restoreDeliveries(state: Frozen<HubState>): Promise<void> {
    const entries: DeliveryEntry[] = [];
    for (const message of state.queue) {
      if (message.state === 'delivered' || message.state === 'undelivered') continue;
      this.#deliveries.set(message.deliveryId, { session: message.session, taskId: message.taskId });
      const entry: DeliveryEntry = {
        deliveryId: message.deliveryId,
        agent: message.agent,
        text: message.text,
        state: message.state === 'typing' ? 'awaiting_confirmation' : 'queued',
        enqueuedAt: message.createdAt,
        typedAt: message.state === 'typing' ? message.createdAt : null,
        submits: message.attempts,
        reason: message.reason ?? null,
      };
      if (entry.typedAt !== null && (await this.#confirmedInHistory(message.session, entry))) {
        await this.#auditEntry({ kind: 'delivery', actor: 'hub', session: message.session, agent: message.agent, outcome: 'delivered', detail: `${message.deliveryId} (confirmed before restart)` });
        continue;
      }
      entries.push(entry);
    }
    this.#delivery.restore(entries);
  }

  async #confirmedInHistory(session: string, entry: DeliveryEntry): Promise<boolean> {
    const file = agentEventsFile(this.#config.stateDir, session, entry.agent);
    const text = await readFile(file, 'utf8').catch(() => '');
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (!line.includes('UserPromptSubmit')) continue;
      // Torn or garbage lines parse to a diagnostic and confirm nothing.
      const parsed = parseHookLine(line, { session, agent: entry.agent, file, line: i + 1, receivedAt: Date.now() });
      const event = parsed !== null && 'event' in parsed ? parsed.event : null;
      if (event?.event === 'UserPromptSubmit' && typeof event.payload.prompt === 'string' && confirms(event.payload.prompt, entry)) return true;
    }
    return false;
  }

  // ── tasks ─────────────────────────────────────────────────────────────────────────────────

  async listTasks(caller: Caller, filter: TaskFilter): Promise<TaskList> {
    return this.#tool(caller, 'list_tasks', filter, async () => this.#listTasks(filter), () => optionalSession(filter.session_id), READ_ONLY);
  }

  #listTasks(filter: TaskFilter): TaskList {
    const sessions = filter.session_id === undefined ? this.#index.sessions().map((s) => s.id) : [this.#session(filter.session_id).id];
    const tasks: (TaskSummary & { session: string })[] = [];
    const broken: TaskList['broken'][number][] = [];
    for (const id of sessions) {
      for (const task of this.#index.tasks(id)) {
        if (filter.status !== undefined && task.status !== filter.status) continue;
        if (filter.assignee !== undefined && task.assignee !== filter.assignee) continue;
        tasks.push({ ...task, session: id });
      }
      for (const file of this.#index.brokenTasks(id)) broken.push({ id: file.id, file: file.file, line: file.line, code: file.code, message: file.message, session: id });
    }
    return { tasks, broken };
  }

  async createTask(caller: Caller, input: CreateTaskInput): Promise<CreatedTask> {
    return this.#tool(caller, 'create_task', input, async () => {
      const session = this.#session(input.session_id);
      const title = validateTaskTitle(input.title);
      const assignee = input.assignee === undefined ? null : validateAgentName(input.assignee, 'assignee');
      const from = input.from === undefined ? DEFAULT_FROM : validateFromName(input.from);
      const body = input.body === undefined ? undefined : validateTaskBody(input.body);
      const depends = (input.depends_on ?? []).map((id) => validateTaskId(id, 'depends_on'));
      const created = await createTaskFile(
        session.root,
        {
          title,
          assignee,
          from,
          status: 'todo',
          priority: input.priority ?? 'medium',
          depends_on: depends,
          created: today(),
          ...(body !== undefined ? { body } : {}),
        },
        await readFile(TASK_TEMPLATE, 'utf8'),
        // Not routed: the index nudges the assignee like for any new task.
        { beforeWrite: (path, hash) => this.#index.expectOwnWrite(path, hash, { routed: false }) },
      );
      this.#git.expectHubWrite(session.id, created.file, { caller: caller.id, summary: `task created by ${from}` });
      await this.#index.reflect(join(session.root, created.file));
      const task = this.#index.task(session.id, created.id);
      if (!task) throw new HubError(ErrorCodes.INTERNAL, `${created.file} was written but the index does not show it yet; list_tasks will.`);
      // Written anyway (the agent or the task may come later), but said: an assignee that is no
      // agent of the session, a dependency no task file has (the index's own diagnostics).
      const warnings = this.#index.sessionStatus(session.id).diagnostics.filter((d) => d.file === created.file && (d.code === 'assignee-unknown' || d.code === 'depends-on-unknown'));
      return { task: task.summary, warnings };
    }, () => optionalSession(input.session_id));
  }

  async updateTask(caller: Caller, input: UpdateTaskInput): Promise<TaskSummary> {
    return this.#tool(caller, 'update_task', input, async () => {
      const session = this.#session(input.session_id);
      const taskId = validateTaskId(input.task_id);
      const indexed = this.#index.task(session.id, taskId);
      if (!indexed) throw this.#taskNotFound(session.id, taskId, 'edit');
      const fields: { -readonly [K in keyof TaskFieldUpdate]: TaskFieldUpdate[K] } = {};
      if (input.status !== undefined) fields.status = input.status;
      if (input.priority !== undefined) fields.priority = input.priority;
      if (input.title !== undefined) fields.title = validateTaskTitle(input.title);
      if (input.assignee !== undefined) fields.assignee = input.assignee === null ? null : validateAgentName(input.assignee, 'assignee');
      const log = input.log === undefined ? undefined : validateLogLine(input.log);
      const who = input.from === undefined ? DEFAULT_FROM : validateFromName(input.from);
      if (input.from !== undefined && log === undefined) {
        throw new HubError(ErrorCodes.INVALID_ARGUMENT, '"from" says who writes the log line; give "log" with it.', { data: { field: 'from' } });
      }
      if (Object.keys(fields).length === 0 && log === undefined) {
        throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'Nothing to change: give at least one of status, assignee, priority, title or log.');
      }
      fields.updated = today();
      const file = indexed.summary.file;
      await updateProtocolFile(
        session.root,
        file,
        (text) => {
          let next = setTaskFields(text, file, fields);
          if (log !== undefined) next = appendTaskLog(next, file, { at: nowStamp(), who, text: log });
          return next;
        },
        { beforeWrite: (path, hash) => this.#index.expectOwnWrite(path, hash, { routed: false }) },
      );
      this.#git.expectHubWrite(session.id, file, { caller: caller.id, summary: `task updated (${Object.keys(fields).filter((k) => k !== 'updated').join(', ') || 'log'})` });
      await this.#index.reflect(join(session.root, file));
      return this.#index.task(session.id, taskId)?.summary ?? indexed.summary;
    }, () => optionalSession(input.session_id));
  }

  async readTodo(sessionId: string): Promise<string> {
    const session = this.#session(sessionId);
    // A session without a TODO.md yet reads as empty; any other problem is reported.
    return (await readProtocolFileIfExists(session.root, TODO_FILE))?.text ?? '';
  }

  async readTask(sessionId: string, taskId: string): Promise<TaskFileText> {
    const session = this.#session(sessionId);
    const id = validateTaskId(taskId);
    const task = this.#index.task(session.id, id);
    if (task) return { text: (await readProtocolFile(session.root, task.summary.file)).text, diagnostics: [] };
    // A file that does not parse is served as written, with what is wrong: that is what a person needs to fix it.
    const broken = this.#index.brokenTask(session.id, id);
    if (!broken) throw this.#taskNotFound(session.id, id, 'read');
    return { text: (await readProtocolFile(session.root, broken.file)).text, diagnostics: broken.diagnostics };
  }

  // ── TODO.md ───────────────────────────────────────────────────────────────────────────────

  async editTodo(caller: Caller, input: TodoEditInput): Promise<TodoEditResult> {
    return this.#tool(caller, 'edit_todo', input, async () => {
      const session = this.#session(input.session_id);
      const agents = this.#index.session(session.id).agents;
      let edit: (text: string) => string;
      let target: { line: number } | { text: string };
      if (input.action === 'add') {
        const agent = validateAgentName(input.agent, 'agent');
        const text = validateTodoItemText(input.text);
        edit = (current) => addTodoItem(current, TODO_FILE, agent, text, { agents });
        target = { text };
      } else if (input.action === 'check' || input.action === 'uncheck') {
        const line = validateLineNumber(input.line);
        const checked = input.action === 'check';
        edit = (current) => toggleTodoItem(current, TODO_FILE, line, checked);
        target = { line };
      } else {
        throw new HubError(ErrorCodes.INVALID_ARGUMENT, '"action" must be add, check or uncheck.', { data: { field: 'action' } });
      }
      const beforeWrite = (path: string, hash: string): void => this.#index.expectOwnWrite(path, hash, { routed: false });
      let result: { text: string; changed: boolean; before: string };
      try {
        let before = '';
        const updated = await updateProtocolFile(session.root, TODO_FILE, (current) => ((before = current), edit(current)), { beforeWrite });
        result = { text: updated.text, changed: updated.changed, before };
      } catch (error) {
        // No TODO.md yet: adding an item writes the first one (never over one made meanwhile).
        if (!isMissing(error) || input.action !== 'add') throw error;
        const text = edit('# TODO\n');
        if (!(await createProtocolFile(session.root, TODO_FILE, text, { beforeWrite }))) {
          throw new HubError(ErrorCodes.EDIT_CONFLICT, `${TODO_FILE} appeared while the hub was creating it; try again.`, { data: { path: TODO_FILE } });
        }
        result = { text, changed: true, before: '' };
      }
      if (result.changed) {
        this.#git.expectHubWrite(session.id, TODO_FILE, { caller: caller.id, summary: input.action === 'add' ? `item added for ${input.agent}` : `item on line ${input.line} ${input.action}ed` });
        await this.#index.reflect(join(session.root, TODO_FILE));
      }
      const doc = parseTodo(result.text, TODO_FILE, { agents });
      let item: (typeof doc.items)[number] | undefined;
      if ('line' in target) item = doc.items.find((candidate) => candidate.line === target.line);
      else {
        // The new item: the first with that text at or after the first line the edit changed.
        const old = result.before.split('\n');
        const now = result.text.split('\n');
        let first = 0;
        while (first < old.length && first < now.length && old[first] === now[first]) first++;
        item = doc.items.find((candidate) => candidate.line > first && candidate.text === target.text);
      }
      if (item === undefined) throw new HubError(ErrorCodes.INTERNAL, `${TODO_FILE} was edited but the item does not read back; get_session_status shows the file's state.`);
      return {
        file: TODO_FILE,
        item: { line: item.line, text: item.text, checked: item.checked, assignee: item.assignee, section: doc.sections[item.section]?.title ?? null },
        progress: doc.progress,
        changed: result.changed,
      };
    }, () => optionalSession(input.session_id));
  }

  /** TASK_NOT_FOUND, or — when the id names a file that does not parse — NOT_EDITABLE with its file and line. */
  #taskNotFound(sessionId: string, taskId: string, doing: 'edit' | 'read'): HubError {
    const broken = this.#index.brokenTask(sessionId, taskId);
    if (broken !== null && doing === 'edit') {
      return new HubError(
        ErrorCodes.NOT_EDITABLE,
        `${taskId} is in ${broken.file}, which does not parse (line ${broken.line}: ${broken.message}). Fix it by hand; the hub does not rewrite a file it cannot read.`,
        { data: { task_id: taskId, file: broken.file, line: broken.line, code: broken.code } },
      );
    }
    const known = this.#index.tasks(sessionId).length;
    return new HubError(ErrorCodes.TASK_NOT_FOUND, `${taskId} is not a task of session ${sessionId}; list_tasks shows its ${known} task${known === 1 ? '' : 's'}.`, { data: { task_id: taskId } });
  }

  /** ROOT_OVERLAP names the session (its id) whose root is in the way. */
  #nameOverlappingSession(error: unknown): unknown {
    if (!(error instanceof HubError) || error.code !== ErrorCodes.ROOT_OVERLAP) return error;
    const other = typeof error.data?.['other'] === 'string' ? error.data['other'] : null;
    const owner = this.#store.get().sessions.find((s) => s.root === other);
    if (owner === undefined) return error;
    const same = error.data?.['real'] === other;
    const message = same
      ? `root_path: ${other} is already session ${owner.id} ("${owner.name}"); use session_id ${owner.id}, or delete that session first.`
      : error.message.replace(`another session (${other})`, `session ${owner.id} ("${owner.name}", root ${other})`);
    return new HubError(ErrorCodes.ROOT_OVERLAP, message, { data: { ...error.data, session_id: owner.id } });
  }

  // ── plumbing ──────────────────────────────────────────────────────────────────────────────

  onChange(listener: (change: HubChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
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
    await this.#persistQueue;
    await this.#lastAudit;
    await this.#git.flush();
  }

  get index(): LiveIndex {
    return this.#index;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    this.#agents.shutdown();
    this.#delivery.close();
    await this.#persistQueue;
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
    tagsOf: (result: T) => { session?: string; agent?: string },
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
    const appended = this.#audit.append(entry, options).catch((error: unknown) => this.#logger.error('audit append failed', { kind: entry.kind, error: toHubError(error).message }));
    this.#lastAudit = appended;
    await appended;
  }

  #forward(change: Parameters<Parameters<LiveIndex['onChange']>[0]>[0]): void {
    let out: HubChange;
    switch (change.kind) {
      case 'sessions':
        out = { kind: 'sessions' };
        break;
      case 'todo':
        out = { kind: 'todo', session: change.session };
        break;
      case 'task':
        out = { kind: 'task', session: change.session, taskId: change.taskId };
        break;
      case 'tasks':
        out = { kind: 'tasks', session: change.session };
        break;
      case 'agent':
      case 'status':
        out = { kind: 'status', session: change.session };
        break;
    }
    for (const listener of this.#listeners) {
      try {
        listener(out);
      } catch (error) {
        this.#logger.error('change listener failed', { error: String(error) });
      }
    }
  }

  #syncIndexAgents(sessionId: string): void {
    const agents = this.#store.get().agents.filter((a) => a.session === sessionId);
    this.#index.setAgents(sessionId, agents.map((a) => ({ name: a.name, specialization: a.specialization })));
  }

  #sessionRecord(id: string): Session | undefined {
    return this.#store.get().sessions.find((s) => s.id === id);
  }

  #session(id: unknown): Session {
    const session = typeof id === 'string' ? this.#sessionRecord(id) : undefined;
    if (!session) {
      const sessions = this.#store.get().sessions;
      const known = sessions.map((s) => s.id);
      // A name (or a root) where an id belongs: say which ids it means.
      const wanted = typeof id === 'string' ? id.trim().toLowerCase() : null;
      const candidates = wanted === null ? [] : sessions.filter((s) => s.name.toLowerCase() === wanted || s.root === id || s.id.toLowerCase() === wanted).map((s) => s.id);
      const hint =
        candidates.length > 0
          ? `${JSON.stringify(id)} is not a session id but matches session ${candidates.join(', ')}; pass ${candidates.length === 1 ? 'that' : 'one of those'} as session_id.`
          : known.length === 0
            ? 'the hub has no sessions yet (create_session makes one).'
            : `the session ids are ${known.slice(0, 10).join(', ')}${known.length > 10 ? `, … (${known.length}; list_sessions shows all)` : ''}.`;
      throw new HubError(ErrorCodes.SESSION_NOT_FOUND, `No session ${JSON.stringify(id)}; ${hint}`, { data: { session_id: id, known, candidates } });
    }
    return session;
  }

  #agentRecord(name: string): Agent | undefined {
    return this.#store.get().agents.find((a) => a.name === name);
  }

  #agent(name: unknown): Agent {
    const agent = typeof name === 'string' ? this.#agentRecord(name) : undefined;
    if (!agent) {
      const known = this.#store.get().agents.map((a) => a.name);
      throw new HubError(ErrorCodes.AGENT_NOT_FOUND, `No agent ${JSON.stringify(name)}; the hub has ${known.length === 0 ? 'no agents yet (create_agent makes one)' : known.join(', ')}.`, {
        data: { agent_name: name, known },
      });
    }
    return agent;
  }
}

const READ_ONLY = { readOnly: true } as const;

function optionalSession(session: string | undefined): { session?: string } {
  return session === undefined ? {} : { session };
}

/** The smallest `Agent_<n>` no agent of the hub has. */
export function nextAgentName(state: Frozen<HubState>): string {
  const taken = new Set(state.agents.map((a) => a.name));
  for (let n = 1; ; n++) if (!taken.has(`Agent_${n}`)) return `Agent_${n}`;
}

/** Hook events that mean the agent is past any dialog: it took a prompt or ran a tool. */
const CLEARS_DIALOG: ReadonlySet<string> = new Set(['UserPromptSubmit', 'PostToolUse', 'PostToolUseFailure', 'ElicitationResult', 'SessionEnd']);
