/**
 * The delivery queue asks whether the prompt box is ready before typing and before Enter. A box
 * that is not ready (a start-up menu, a dialog, an unreadable screen) gets nothing typed, and the
 * queue waits for a kick instead of asking again in a loop: a loop of instant "no"s would never
 * yield to the event loop and would freeze the whole hub (found by the crash test after a
 * restart, when re-attached agents were not yet watched).
 */
import { describe, expect, it } from 'vitest';
import { DeliveryQueue } from '../../src/hub/delivery.js';
import type { AgentStatus, HookEvent } from '../../src/hub/types.js';
import { MemoryTerminal } from '../helpers/memory-terminal.js';

describe('DeliveryQueue with a readiness source', () => {
  it('types nothing while the box is not ready, asks once per kick (no spinning), and delivers once it is', async () => {
    const terminal = new MemoryTerminal();
    const handle = await terminal.open({ session: 's', name: 'Agent_1', cwd: '/', argv: ['claude'], env: {} });
    const hookListeners = new Set<(e: HookEvent) => void>();
    terminal.onSubmit = (_pane, prompt) => {
      setTimeout(() => {
        for (const l of hookListeners)
          l({ agent: 'Agent_1', session: 's', event: 'UserPromptSubmit', claudeSessionId: 'c', receivedAt: Date.now(), line: 1, payload: { prompt } });
      }, 1);
    };
    let ready = false;
    let asked = 0;
    const status: AgentStatus = 'idle';
    const queue = new DeliveryQueue({
      terminals: { terminalOf: () => ({ backend: terminal, handle }) },
      status: { getStatus: () => status, onStatusChange: () => () => undefined },
      hooks: {
        onHookEvent: (l) => {
          hookListeners.add(l);
          return () => hookListeners.delete(l);
        },
      },
      readiness: {
        ready: async () => {
          asked++;
          return ready;
        },
      },
      settleAfterStopMs: 0,
      confirmTimeoutMs: 200,
    });
    const { settled } = queue.enqueue({ deliveryId: 'd1', agent: 'Agent_1', text: 'hello' });
    // Let the event loop turn many times: a spinning pump would ask thousands of times.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toBe(1);
    expect(terminal.calls).toEqual(['open:Agent_1']);
    expect(queue.pending('Agent_1').map((e) => e.state)).toEqual(['queued']);
    ready = true;
    queue.kick('Agent_1');
    expect((await settled).state).toBe('delivered');
    expect(terminal.calls).toEqual(['open:Agent_1', 'paste:hello', 'submit']);
    // Asked before the paste and again before the Enter.
    expect(asked).toBe(3);
    queue.close();
  });
});
