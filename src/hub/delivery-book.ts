/**
 * The delivery queue's book: each agent's FIFO of entries, and handing every change to the
 * persistence callbacks (`onQueueChanged` at once, `persist` in order, `durable` resolving once
 * all so far are durable); and the promise of each delivery's outcome. The queue (delivery.ts)
 * decides what happens to an entry; this keeps the entries and makes each change durable.
 */
import { toHubError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DeliveryState } from '../store/state-schema.js';
import type { DeliveryEntry, DeliveryOutcome, DeliveryQueueOptions } from './delivery-types.js';

const PENDING: ReadonlySet<DeliveryState> = new Set(['queued', 'typing', 'awaiting_confirmation']);

export function isPending(entry: DeliveryEntry): boolean {
  return PENDING.has(entry.state);
}

/** A message just queued: never typed, no submit yet. */
export function newEntry(input: { deliveryId: string; agent: string; session?: string; taskId?: string }, text: string, now: Date): DeliveryEntry {
  return {
    deliveryId: input.deliveryId,
    agent: input.agent,
    ...(input.session !== undefined ? { session: input.session } : {}),
    ...(input.taskId !== undefined ? { taskId: input.taskId } : {}),
    text,
    state: 'queued',
    enqueuedAt: now.toISOString(),
    typedAt: null,
    submits: 0,
    reason: null,
  };
}

/** A saved entry taken back after a restart: one that may have been typed only waits for its confirmation, never typed again. */
export function restoredEntry(entry: DeliveryEntry): DeliveryEntry {
  return entry.typedAt !== null || entry.state !== 'queued' ? { ...entry, state: 'awaiting_confirmation', typedAt: entry.typedAt ?? entry.enqueuedAt } : entry;
}

export interface DeliveryBookOptions extends Pick<DeliveryQueueOptions, 'onQueueChanged' | 'persist'> {
  readonly logger: Logger;
}

export class DeliveryBook {
  readonly #queues = new Map<string, DeliveryEntry[]>();
  readonly #options: DeliveryBookOptions;
  #durable: Promise<void> = Promise.resolve();

  constructor(options: DeliveryBookOptions) {
    this.#options = options;
  }

  /** Resolves once every change so far is durable. */
  get durable(): Promise<void> {
    return this.#durable;
  }

  /** The agent's FIFO, created empty when it has none (the caller pushes, then calls changed()). */
  of(agent: string): DeliveryEntry[] {
    let queue = this.#queues.get(agent);
    if (!queue) {
      queue = [];
      this.#queues.set(agent, queue);
    }
    return queue;
  }

  head(agent: string): DeliveryEntry | undefined {
    return this.#queues.get(agent)?.[0];
  }

  agents(): string[] {
    return [...this.#queues.keys()];
  }

  /** Pending entries (all agents, or one), in order; a copy. */
  pending(agent?: string): DeliveryEntry[] {
    if (agent !== undefined) return [...(this.#queues.get(agent) ?? [])];
    return [...this.#queues.values()].flat();
  }

  find(deliveryId: string): DeliveryEntry | undefined {
    for (const queue of this.#queues.values()) {
      const found = queue.find((e) => e.deliveryId === deliveryId);
      if (found) return found;
    }
    return undefined;
  }

  /** Replaces the entry with `patch` applied (in its place), records the change, returns the new entry. */
  update(entry: DeliveryEntry, patch: Partial<DeliveryEntry>): DeliveryEntry {
    const next = { ...entry, ...patch };
    const queue = this.#queues.get(entry.agent);
    const index = queue?.findIndex((e) => e.deliveryId === entry.deliveryId) ?? -1;
    if (queue && index >= 0) queue[index] = next;
    this.changed();
    return next;
  }

  remove(entry: DeliveryEntry): void {
    const queue = this.#queues.get(entry.agent);
    if (!queue) return;
    const index = queue.findIndex((e) => e.deliveryId === entry.deliveryId);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.#queues.delete(entry.agent);
    this.changed();
  }

  /** Hands the pending entries to the persistence callbacks; `durable` waits for this one too. */
  changed(): void {
    const snapshot = this.pending();
    const { logger } = this.#options;
    try {
      this.#options.onQueueChanged?.(snapshot);
    } catch (error) {
      logger.error('persisting the delivery queue failed', { error: String(error) });
    }
    const persist = this.#options.persist;
    if (persist) {
      this.#durable = this.#durable
        .then(() => persist(snapshot))
        .catch((error: unknown) => logger.error('persisting the delivery queue failed', { error: toHubError(error).message }));
    }
  }
}

/** The promise of each pending delivery's outcome, resolved once when it is delivered or not. */
export class Outcomes {
  readonly #pending = new Map<string, { promise: Promise<DeliveryOutcome>; resolve: (o: DeliveryOutcome) => void }>();

  knows(deliveryId: string): boolean {
    return this.#pending.has(deliveryId);
  }

  of(deliveryId: string): Promise<DeliveryOutcome> | undefined {
    return this.#pending.get(deliveryId)?.promise;
  }

  expect(deliveryId: string): Promise<DeliveryOutcome> {
    let resolve!: (o: DeliveryOutcome) => void;
    const promise = new Promise<DeliveryOutcome>((r) => (resolve = r));
    this.#pending.set(deliveryId, { promise, resolve });
    return promise;
  }

  settle(outcome: DeliveryOutcome): void {
    this.#pending.get(outcome.deliveryId)?.resolve(outcome);
    this.#pending.delete(outcome.deliveryId);
  }
}
