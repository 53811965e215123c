/**
 * Messages to agents: send_message_to_agent (the message is written as a task file first, so
 * it is in the files and their history whatever the terminal does, then queued as a nudge), the
 * nudges the live index asks for (a new task for an agent), and the delivery queue
 * (delivery.ts) with its persistence: every change of the queue is written to the state store
 * before anything is typed, and after a restart the queue comes back, except what the agent's
 * hook history already confirms (never typed twice). Owns the queue; a queued message is saved
 * in the queue's own shape (QueuedMessage), which says where it was recorded (session, task).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { HubConfig } from '../config.js';
import type { Logger } from '../log.js';
import { HubError, ErrorCodes, toHubError } from '../errors.js';
import { sleep } from '../sleep.js';
import { createTaskFile } from '../store/files.js';
import type { Frozen, StateStore } from '../store/state-store.js';
import type { HubState, QueuedMessage } from '../store/state-schema.js';
import type { AuditAppend } from '../store/audit-log.js';
import { validateFromName, validateMessage } from '../security/validate.js';
import { DEFAULT_MAX_TERMINAL_TEXT_BYTES, sanitizeTerminalText } from '../terminal/sanitize.js';
import { agentEventsFile } from '../agent/settings.js';
import { TAKES_INPUT } from './types.js';
import { DeliveryQueue, confirms, type DeliveryEntry, type DeliveryReadiness } from './delivery.js';
import { parseHookLine } from './events.js';
import type { LiveIndex } from './index.js';
import type { GitRecorder } from './git-recorder.js';
import type { AgentTerminals } from './terminals.js';
import type { Agent, Records } from './records.js';
import { DEFAULT_FROM, type Caller, type MessageResult } from './api.js';
import { TASK_TEMPLATE, today } from './tasks.js';
import { optionalSession, type ToolRunner } from './tool-call.js';

/** The messages' part of HubApi. */
export interface MessageCalls {
  sendMessage(caller: Caller, input: { agent_name: string; message: string; from?: string }): Promise<MessageResult>;
}

/** The messages' tool calls, each audited by `run`. */
export function messageCalls(messages: Messages, records: Records, run: ToolRunner): MessageCalls {
  return {
    sendMessage: (caller, input) =>
      run(
        caller,
        'send_message_to_agent',
        { agent_name: input.agent_name, from: input.from, message: input.message },
        () => messages.send(caller.id, input),
        () => optionalSession(records.agentRecord(input.agent_name)?.session),
      ),
  };
}

/** Room kept for `TASK-<n> from <from> (<task file>):` in front of a message. */
const NUDGE_HEADER_BYTES = 512;

export interface MessagesDeps {
  readonly config: HubConfig;
  readonly logger: Logger;
  readonly store: StateStore;
  readonly index: LiveIndex;
  readonly git: GitRecorder;
  readonly records: Records;
  readonly terminals: AgentTerminals;
  /** Whether an agent's prompt box is ready (the screen watch). */
  readonly readiness: DeliveryReadiness;
  /** Records an event in the audit log. */
  readonly audit: (entry: AuditAppend) => Promise<void>;
  /** How long send waits for an idle agent to confirm before answering `queued`. */
  readonly deliveryWaitMs?: number;
  readonly confirmTimeoutMs?: number;
  /** Why nothing may be typed into an agent now (usage limit, budget), or null: see DeliveryQueueOptions.gate. */
  readonly gate?: (agent: string) => string | null;
}

export class Messages {
  readonly #deps: MessagesDeps;
  readonly #queue: DeliveryQueue;
  #persisting: Promise<unknown> = Promise.resolve();

  constructor(deps: MessagesDeps) {
    this.#deps = deps;
    this.#queue = new DeliveryQueue({
      terminals: { terminalOf: (agent) => deps.terminals.of(agent) },
      status: deps.index,
      hooks: deps.index,
      readiness: deps.readiness,
      persist: (snapshot) => this.#persist(snapshot),
      logger: deps.logger,
      ...(deps.gate ? { gate: deps.gate } : {}),
      ...(deps.confirmTimeoutMs !== undefined ? { confirmTimeoutMs: deps.confirmTimeoutMs } : {}),
    });
  }

  /** Writes the message as a task file for the agent, queues its nudge, and says how far it got. */
  async send(callerId: string, input: { agent_name: string; message: string; from?: string }): Promise<MessageResult> {
    const { records, index, git } = this.#deps;
    const agent = records.agent(input.agent_name);
    const message = validateMessage(input.message);
    // Checked before anything is written: the nudge (a short header + the message) must fit the
    // terminal limit, and a message of only control sequences would reach the agent as nothing.
    if (sanitizeTerminalText(message, DEFAULT_MAX_TERMINAL_TEXT_BYTES - NUDGE_HEADER_BYTES).trim() === '') {
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'message: nothing is left once terminal control sequences are removed; send some text.', {
        data: { field: 'message' },
      });
    }
    const from = input.from === undefined ? DEFAULT_FROM : validateFromName(input.from);
    const session = records.session(agent.session);
    // First the files: the message is in the protocol (and its git history) whatever the terminal does.
    const created = await createTaskFile(
      session.root,
      { title: firstLine(message), assignee: agent.name, from, status: 'todo', created: today(), body: message },
      await readFile(TASK_TEMPLATE, 'utf8'),
      { beforeWrite: (path, hash) => index.expectOwnWrite(path, hash, { routed: true, onlyFor: [agent.name] }) },
    );
    git.expectHubWrite(session.id, created.file, { caller: callerId, summary: `message from ${from} to ${agent.name}` });
    const nudge = `${created.id} from ${from} (${created.file}):\n${message}`;
    const { deliveryId, settled } = this.#enqueue(agent, nudge, created.id);
    // Acknowledged means it survives a crash: the queue entry is on disk before we answer.
    await this.#queue.flushed();
    const status = index.getStatus(agent.name);
    const base = { agent: agent.name, taskId: created.id, taskFile: created.file, deliveryId };
    const held = this.#deps.gate?.(agent.name) ?? null;
    if (held !== null || status === null || !TAKES_INPUT.has(status)) {
      const reason =
        held !== null
          ? `held: ${held}. The message waits in its queue and in ${created.file}.`
          : status === 'exited'
            ? `${agent.name} has exited; the message waits in its queue and in ${created.file} until start_new_agent_conversation reopens it.`
            : `${agent.name} is ${status ?? 'unknown'}; the message goes out when it is idle.`;
      return { ...base, state: 'queued' as const, reason };
    }
    const outcome = await Promise.race([settled, sleep(this.#deps.deliveryWaitMs ?? 20_000, { unref: true }).then(() => null)]);
    if (outcome === null) return { ...base, state: 'queued' as const, reason: 'not confirmed yet; it stays queued and is retried' };
    return outcome.state === 'delivered'
      ? { ...base, state: 'delivered' as const }
      : { ...base, state: 'undelivered' as const, reason: outcome.reason ?? 'unknown' };
  }

  /**
   * Follows the index's nudges (a task for an agent) and audits every delivery outcome.
   * Returns the disposers.
   */
  listen(): (() => void)[] {
    const { index, records, audit } = this.#deps;
    return [
      index.onNudge((nudge) => {
        const agent = records.agentRecord(nudge.agent);
        if (!agent || agent.session !== nudge.session) return;
        this.#enqueue(agent, nudge.text, nudge.taskId);
      }),
      this.#queue.on((event) => {
        const session = event.entry.session;
        void audit({
          kind: 'delivery',
          actor: 'hub',
          agent: event.entry.agent,
          ...(session !== undefined ? { session } : {}),
          outcome: event.type,
          detail: event.type === 'undelivered' ? event.reason : event.type === 'retry' ? `submit ${event.submit}` : event.entry.deliveryId,
        });
      }),
    ];
  }

  /**
   * Queues a short hub message for an agent (e.g. "continue" after a usage limit's reset): no
   * task file (nothing for the agent to track), recorded against its current task, delivered
   * like any message (saved, once). Unknown agents are ignored.
   */
  nudge(agentName: string, text: string): void {
    const agent = this.#deps.records.agentRecord(agentName);
    if (!agent) return;
    let current: string | null = null;
    try {
      current = this.#deps.index.agentView(agent.session, agent.name).currentTask;
    } catch {
      // not in the index (yet): recorded against no task
    }
    this.#enqueue(agent, text, current ?? 'none');
  }

  /** Try the agent's queue now (its terminal was opened, or its prompt box is ready again). */
  kick(agent: string): void {
    this.#queue.kick(agent);
  }

  /** Gives up on the agent's queued messages (it or its session is deleted), reporting each. */
  abandon(agent: string, reason: string): void {
    this.#queue.abandon(agent, reason);
  }

  /** Resolves once every queue change so far is in the state store. */
  async persisted(): Promise<void> {
    await this.#persisting;
  }

  close(): void {
    this.#queue.close();
  }

  #enqueue(agent: Agent, text: string, taskId: string): { deliveryId: string; settled: ReturnType<DeliveryQueue['whenSettled']> } {
    const deliveryId = `d-${randomBytes(6).toString('hex')}`;
    const { settled } = this.#queue.enqueue({ deliveryId, agent: agent.name, session: agent.session, taskId, text });
    return { deliveryId, settled };
  }

  // ── persistence ───────────────────────────────────────────────────────────────────────────

  #persist(snapshot: readonly DeliveryEntry[]): Promise<void> {
    this.#showQueueLengths(snapshot);
    const queue = snapshot.filter(isRecorded);
    const { store, logger } = this.#deps;
    const known = new Set(store.get().agents.map((a) => a.name));
    const write = this.#persisting.then(() =>
      store.update((draft) => {
        draft.queue = queue.filter((m) => known.has(m.agent));
      }),
    );
    this.#persisting = write.catch((error: unknown) => logger.error('could not persist the delivery queue', { error: toHubError(error).message }));
    return write.then(() => undefined);
  }

  /** Every agent's status shows how many messages wait for it. */
  #showQueueLengths(snapshot: readonly DeliveryEntry[]): void {
    const counts = new Map<string, number>();
    for (const entry of snapshot) counts.set(entry.agent, (counts.get(entry.agent) ?? 0) + 1);
    for (const agent of this.#deps.store.get().agents) {
      this.#deps.index.setAgentRuntime(agent.session, agent.name, { queuedMessages: counts.get(agent.name) ?? 0 });
    }
  }

  /** Queued messages come back; one already confirmed in the agent's hook history is never typed again. */
  async restore(state: Frozen<HubState>): Promise<void> {
    const entries: DeliveryEntry[] = [];
    for (const message of state.queue) {
      if (message.state === 'delivered' || message.state === 'undelivered') continue;
      if (message.state !== 'queued' && (await this.#confirmedInHistory(message))) {
        await this.#deps.audit({
          kind: 'delivery',
          actor: 'hub',
          session: message.session,
          agent: message.agent,
          outcome: 'delivered',
          detail: `${message.deliveryId} (confirmed before restart)`,
        });
        continue;
      }
      entries.push(message);
    }
    this.#queue.restore(entries);
  }

  /** Whether the agent's UserPromptSubmit history carries this (typed) message. */
  async #confirmedInHistory(entry: Frozen<QueuedMessage>): Promise<boolean> {
    const session = entry.session;
    const file = agentEventsFile(this.#deps.config.stateDir, session, entry.agent);
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
}

/** An entry the hub queued says where it was recorded; only those are saved. */
function isRecorded(entry: DeliveryEntry): entry is Frozen<QueuedMessage> {
  return entry.session !== undefined && entry.taskId !== undefined;
}

/** A task title from a message: its first non-blank line, shortened. */
function firstLine(text: string, max = 72): string {
  const line =
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? 'Message';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
