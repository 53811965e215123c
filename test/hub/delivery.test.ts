/**
 * Queue logic of DeliveryQueue, against the in-memory terminal (test/helpers/memory-terminal.ts)
 * with the test playing the agent's side of the contract (a submit of pasted text produces a
 * UserPromptSubmit event, or not). The same
 * queue drives a real Claude Code in tmux in test/e2e/agents.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { DeliveryQueue, confirms, unwrapPastedContent, type DeliveryEntry, type DeliveryEvent } from '../../src/hub/delivery.js';
import { MemoryTerminal, type MemoryPane } from '../helpers/memory-terminal.js';
import type { AgentStatus, HookEvent } from '../../src/hub/types.js';
import { waitFor } from '../helpers/wait.js';

interface World {
  queue: DeliveryQueue;
  /** What was typed into the agent's pane, in order (the memory terminal's calls after open). */
  calls: string[];
  /** The agent's pane: a test sets its screen. */
  pane: MemoryPane;
  snapshots: (readonly DeliveryEntry[])[];
  events: DeliveryEvent[];
  setStatus(status: AgentStatus, notify?: boolean): void;
  hook(event: string, payload?: Record<string, unknown>): void;
  /** How many submits the "agent" ignores before it takes the prompt (Infinity: never). */
  ignoreSubmits: number;
}

async function world(initial: AgentStatus, options: { restore?: DeliveryEntry[] } = {}): Promise<World> {
  const statusListeners = new Set<(agent: string, status: AgentStatus) => void>();
  const hookListeners = new Set<(event: HookEvent) => void>();
  let status = initial;
  let line = 0;
  const backend = new MemoryTerminal();
  const handle = await backend.open({ session: 's', name: 'Agent_1', cwd: '/nonexistent', argv: ['claude'], env: {} });
  backend.calls.length = 0;
  const pane = backend.pane(handle)!;
  const w: World = {
    calls: backend.calls,
    pane,
    snapshots: [],
    events: [],
    ignoreSubmits: 0,
    setStatus(next, notify = true) {
      status = next;
      if (notify) for (const l of statusListeners) l('Agent_1', next);
    },
    hook(event, payload = {}) {
      const e: HookEvent = {
        agent: 'Agent_1',
        session: 's',
        event,
        claudeSessionId: 'c',
        receivedAt: Date.now(),
        line: ++line,
        payload: { hook_event_name: event, ...payload },
      };
      for (const l of hookListeners) l(e);
    },
    queue: undefined as unknown as DeliveryQueue,
  };
  // The agent's side: an Enter it ignores leaves the text in the box; one it takes fires
  // UserPromptSubmit asynchronously, like a real agent's hook.
  backend.onSubmit = (_pane, prompt) => {
    if (w.ignoreSubmits > 0) {
      w.ignoreSubmits--;
      return false;
    }
    setTimeout(() => w.hook('UserPromptSubmit', { prompt }), 5);
    return true;
  };
  w.queue = new DeliveryQueue({
    terminals: { terminalOf: () => ({ backend, handle }) },
    status: {
      getStatus: () => status,
      onStatusChange: (l) => {
        statusListeners.add(l);
        return () => statusListeners.delete(l);
      },
    },
    hooks: {
      onHookEvent: (l) => {
        hookListeners.add(l);
        return () => hookListeners.delete(l);
      },
    },
    onQueueChanged: (s) => w.snapshots.push(s),
    confirmTimeoutMs: 40,
    maxSubmits: 3,
  });
  w.queue.on((e) => w.events.push(e));
  if (options.restore) w.queue.restore(options.restore);
  return w;
}

describe('DeliveryQueue', () => {
  it('delivers to an idle agent: one sanitized paste, one submit, confirmed by UserPromptSubmit', async () => {
    const w = await world('idle');
    const { settled } = w.queue.enqueue({ deliveryId: 'd1', agent: 'Agent_1', text: 'hi\u001b[31m\r\nthere' });
    const outcome = await settled;
    expect(outcome).toMatchObject({ state: 'delivered', reason: null, deliveryId: 'd1' });
    expect(outcome.confirmedBy?.payload.prompt).toBe('hi\nthere');
    expect(w.calls).toEqual(['paste:hi\nthere', 'submit']);
    expect(w.snapshots.map((s) => s.map((e) => e.state).join(','))).toContain('awaiting_confirmation');
    expect(w.snapshots.at(-1)).toEqual([]);
    expect(w.events.map((e) => e.type)).toEqual(['delivered']);
  });

  it('never types while the agent works or waits for a person; delivers in FIFO order after it stops', async () => {
    // On fake timers: runAllTimersAsync() runs everything the queue would do by itself, however
    // late (its timers and the promises after them), so "nothing was typed" is checked after the
    // queue has done all it was going to, not after a sleep a slower queue could outlast.
    vi.useFakeTimers();
    try {
      const w = await world('working');
      const a = w.queue.enqueue({ deliveryId: 'a', agent: 'Agent_1', text: 'first' });
      const b = w.queue.enqueue({ deliveryId: 'b', agent: 'Agent_1', text: 'second' });
      w.setStatus('waiting_for_person');
      await vi.runAllTimersAsync();
      expect(w.calls).toEqual([]);
      expect(w.queue.pending('Agent_1').map((e) => e.deliveryId)).toEqual(['a', 'b']);
      w.setStatus('idle');
      await vi.runAllTimersAsync();
      expect((await a.settled).state).toBe('delivered');
      // The index may still say idle (stale): the queue trusts the agent's own UserPromptSubmit until Stop.
      await vi.runAllTimersAsync();
      expect(w.calls).toEqual(['paste:first', 'submit']);
      w.hook('Stop');
      await vi.runAllTimersAsync();
      expect((await b.settled).state).toBe('delivered');
      expect(w.calls).toEqual(['paste:first', 'submit', 'paste:second', 'submit']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds a message back while the agent has only just stopped, then types it', async () => {
    const w = await world('idle');
    w.hook('Stop');
    const { settled } = w.queue.enqueue({ deliveryId: 's', agent: 'Agent_1', text: 'right after Stop' });
    expect(w.calls).toEqual([]);
    expect(w.queue.pending('Agent_1')[0]?.state).toBe('queued');
    expect((await settled).state).toBe('delivered');
    expect(w.calls).toEqual(['paste:right after Stop', 'submit']);
  });

  it('presses submit again when no confirmation comes, then succeeds', async () => {
    const w = await world('idle');
    w.ignoreSubmits = 1;
    const { settled } = w.queue.enqueue({ deliveryId: 'r', agent: 'Agent_1', text: 'retry me' });
    expect((await settled).state).toBe('delivered');
    expect(w.calls).toEqual(['paste:retry me', 'submit', 'submit']);
    expect(w.events.map((e) => e.type)).toEqual(['retry', 'delivered']);
  });

  it('reports undelivered with the reason after the bounded submits, never silently', async () => {
    const w = await world('idle');
    w.ignoreSubmits = Infinity;
    const { settled } = w.queue.enqueue({ deliveryId: 'u', agent: 'Agent_1', text: 'lost' });
    const outcome = await settled;
    expect(outcome.state).toBe('undelivered');
    expect(outcome.reason).toMatch(/no UserPromptSubmit from Agent_1 after 3 submit/);
    expect(w.calls).toEqual(['paste:lost', 'submit', 'submit', 'submit']);
    expect(w.events.map((e) => e.type)).toEqual(['retry', 'retry', 'undelivered']);
    expect(w.queue.pending()).toEqual([]);
  });

  it('never presses submit, not even the first, while a dialog is on screen, even if the status lags', async () => {
    const w = await world('idle');
    w.ignoreSubmits = Infinity;
    w.pane.screen = ' Do you want to make this edit to TODO.md?\n ❯ 1. Yes\n   2. No';
    const outcome = await w.queue.enqueue({ deliveryId: 'd', agent: 'Agent_1', text: 'x' }).settled;
    expect(outcome.state).toBe('undelivered');
    // A dialog that came up between the paste and the Enter would take the Enter as its answer.
    expect(w.calls).toEqual(['paste:x']);
    expect(w.events.map((e) => e.type)).toEqual(['retry', 'retry', 'undelivered']);
  });

  it('after a restart never re-types a message that was already typed; queued ones go out', async () => {
    const typed: DeliveryEntry = {
      deliveryId: 't',
      agent: 'Agent_1',
      text: 'typed before',
      state: 'awaiting_confirmation',
      enqueuedAt: '2026-01-01T00:00:00Z',
      typedAt: '2026-01-01T00:00:01Z',
      submits: 1,
      reason: null,
    };
    const queued: DeliveryEntry = { ...typed, deliveryId: 'q', text: 'still queued', state: 'queued', typedAt: null, submits: 0 };
    const done: DeliveryEntry = { ...typed, deliveryId: 'x', state: 'delivered' };
    const w = await world('working', { restore: [typed, queued, done] });
    expect(w.queue.pending().map((e) => e.deliveryId)).toEqual(['t', 'q']);
    // The confirmation of the typed one arrives (e.g. replayed from the event file).
    const first = w.queue.whenSettled('t');
    w.hook('UserPromptSubmit', { prompt: 'typed before' });
    expect((await first).state).toBe('delivered');
    w.hook('Stop');
    w.setStatus('idle');
    expect((await w.queue.whenSettled('q')).state).toBe('delivered');
    expect(w.calls.filter((c) => c.startsWith('paste:'))).toEqual(['paste:still queued']);
  });

  it('rejects a too-large or empty message before queueing anything', async () => {
    const w = await world('working');
    expect(() => w.queue.enqueue({ deliveryId: 'big', agent: 'Agent_1', text: 'x'.repeat(70_000) })).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    expect(() => w.queue.enqueue({ deliveryId: 'e', agent: 'Agent_1', text: '\u001b\u0007 ' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(w.queue.pending()).toEqual([]);
    expect(w.snapshots).toEqual([]);
    w.queue.enqueue({ deliveryId: 'ok', agent: 'Agent_1', text: 'fine' });
    expect(() => w.queue.enqueue({ deliveryId: 'ok', agent: 'Agent_1', text: 'again' })).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
  });

  it('abandons an agent’s queue with a reason for each message', async () => {
    const w = await world('working');
    const { settled } = w.queue.enqueue({ deliveryId: 'z', agent: 'Agent_1', text: 'bye' });
    w.queue.abandon('Agent_1', 'agent deleted');
    expect(await settled).toMatchObject({ state: 'undelivered', reason: 'agent deleted' });
    await waitFor(() => w.events.length === 1, 'event');
  });

  it('matches confirmations by exact text, delivery id, or whitespace-normalised text', () => {
    const entry = { text: 'a\n\tb ', deliveryId: 'dlv-1' };
    expect(confirms('a\n\tb ', entry)).toBe(true);
    expect(confirms('a b', entry)).toBe(true);
    expect(confirms('[dlv-1] see task', entry)).toBe(true);
    expect(confirms('a b c', entry)).toBe(false);
    // 2.1.332 wraps some pastes (seen with a message whose second line was `rm -rf ~`).
    expect(confirms('\n\n<pasted_content id="4b55">\na\n\tb \n</pasted_content id="4b55">', entry)).toBe(true);
    expect(unwrapPastedContent('\n\n<pasted_content id="x1">\nhello\nrm -rf ~\n</pasted_content id="x1">')).toBe('hello\nrm -rf ~');
    expect(unwrapPastedContent('<pasted_content id="a">\nnot closed')).toBe('<pasted_content id="a">\nnot closed');
    expect(unwrapPastedContent('<pasted_content id="a">\nx\n</pasted_content id="b">')).toBe('<pasted_content id="a">\nx\n</pasted_content id="b">');
  });
});
