/**
 * Pure mutators for the persisted delivery queue and id counters, meant to run inside
 * `StateStore.update`. Exactly-once delivery across restarts rests on three rules:
 *   1. a message is marked `typing` (persisted) before its text is typed;
 *   2. it becomes `delivered` only when the agent's UserPromptSubmit hook shows its delivery id;
 *   3. after a restart, a `typing` message whose confirmation is in the hook events is
 *      `delivered` (never typed again); one without confirmation goes back to `queued`.
 */
import { HubError, ErrorCodes } from '../errors.js';
import type { HubState, QueuedMessage } from './state-schema.js';

/** Next value of a named counter (1, 2, …), persisted with the rest of the update. */
export function nextCounter(draft: HubState, name: string): number {
  const next = (draft.counters[name] ?? 0) + 1;
  draft.counters[name] = next;
  return next;
}

export interface NewMessage {
  readonly agent: string;
  readonly session: string;
  readonly text: string;
  readonly taskId: string;
  readonly createdAt: string;
}

/** Queues a message under a fresh delivery id (`d-<n>`) and returns it. */
export function enqueueMessage(draft: HubState, message: NewMessage): QueuedMessage {
  const queued: QueuedMessage = { deliveryId: `d-${nextCounter(draft, 'delivery')}`, ...message, state: 'queued', attempts: 0 };
  draft.queue.push(queued);
  return queued;
}

function find(draft: HubState, deliveryId: string): QueuedMessage {
  const message = draft.queue.find((m) => m.deliveryId === deliveryId);
  if (!message) throw new HubError(ErrorCodes.INVALID_ARGUMENT, `No queued message has delivery id ${deliveryId}.`, { data: { deliveryId } });
  return message;
}

/** Rule 1: about to type. Refuses a message that is already delivered. */
export function markTyping(draft: HubState, deliveryId: string): QueuedMessage {
  const message = find(draft, deliveryId);
  if (message.state === 'delivered') {
    throw new HubError(ErrorCodes.DELIVERY_FAILED, `Message ${deliveryId} was already delivered; it is not typed again.`, { data: { deliveryId } });
  }
  message.state = 'typing';
  message.attempts += 1;
  delete message.reason;
  return message;
}

/** Rule 2: confirmation seen. Idempotent: returns false when it was already delivered. */
export function markDelivered(draft: HubState, deliveryId: string, confirmedAt: string): boolean {
  const message = find(draft, deliveryId);
  if (message.state === 'delivered') return false;
  message.state = 'delivered';
  message.confirmedAt = confirmedAt;
  delete message.reason;
  return true;
}

export function markUndelivered(draft: HubState, deliveryId: string, reason: string): void {
  const message = find(draft, deliveryId);
  if (message.state === 'delivered') return;
  message.state = 'undelivered';
  message.reason = reason;
}

/** Rule 3, after a restart: `confirmed` maps delivery ids seen in hook events to when. */
export function reconcileAfterRestart(draft: HubState, confirmed: ReadonlyMap<string, string>): { delivered: string[]; requeued: string[] } {
  const delivered: string[] = [];
  const requeued: string[] = [];
  for (const message of draft.queue) {
    if (message.state === 'delivered') continue;
    const at = confirmed.get(message.deliveryId);
    if (at !== undefined) {
      message.state = 'delivered';
      message.confirmedAt = at;
      delete message.reason;
      delivered.push(message.deliveryId);
    } else if (message.state === 'typing') {
      message.state = 'queued';
      requeued.push(message.deliveryId);
    }
  }
  return { delivered, requeued };
}

/** Messages still to deliver to an agent, oldest first. */
export function pendingFor(state: Pick<HubState, 'queue'>, session: string, agent: string): QueuedMessage[] {
  return state.queue.filter((m) => m.session === session && m.agent === agent && (m.state === 'queued' || m.state === 'typing'));
}

/** Drops delivered messages beyond the newest `keep`, so the state file stays small. */
export function pruneDelivered(draft: HubState, keep = 200): number {
  const delivered = draft.queue.filter((m) => m.state === 'delivered');
  const drop = new Set(delivered.slice(0, Math.max(0, delivered.length - keep)).map((m) => m.deliveryId));
  draft.queue = draft.queue.filter((m) => !drop.has(m.deliveryId));
  return drop.size;
}
