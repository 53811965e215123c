import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/errors.js';
import { enqueueMessage, markDelivered, markTyping, markUndelivered, nextCounter, pendingFor, pruneDelivered, reconcileAfterRestart } from '../../src/store/queue-ops.js';
import { emptyState, parseState } from '../../src/store/state-schema.js';

const msg = (agent = 'A', text = 'hi') => ({ agent, session: 's1', text, taskId: 'T-1', createdAt: '2026-01-01T00:00:00.000Z' });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof HubError ? error.code : 'not a HubError';
  }
  return undefined;
}

describe('queue ops', () => {
  it('counters count from 1 per name and delivery ids never repeat', () => {
    const state = emptyState();
    expect([nextCounter(state, 'task'), nextCounter(state, 'task'), nextCounter(state, 'agent')]).toEqual([1, 2, 1]);
    const ids = Array.from({ length: 5 }, () => enqueueMessage(state, msg()).deliveryId);
    expect(ids).toEqual(['d-1', 'd-2', 'd-3', 'd-4', 'd-5']);
    expect(parseState(state).state).toEqual(state);
  });

  it('typing → delivered, idempotently; a delivered message is never typed again', () => {
    const state = emptyState();
    const { deliveryId } = enqueueMessage(state, msg());
    expect(markTyping(state, deliveryId)).toMatchObject({ state: 'typing', attempts: 1 });
    expect(markDelivered(state, deliveryId, '2026-01-01T00:01:00.000Z')).toBe(true);
    expect(markDelivered(state, deliveryId, '2026-01-01T00:02:00.000Z')).toBe(false);
    expect(state.queue[0]).toMatchObject({ state: 'delivered', confirmedAt: '2026-01-01T00:01:00.000Z' });
    const before = structuredClone(state);
    expect(codeOf(() => markTyping(state, deliveryId))).toBe('DELIVERY_FAILED');
    markUndelivered(state, deliveryId, 'late failure');
    expect(state).toEqual(before);
    expect(codeOf(() => markTyping(state, 'd-404'))).toBe('INVALID_ARGUMENT');
  });

  it('after a restart: confirmed typing → delivered, unconfirmed typing → queued, queued stays queued', () => {
    const state = emptyState();
    const a = enqueueMessage(state, msg('A', 'one')).deliveryId;
    const b = enqueueMessage(state, msg('A', 'two')).deliveryId;
    const c = enqueueMessage(state, msg('A', 'three')).deliveryId;
    markTyping(state, a);
    markTyping(state, b);
    const result = reconcileAfterRestart(state, new Map([[a, '2026-01-01T00:05:00.000Z']]));
    expect(result).toEqual({ delivered: [a], requeued: [b] });
    expect(state.queue.map((m) => [m.deliveryId, m.state])).toEqual([
      [a, 'delivered'],
      [b, 'queued'],
      [c, 'queued'],
    ]);
    expect(pendingFor(state, 's1', 'A').map((m) => m.text)).toEqual(['two', 'three']);
    expect(pendingFor(state, 's1', 'B')).toEqual([]);
  });

  it('pruneDelivered keeps the newest delivered and every undelivered message', () => {
    const state = emptyState();
    for (let i = 0; i < 10; i += 1) enqueueMessage(state, msg());
    for (const m of state.queue.slice(0, 8)) markDelivered(state, m.deliveryId, 'x');
    expect(pruneDelivered(state, 3)).toBe(5);
    expect(state.queue.map((m) => m.deliveryId)).toEqual(['d-6', 'd-7', 'd-8', 'd-9', 'd-10']);
  });
});
