import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/errors.js';
import { emptyState, parseState, STATE_VERSION } from '../../src/store/state-schema.js';

const v0 = {
  sessions: [{ id: 's1', name: 'web', path: '/repo/web', created: '2025-01-02T03:04:05.000Z' }],
  agents: [
    { name: 'Agent_1', session: 's1', specialization: 'frontend', tmuxPane: '%3', sessionId: 'c0ffee', created: '2025-01-02T03:05:00.000Z' },
    { name: 'Agent_2', session: 's1', created: '2025-01-02T03:06:00.000Z' },
  ],
  pending: [
    { id: 'd-1', agent: 'Agent_1', session: 's1', text: 'hi', task: 'T-1', created: '2025-01-02T03:07:00.000Z', delivered: true },
    { id: 'd-2', agent: 'Agent_2', session: 's1', text: 'go', task: 'T-2', created: '2025-01-02T03:08:00.000Z', delivered: false },
  ],
  nextId: { task: 3, delivery: 2 },
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof HubError ? error.code : 'not a HubError';
  }
  return undefined;
}

describe('state schema', () => {
  it('accepts the empty current state unchanged', () => {
    expect(parseState(emptyState())).toEqual({ state: emptyState(), migratedFrom: null });
  });

  it('migrates a version-0 file to version 1, field by field', () => {
    const { state, migratedFrom } = parseState(structuredClone(v0));
    expect(migratedFrom).toBe(0);
    expect(state.version).toBe(STATE_VERSION);
    expect(state.sessions).toEqual([
      { id: 's1', name: 'web', root: '/repo/web', createdAt: '2025-01-02T03:04:05.000Z', trustRoot: false, budgetUsd: null, budgetTokens: null },
    ]);
    expect(state.agents[0]).toMatchObject({
      name: 'Agent_1',
      specialization: 'frontend',
      backend: 'tmux',
      terminal: { backend: 'tmux', id: '%3' },
      claudeSessionId: 'c0ffee',
      conversationStartedAt: '2025-01-02T03:05:00.000Z',
      launch: { permissionMode: null, model: null, extraArgs: [] },
    });
    expect(state.agents[1]).toMatchObject({ name: 'Agent_2', terminal: null, claudeSessionId: null, specialization: null, conversationStartedAt: null });
    expect(state.queue.map((m) => [m.deliveryId, m.state, m.taskId])).toEqual([
      ['d-1', 'delivered', 'T-1'],
      ['d-2', 'queued', 'T-2'],
    ]);
    expect(state.counters).toEqual({ task: 3, delivery: 2 });
  });

  it("migrates a version-1 queue to the delivery queue's own shape (v2), keeping a typed message typed", () => {
    const v1 = {
      version: 1,
      sessions: [{ id: 's1', name: 'web', root: '/repo/web', createdAt: '2026-01-01T00:00:00.000Z', trustRoot: true }],
      agents: [],
      queue: [
        {
          deliveryId: 'd-q',
          agent: 'Agent_1',
          session: 's1',
          text: 'waiting',
          taskId: 'TASK-1',
          createdAt: '2026-01-01T00:00:01.000Z',
          state: 'queued',
          attempts: 0,
        },
        {
          deliveryId: 'd-t',
          agent: 'Agent_1',
          session: 's1',
          text: 'pasted',
          taskId: 'TASK-2',
          createdAt: '2026-01-01T00:00:02.000Z',
          state: 'typing',
          attempts: 2,
        },
        {
          deliveryId: 'd-u',
          agent: 'Agent_1',
          session: 's1',
          text: 'lost',
          taskId: 'TASK-3',
          createdAt: '2026-01-01T00:00:03.000Z',
          state: 'undelivered',
          attempts: 3,
          reason: 'no UserPromptSubmit',
        },
        {
          deliveryId: 'd-d',
          agent: 'Agent_1',
          session: 's1',
          text: 'done',
          taskId: 'TASK-4',
          createdAt: '2026-01-01T00:00:04.000Z',
          state: 'delivered',
          attempts: 1,
          confirmedAt: '2026-01-01T00:00:05.000Z',
        },
      ],
      counters: { ops: 7 },
    };
    const { state, migratedFrom } = parseState(structuredClone(v1));
    expect(migratedFrom).toBe(1);
    expect(state.version).toBe(STATE_VERSION);
    expect(state.sessions).toEqual(v1.sessions.map((s) => ({ ...s, budgetUsd: null, budgetTokens: null })));
    // Version 3 (issue 14): no budgets, no usage counted yet, no limit hold.
    expect(state.usage).toEqual({});
    expect(state.limit).toBeNull();
    expect(state.counters).toEqual({ ops: 7 });
    expect(state.queue).toEqual([
      {
        deliveryId: 'd-q',
        agent: 'Agent_1',
        session: 's1',
        taskId: 'TASK-1',
        text: 'waiting',
        state: 'queued',
        enqueuedAt: '2026-01-01T00:00:01.000Z',
        typedAt: null,
        submits: 0,
        reason: null,
      },
      {
        deliveryId: 'd-t',
        agent: 'Agent_1',
        session: 's1',
        taskId: 'TASK-2',
        text: 'pasted',
        state: 'typing',
        enqueuedAt: '2026-01-01T00:00:02.000Z',
        typedAt: '2026-01-01T00:00:02.000Z',
        submits: 2,
        reason: null,
      },
      {
        deliveryId: 'd-u',
        agent: 'Agent_1',
        session: 's1',
        taskId: 'TASK-3',
        text: 'lost',
        state: 'undelivered',
        enqueuedAt: '2026-01-01T00:00:03.000Z',
        typedAt: null,
        submits: 3,
        reason: 'no UserPromptSubmit',
      },
      {
        deliveryId: 'd-d',
        agent: 'Agent_1',
        session: 's1',
        taskId: 'TASK-4',
        text: 'done',
        state: 'delivered',
        enqueuedAt: '2026-01-01T00:00:04.000Z',
        typedAt: null,
        submits: 1,
        reason: null,
      },
    ]);
  });

  it('refuses a newer version than it knows, a malformed v0, duplicates and non-objects with STATE_CORRUPT', () => {
    expect(codeOf(() => parseState({ ...emptyState(), version: STATE_VERSION + 1 }))).toBe('STATE_CORRUPT');
    expect(codeOf(() => parseState({ sessions: [{ id: 's1' }] }))).toBe('STATE_CORRUPT');
    expect(codeOf(() => parseState([1, 2]))).toBe('STATE_CORRUPT');
    expect(codeOf(() => parseState({ version: 'one' }))).toBe('STATE_CORRUPT');
    const dup = emptyState();
    const message = {
      deliveryId: 'd-1',
      agent: 'a',
      session: 's',
      text: '',
      taskId: 'T-1',
      enqueuedAt: 'x',
      state: 'queued' as const,
      typedAt: null,
      submits: 0,
      reason: null,
    };
    dup.queue.push(message, { ...message });
    expect(codeOf(() => parseState(dup))).toBe('STATE_CORRUPT');
  });
});
