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
import { noDialogShown, type LiveTerminal } from '../screen/terminal.js';
import { sleep } from '../sleep.js';
import { TAKES_INPUT, type HookEvent } from './types.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { ConfirmationWaiter, DeliveryEntry, DeliveryEvent, DeliveryOutcome, DeliveryQueueOptions } from './delivery-types.js';
import { confirms, normalize } from './delivery-match.js';
import { DeliveryBook, Outcomes, isPending, newEntry, restoredEntry } from './delivery-book.js';

export type * from './delivery-types.js';
export { confirms, unwrapPastedContent } from './delivery-match.js';

export class DeliveryQueue {
  readonly #book: DeliveryBook;
  readonly #pumping = new Set<string>();
  /** Agents that took a prompt and have not stopped since: the index may not know yet. */
  readonly #busy = new Set<string>();
  /** Agents whose prompt box was not ready at the last try: nothing is typed until a kick. */
  readonly #boxNotReady = new Set<string>();
  /** When each agent's last Stop/StopFailure/SessionStart was seen (ms since epoch). */
  readonly #settledSince = new Map<string, number>();
  readonly #waiters = new Map<string, ConfirmationWaiter>();
  readonly #outcomes = new Outcomes();
  readonly #unsubscribe: (() => void)[] = [];
  /** Restored entries that were marked typed: if no submit confirms them, their paste never landed. */
  readonly #retypeIfUnconfirmed = new Set<string>();
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
    this.#book = new DeliveryBook({
      ...(options.onQueueChanged ? { onQueueChanged: options.onQueueChanged } : {}),
      ...(options.persist ? { persist: options.persist } : {}),
      logger: this.#logger,
    });
    this.#unsubscribe.push(options.hooks.onHookEvent((event) => this.#onHookEvent(event)));
    this.#unsubscribe.push(
      options.status.onStatusChange((agent, status) => {
        // A change to idle comes after the agent's Stop, so it also ends our own busy mark.
        if (TAKES_INPUT.has(status) || status === 'exited' || status === 'rate_limited' || status === 'auth_failed') this.#busy.delete(agent);
        if (TAKES_INPUT.has(status)) this.kick(agent);
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
    if (this.#outcomes.knows(input.deliveryId) || this.#book.find(input.deliveryId)) {
      throw new HubError(ErrorCodes.ALREADY_EXISTS, `Delivery ${input.deliveryId} is already queued.`, { data: { deliveryId: input.deliveryId } });
    }
    const text = sanitizeTerminalText(input.text, this.#maxBytes);
    if (normalize(text) === '') throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'The message is empty after sanitizing; nothing to deliver.');
    const entry = newEntry(input, text, this.#now());
    this.#book.of(input.agent).push(entry);
    const settled = this.#outcomes.expect(entry.deliveryId);
    this.#book.changed();
    this.kick(input.agent);
    return { entry, settled };
  }

  /**
   * Takes back persisted entries after a restart. Entries already typed are never typed again:
   * they wait for their confirmation (submit is pressed again if it does not come).
   */
  restore(entries: readonly DeliveryEntry[]): void {
    for (const entry of entries) {
      if (!isPending(entry) || this.#book.find(entry.deliveryId)) continue;
      const restored = restoredEntry(entry);
      if (restored.state === 'awaiting_confirmation') this.#retypeIfUnconfirmed.add(restored.deliveryId);
      this.#book.of(entry.agent).push(restored);
      this.#outcomes.expect(entry.deliveryId);
    }
    this.#book.changed();
    for (const agent of this.#book.agents()) this.kick(agent);
  }

  /** Resolves once every change so far is durable (see `persist`): acknowledge only after it. */
  flushed(): Promise<void> {
    return this.#book.durable;
  }

  /** Pending entries (all agents, or one), in order. */
  pending(agent?: string): readonly DeliveryEntry[] {
    return this.#book.pending(agent);
  }

  /** Resolves when this delivery is delivered or undelivered. */
  whenSettled(deliveryId: string): Promise<DeliveryOutcome> {
    const known = this.#outcomes.of(deliveryId);
    if (!known) throw new HubError(ErrorCodes.INVALID_ARGUMENT, `No delivery ${deliveryId} is known.`, { data: { deliveryId } });
    return known;
  }

  /** Gives up on every pending message of an agent (e.g. it was deleted), reporting each. */
  abandon(agent: string, reason: string): void {
    for (const entry of this.#book.pending(agent)) this.#finishUndelivered(entry, reason);
  }

  /** Try again now (e.g. after the hub learned the agent is idle, or its prompt box is ready). */
  kick(agent: string): void {
    this.#boxNotReady.delete(agent);
    this.#pumpIfIdle(agent);
  }

  #pumpIfIdle(agent: string): void {
    if (this.#closed || this.#pumping.has(agent)) return;
    const head = this.#book.head(agent);
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
    const head = this.#book.head(agent);
    if (!head || this.#closed) return false;
    if (head.state === 'awaiting_confirmation') return true;
    if (this.#busy.has(agent) || this.#boxNotReady.has(agent) || this.#options.gate?.(agent)) return false;
    const status = this.#options.status.getStatus(agent);
    // A rate-limited agent takes input once the gate (the limit breaker) lets messages through.
    return status !== null && (TAKES_INPUT.has(status) || (status === 'rate_limited' && this.#options.gate !== undefined));
  }

  async #pump(agent: string): Promise<void> {
    while (!this.#closed) {
      const head = this.#book.head(agent);
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
        if (this.#book.head(agent) !== head || !this.#readyFor(agent)) continue;
        const confirmation = this.#expect(head);
        const typed = this.#book.update(head, { state: 'typing' });
        try {
          await this.#book.durable;
          await terminal.backend.sendText(terminal.handle, typed.text);
          const submitted = this.#book.update(typed, { state: 'awaiting_confirmation', typedAt: this.#now().toISOString(), submits: 1 });
          if (this.#options.submitDelayMs) await sleep(this.#options.submitDelayMs);
          // A dialog that came up since the paste would take the Enter as its answer.
          if (await this.#promptBoxReady(agent, terminal)) await terminal.backend.submit(terminal.handle);
          await this.#confirmOrRetry(submitted, confirmation);
        } catch (error) {
          this.#waiters.delete(agent);
          const current = this.#book.find(head.deliveryId);
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
      const latest = this.#book.find(current.deliveryId);
      if (!latest) return; // Confirmed or abandoned meanwhile.
      current = latest;
      if (event) return; // onHookEvent already finished it.
      const status = this.#options.status.getStatus(current.agent);
      if (status === 'exited') return this.#finishUndelivered(current, `${current.agent} exited before confirming the message`);
      if (current.submits >= this.#maxSubmits && this.#retypeIfUnconfirmed.delete(current.deliveryId)) {
        // Restored as typed, yet no Enter made it a prompt: the hub died before its paste landed.
        // Typing it now is the first time the agent gets it.
        this.#logger.info('restored message was never pasted; typing it now', { agent: current.agent, deliveryId: current.deliveryId });
        this.#book.update(current, { state: 'queued', typedAt: null, submits: 0 });
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
      current = this.#book.update(current, { submits: current.submits + 1 });
      this.#events.emit('event', { type: 'retry', entry: current, submit: current.submits });
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
  async #promptBoxReady(agent: string, terminal: LiveTerminal): Promise<boolean> {
    return this.#options.readiness ? this.#options.readiness.ready(agent) : noDialogShown(terminal);
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
    const queue = this.#book.pending(event.agent);
    const entry = queue.find((e) => (e.state === 'awaiting_confirmation' || e.state === 'typing') && confirms(prompt, e));
    if (!entry) return;
    const delivered = this.#book.update(entry, { state: 'delivered' });
    this.#book.remove(delivered);
    const waiter = this.#waiters.get(event.agent);
    if (waiter?.entry.deliveryId === entry.deliveryId) {
      this.#waiters.delete(event.agent);
      waiter.resolve(event);
    }
    this.#events.emit('event', { type: 'delivered', entry: delivered, event });
    this.#outcomes.settle({ deliveryId: entry.deliveryId, agent: entry.agent, state: 'delivered', reason: null, confirmedBy: event });
  }

  #finishUndelivered(entry: DeliveryEntry, reason: string): void {
    const failed = this.#book.update(entry, { state: 'undelivered', reason });
    this.#book.remove(failed);
    const waiter = this.#waiters.get(entry.agent);
    if (waiter?.entry.deliveryId === entry.deliveryId) this.#waiters.delete(entry.agent);
    this.#logger.warn('message undelivered', { agent: entry.agent, deliveryId: entry.deliveryId, reason });
    this.#events.emit('event', { type: 'undelivered', entry: failed, reason });
    this.#outcomes.settle({ deliveryId: entry.deliveryId, agent: entry.agent, state: 'undelivered', reason, confirmedBy: null });
  }
}
