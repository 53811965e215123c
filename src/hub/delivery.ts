/**
 * Confirmed delivery of messages into agents' terminals. One FIFO per agent; a message is
 * typed only when its agent is idle (never while it works, never into a dialog), as ONE
 * bracketed paste followed by a separate submit, and counts as delivered only when the agent's
 * `UserPromptSubmit` hook reports a prompt carrying the text (or the delivery id). Without
 * confirmation the submit is pressed again (bounded, with backoff); still nothing → the message
 * is reported `undelivered` with the reason. Never silently dropped, never typed twice: queues
 * are handed to a persistence callback on every change and restored after a restart.
 */
import { Emitter } from '../emitter.js';
import { HubError, ErrorCodes, toHubError } from '../errors.js';
import { sanitizeTerminalText, DEFAULT_MAX_TERMINAL_TEXT_BYTES } from '../terminal/sanitize.js';
import { readScreen } from '../screen/read.js';
import { sleep } from '../sleep.js';
import type { TerminalBackend, TerminalHandle } from '../terminal/backend.js';
import type { AgentStatus, HookEvent } from './types.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { DeliveryState, QueuedMessage } from '../store/state-schema.js';

export type { DeliveryState };

/**
 * One message on its way: the saved shape (QueuedMessage, src/store/state-schema.ts, plain
 * JSON). Where it was recorded (`session`, `taskId`) rides along untouched: the queue does not
 * read it, the hub's messages always set it, a bare queue in a test need not.
 */
export type DeliveryEntry = Readonly<Omit<QueuedMessage, 'session' | 'taskId'> & Partial<Pick<QueuedMessage, 'session' | 'taskId'>>>;

export interface DeliveryOutcome {
  readonly deliveryId: string;
  readonly agent: string;
  readonly state: 'delivered' | 'undelivered';
  readonly reason: string | null;
  /** The hook event that confirmed it. */
  readonly confirmedBy: HookEvent | null;
}

export type DeliveryEvent =
  | { readonly type: 'delivered'; readonly entry: DeliveryEntry; readonly event: HookEvent }
  | { readonly type: 'undelivered'; readonly entry: DeliveryEntry; readonly reason: string }
  | { readonly type: 'retry'; readonly entry: DeliveryEntry; readonly submit: number };

/** Where the agent's terminal is now (it changes when a conversation is restarted). */
export interface DeliveryTerminals {
  terminalOf(agent: string): { readonly backend: TerminalBackend; readonly handle: TerminalHandle } | null;
}

/** The live index's view of agents. */
export interface DeliveryStatusSource {
  getStatus(agent: string): AgentStatus | null;
  onStatusChange(listener: (agent: string, status: AgentStatus) => void): () => void;
}

/** Whether the agent's prompt box is the active element right now (screens.ts). */
export interface DeliveryReadiness {
  ready(agent: string): Promise<boolean>;
}

/** Every hook event of every agent, as read from the event files. */
export interface DeliveryHookSource {
  onHookEvent(listener: (event: HookEvent) => void): () => void;
}

export interface DeliveryQueueOptions {
  readonly terminals: DeliveryTerminals;
  readonly status: DeliveryStatusSource;
  readonly hooks: DeliveryHookSource;
  /**
   * Asked right before typing and before every Enter: nothing goes to a terminal whose prompt
   * box has something in front of it (a menu, a dialog, an unreadable screen). Without it, the
   * screen is read here for the Enters.
   */
  readonly readiness?: DeliveryReadiness;
  /** Called with every pending entry after each change (persist it). */
  readonly onQueueChanged?: (snapshot: readonly DeliveryEntry[]) => void;
  /**
   * Makes a snapshot durable. Nothing is typed before the entry's `typing` state is durable,
   * so a hub killed right after a paste never types the same message again after a restart.
   */
  readonly persist?: (snapshot: readonly DeliveryEntry[]) => Promise<void>;
  readonly logger?: Logger;
  /** Wait for UserPromptSubmit after a submit before pressing it again. Default 1000 ms; doubles each time (a second Enter into an empty or busy prompt box is harmless). */
  readonly confirmTimeoutMs?: number;
  /** Submits per message, the first included. Default 3. */
  readonly maxSubmits?: number;
  readonly maxBytes?: number;
  /** Pause between the paste and the first submit. Default 0 (see docs/performance.md, Delivery). */
  readonly submitDelayMs?: number;
  /**
   * Typing within this long after the agent's Stop/SessionStart waits out the rest: Enter pressed
   * while the TUI is still settling is sometimes ignored (measured). Default 400 ms.
   */
  readonly settleAfterStopMs?: number;
  readonly now?: () => Date;
}

const PENDING: ReadonlySet<DeliveryState> = new Set(['queued', 'typing', 'awaiting_confirmation']);

/**
 * Whitespace-insensitive comparison: the TUI may trim or re-flow what was pasted. Invisible
 * format characters (zero-width, BOM, soft hyphen: Unicode Cf) do not count either: a release
 * may drop them from what it submits.
 */
function normalize(text: string): string {
  return text
    .replace(/\p{Cf}/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Long enough that finding it inside a larger prompt cannot be chance. */
const MIN_CONTAINED_LENGTH = 24;

/**
 * The text a person pasted, out of the wrapper some releases put around a paste in the prompt
 * they submit (2.1.332: `\n\n<pasted_content id="4b55">\n…\n</pasted_content id="4b55">` for
 * some pastes; 2.1.197: none). Anything else comes back as it is.
 */
export function unwrapPastedContent(prompt: string): string {
  const match = /^\s*<pasted_content id="([^"]*)">\n([\s\S]*)\n<\/pasted_content id="\1">\s*$/.exec(prompt);
  return match ? (match[2] ?? '') : prompt;
}

/**
 * Does this UserPromptSubmit prompt carry the entry? Exactly (once a release's paste wrapper is
 * taken off), or — when text a person left in the prompt box was submitted together with ours —
 * contained in it.
 */
export function confirms(submitted: string, entry: Pick<DeliveryEntry, 'text' | 'deliveryId'>): boolean {
  const prompt = unwrapPastedContent(submitted);
  if (prompt === entry.text || prompt.includes(entry.deliveryId)) return true;
  const want = normalize(entry.text);
  if (want.length === 0) return false;
  const got = normalize(prompt);
  return got === want || (want.length >= MIN_CONTAINED_LENGTH && got.includes(want));
}

interface Waiter {
  readonly entry: DeliveryEntry;
  resolve(event: HookEvent | null): void;
}

export class DeliveryQueue {
  readonly #queues = new Map<string, DeliveryEntry[]>();
  readonly #pumping = new Set<string>();
  /** Agents that took a prompt and have not stopped since: the index may not know yet. */
  readonly #busy = new Set<string>();
  /** Agents whose prompt box was not ready at the last try: nothing is typed until a kick. */
  readonly #boxNotReady = new Set<string>();
  /** When each agent's last Stop/StopFailure/SessionStart was seen (ms since epoch). */
  readonly #settledSince = new Map<string, number>();
  readonly #waiters = new Map<string, Waiter>();
  readonly #settled = new Map<string, { promise: Promise<DeliveryOutcome>; resolve: (o: DeliveryOutcome) => void }>();
  readonly #unsubscribe: (() => void)[] = [];
  /** Restored entries that were marked typed: if no submit confirms them, their paste never landed. */
  readonly #retypeIfUnconfirmed = new Set<string>();
  #durable: Promise<void> = Promise.resolve();
  readonly #confirmTimeoutMs: number;
  readonly #maxSubmits: number;
  readonly #maxBytes: number;
  readonly #logger: Logger;
  readonly #now: () => Date;
  #closed = false;
  readonly #events: Emitter<{ event: [DeliveryEvent] }>;

  readonly #options: DeliveryQueueOptions;

  constructor(options: DeliveryQueueOptions) {
    this.#options = options;
    this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 1000;
    this.#maxSubmits = Math.max(1, options.maxSubmits ?? 3);
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_TERMINAL_TEXT_BYTES;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => new Date());
    this.#events = new Emitter({ name: 'delivery', logger: this.#logger });
    this.#unsubscribe.push(options.hooks.onHookEvent((event) => this.#onHookEvent(event)));
    this.#unsubscribe.push(
      options.status.onStatusChange((agent, status) => {
        // A change to idle comes after the agent's Stop, so it also ends our own busy mark.
        if (status === 'idle' || status === 'exited') this.#busy.delete(agent);
        if (status === 'idle') this.kick(agent);
      }),
    );
  }

  /** Subscribe to delivered / undelivered / retry. */
  on(listener: (event: DeliveryEvent) => void): () => void {
    return this.#events.on('event', listener);
  }

  /**
   * Sanitizes and queues a message (throws TOO_LARGE before anything is queued), then tries to
   * deliver it at once if the agent is idle. `settled` resolves when it is delivered or not.
   */
  enqueue(input: { deliveryId: string; agent: string; text: string; session?: string; taskId?: string }): {
    entry: DeliveryEntry;
    settled: Promise<DeliveryOutcome>;
  } {
    if (this.#closed) throw new HubError(ErrorCodes.DELIVERY_FAILED, 'The hub is shutting down; the message was not queued.');
    if (this.#settled.has(input.deliveryId) || this.#find(input.deliveryId)) {
      throw new HubError(ErrorCodes.ALREADY_EXISTS, `Delivery ${input.deliveryId} is already queued.`, { data: { deliveryId: input.deliveryId } });
    }
    const text = sanitizeTerminalText(input.text, this.#maxBytes);
    if (normalize(text) === '') throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'The message is empty after sanitizing; nothing to deliver.');
    const entry: DeliveryEntry = {
      deliveryId: input.deliveryId,
      agent: input.agent,
      ...(input.session !== undefined ? { session: input.session } : {}),
      ...(input.taskId !== undefined ? { taskId: input.taskId } : {}),
      text,
      state: 'queued',
      enqueuedAt: this.#now().toISOString(),
      typedAt: null,
      submits: 0,
      reason: null,
    };
    this.#queueOf(input.agent).push(entry);
    const settled = this.#settlement(entry.deliveryId);
    this.#changed();
    this.kick(input.agent);
    return { entry, settled };
  }

  /**
   * Takes back persisted entries after a restart. Entries already typed are never typed again:
   * they wait for their confirmation (submit is pressed again if it does not come).
   */
  restore(entries: readonly DeliveryEntry[]): void {
    for (const entry of entries) {
      if (!PENDING.has(entry.state) || this.#find(entry.deliveryId)) continue;
      const restored: DeliveryEntry =
        entry.typedAt !== null || entry.state !== 'queued' ? { ...entry, state: 'awaiting_confirmation', typedAt: entry.typedAt ?? entry.enqueuedAt } : entry;
      if (restored.state === 'awaiting_confirmation') this.#retypeIfUnconfirmed.add(restored.deliveryId);
      this.#queueOf(entry.agent).push(restored);
      this.#settlement(entry.deliveryId);
    }
    this.#changed();
    for (const agent of this.#queues.keys()) this.kick(agent);
  }

  /** Resolves once every change so far is durable (see `persist`): acknowledge only after it. */
  flushed(): Promise<void> {
    return this.#durable;
  }

  /** Pending entries (all agents, or one), in order. */
  pending(agent?: string): readonly DeliveryEntry[] {
    if (agent !== undefined) return [...(this.#queues.get(agent) ?? [])];
    return [...this.#queues.values()].flat();
  }

  /** Resolves when this delivery is delivered or undelivered. */
  whenSettled(deliveryId: string): Promise<DeliveryOutcome> {
    const known = this.#settled.get(deliveryId);
    if (!known) throw new HubError(ErrorCodes.INVALID_ARGUMENT, `No delivery ${deliveryId} is known.`, { data: { deliveryId } });
    return known.promise;
  }

  /** Gives up on every pending message of an agent (e.g. it was deleted), reporting each. */
  abandon(agent: string, reason: string): void {
    for (const entry of [...(this.#queues.get(agent) ?? [])]) this.#finishUndelivered(entry, reason);
  }

  /** Try again now (e.g. after the hub learned the agent is idle, or its prompt box is ready). */
  kick(agent: string): void {
    this.#boxNotReady.delete(agent);
    this.#pumpIfIdle(agent);
  }

  #pumpIfIdle(agent: string): void {
    if (this.#closed || this.#pumping.has(agent)) return;
    const head = this.#queues.get(agent)?.[0];
    if (!head) return;
    this.#pumping.add(agent);
    void this.#pump(agent)
      .catch((error: unknown) => this.#logger.error('delivery pump failed', { agent, error: String(error) }))
      .finally(() => {
        this.#pumping.delete(agent);
        // Something may have arrived or changed while this pump ran (not a box that was not
        // ready: that waits for a kick, or the pump would spin without yielding).
        if (this.#readyFor(agent)) this.#pumpIfIdle(agent);
      });
  }

  close(): void {
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    for (const waiter of this.#waiters.values()) waiter.resolve(null);
    this.#waiters.clear();
  }

  #readyFor(agent: string): boolean {
    const head = this.#queues.get(agent)?.[0];
    if (!head || this.#closed) return false;
    if (head.state === 'awaiting_confirmation') return true;
    return !this.#busy.has(agent) && !this.#boxNotReady.has(agent) && this.#options.status.getStatus(agent) === 'idle';
  }

  async #pump(agent: string): Promise<void> {
    while (!this.#closed) {
      const head = this.#queues.get(agent)?.[0];
      if (!head) return;
      if (head.state === 'queued') {
        if (!this.#readyFor(agent)) return;
        const terminal = this.#options.terminals.terminalOf(agent);
        if (!terminal) return; // No terminal now: stays queued until the agent is started again.
        const settle = (this.#options.settleAfterStopMs ?? 400) - (Date.now() - (this.#settledSince.get(agent) ?? 0));
        if (settle > 0) {
          await sleep(settle);
          continue; // Re-check: the agent may have been given work meanwhile.
        }
        // The hooks say idle; the screen must say the prompt box is what keys go to.
        if (this.#options.readiness && !(await this.#options.readiness.ready(agent))) {
          this.#boxNotReady.add(agent); // the readiness source kicks when it is
          return;
        }
        if (this.#queues.get(agent)?.[0] !== head || !this.#readyFor(agent)) continue;
        const confirmation = this.#expect(head);
        const typed = this.#update(head, { state: 'typing' });
        try {
          await this.#durable;
          await terminal.backend.sendText(terminal.handle, typed.text);
          const submitted = this.#update(typed, { state: 'awaiting_confirmation', typedAt: this.#now().toISOString(), submits: 1 });
          if (this.#options.submitDelayMs) await sleep(this.#options.submitDelayMs);
          // A dialog that came up since the paste would take the Enter as its answer.
          if (await this.#promptBoxReady(agent, terminal)) await terminal.backend.submit(terminal.handle);
          await this.#confirmOrRetry(submitted, confirmation);
        } catch (error) {
          this.#waiters.delete(agent);
          const current = this.#find(head.deliveryId);
          if (current) this.#finishUndelivered(current, `typing into the terminal failed: ${toHubError(error).message}`);
        }
      } else {
        // Restored after a restart, already typed: only wait / press submit again.
        await this.#confirmOrRetry(head, this.#expect(head));
      }
    }
  }

  /** Waits for confirmation; presses submit again with backoff; ends delivered or undelivered. */
  async #confirmOrRetry(entry: DeliveryEntry, confirmation: Promise<HookEvent | null>): Promise<void> {
    let current = entry;
    let timeout = this.#confirmTimeoutMs;
    for (;;) {
      const event = await Promise.race([confirmation, sleep(timeout).then(() => null)]);
      if (this.#closed) return;
      const latest = this.#find(current.deliveryId);
      if (!latest) return; // Confirmed or abandoned meanwhile.
      current = latest;
      if (event) return; // onHookEvent already finished it.
      const status = this.#options.status.getStatus(current.agent);
      if (status === 'exited') return this.#finishUndelivered(current, `${current.agent} exited before confirming the message`);
      if (current.submits >= this.#maxSubmits && this.#retypeIfUnconfirmed.delete(current.deliveryId)) {
        // Restored as typed, yet no Enter made it a prompt: the hub died before its paste landed.
        // Typing it now is the first time the agent gets it.
        this.#logger.info('restored message was never pasted; typing it now', { agent: current.agent, deliveryId: current.deliveryId });
        this.#update(current, { state: 'queued', typedAt: null, submits: 0 });
        return;
      }
      if (current.submits >= this.#maxSubmits) {
        return this.#finishUndelivered(
          current,
          `no UserPromptSubmit from ${current.agent} after ${current.submits} submit(s); the text may still be in its prompt box${status === 'waiting_for_person' ? ' (the agent is waiting for a person at a dialog)' : ''}`,
        );
      }
      // Never press Enter into a dialog: count the attempt, wait for the person instead.
      const terminal = this.#options.terminals.terminalOf(current.agent);
      current = this.#update(current, { submits: current.submits + 1 });
      this.#emit({ type: 'retry', entry: current, submit: current.submits });
      if (status !== 'waiting_for_person' && terminal) {
        try {
          // The status may lag the screen: an Enter into a dialog would answer it.
          if (await this.#promptBoxReady(current.agent, terminal)) await terminal.backend.submit(terminal.handle);
        } catch (error) {
          return this.#finishUndelivered(current, `pressing submit failed: ${toHubError(error).message}`);
        }
      }
      timeout *= 2;
    }
  }

  /** With `readiness`: the prompt box is ready. Without: at least no dialog is on screen. */
  async #promptBoxReady(agent: string, terminal: { readonly backend: TerminalBackend; readonly handle: TerminalHandle }): Promise<boolean> {
    if (this.#options.readiness) return this.#options.readiness.ready(agent);
    const state = readScreen((await terminal.backend.readScreen(terminal.handle)).text).state;
    return state !== 'menu' && state !== 'press_enter';
  }

  #expect(entry: DeliveryEntry): Promise<HookEvent | null> {
    return new Promise((resolve) => {
      this.#waiters.set(entry.agent, { entry, resolve: (event) => resolve(event) });
    });
  }

  #onHookEvent(event: HookEvent): void {
    if (event.event === 'Stop' || event.event === 'StopFailure' || event.event === 'SessionStart' || event.event === 'SessionEnd') {
      this.#busy.delete(event.agent);
      this.#settledSince.set(event.agent, Date.now());
      if (event.event !== 'SessionEnd') this.kick(event.agent);
      return;
    }
    if (event.event !== 'UserPromptSubmit') return;
    this.#busy.add(event.agent);
    const prompt = typeof event.payload.prompt === 'string' ? event.payload.prompt : '';
    const queue = this.#queues.get(event.agent) ?? [];
    const entry = queue.find((e) => (e.state === 'awaiting_confirmation' || e.state === 'typing') && confirms(prompt, e));
    if (!entry) return;
    const delivered = this.#update(entry, { state: 'delivered' });
    this.#remove(delivered);
    const waiter = this.#waiters.get(event.agent);
    if (waiter?.entry.deliveryId === entry.deliveryId) {
      this.#waiters.delete(event.agent);
      waiter.resolve(event);
    }
    this.#emit({ type: 'delivered', entry: delivered, event });
    this.#settle({ deliveryId: entry.deliveryId, agent: entry.agent, state: 'delivered', reason: null, confirmedBy: event });
  }

  #finishUndelivered(entry: DeliveryEntry, reason: string): void {
    const failed = this.#update(entry, { state: 'undelivered', reason });
    this.#remove(failed);
    const waiter = this.#waiters.get(entry.agent);
    if (waiter?.entry.deliveryId === entry.deliveryId) this.#waiters.delete(entry.agent);
    this.#logger.warn('message undelivered', { agent: entry.agent, deliveryId: entry.deliveryId, reason });
    this.#emit({ type: 'undelivered', entry: failed, reason });
    this.#settle({ deliveryId: entry.deliveryId, agent: entry.agent, state: 'undelivered', reason, confirmedBy: null });
  }

  #queueOf(agent: string): DeliveryEntry[] {
    let queue = this.#queues.get(agent);
    if (!queue) {
      queue = [];
      this.#queues.set(agent, queue);
    }
    return queue;
  }

  #find(deliveryId: string): DeliveryEntry | undefined {
    for (const queue of this.#queues.values()) {
      const found = queue.find((e) => e.deliveryId === deliveryId);
      if (found) return found;
    }
    return undefined;
  }

  #update(entry: DeliveryEntry, patch: Partial<DeliveryEntry>): DeliveryEntry {
    const next = { ...entry, ...patch };
    const queue = this.#queues.get(entry.agent);
    const index = queue?.findIndex((e) => e.deliveryId === entry.deliveryId) ?? -1;
    if (queue && index >= 0) queue[index] = next;
    this.#changed();
    return next;
  }

  #remove(entry: DeliveryEntry): void {
    const queue = this.#queues.get(entry.agent);
    if (!queue) return;
    const index = queue.findIndex((e) => e.deliveryId === entry.deliveryId);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.#queues.delete(entry.agent);
    this.#changed();
  }

  #settlement(deliveryId: string): Promise<DeliveryOutcome> {
    let resolve!: (o: DeliveryOutcome) => void;
    const promise = new Promise<DeliveryOutcome>((r) => (resolve = r));
    this.#settled.set(deliveryId, { promise, resolve });
    return promise;
  }

  #settle(outcome: DeliveryOutcome): void {
    this.#settled.get(outcome.deliveryId)?.resolve(outcome);
    this.#settled.delete(outcome.deliveryId);
  }

  #changed(): void {
    const snapshot = this.pending();
    try {
      this.#options.onQueueChanged?.(snapshot);
    } catch (error) {
      this.#logger.error('persisting the delivery queue failed', { error: String(error) });
    }
    const persist = this.#options.persist;
    if (persist) {
      this.#durable = this.#durable
        .then(() => persist(snapshot))
        .catch((error: unknown) => this.#logger.error('persisting the delivery queue failed', { error: toHubError(error).message }));
    }
  }

  #emit(event: DeliveryEvent): void {
    this.#events.emit('event', event);
  }
}
