/**
 * After an agent is launched: wait until it can take messages — idle, with its prompt box on
 * screen — answering, the way a person would, the start-up menu a release may show first.
 * Claude Code 2.1.332, when the person's own settings say `permissions.defaultMode:
 * acceptEdits` (the test HOMEs do), asks right after SessionStart "Make auto mode your default
 * permission mode?"; the hub shows it as the agent's pendingPrompt and types nothing into it.
 * The answer goes through the hub's own answer_agent_prompt, and keeps the person's mode
 * (the choice that starts with "No"). Any other dialog here is a test failure, with its text.
 * The menu may come a moment after the box is drawn: ready means ready for as long as the hub's
 * own start-up settle (STARTUP_SETTLE_MS).
 */
import { readScreen } from '../../src/screen/read.js';
import { STARTUP_SETTLE_MS } from '../../src/hub/screens.js';
import type { AgentStatus, PendingPrompt } from '../../src/hub/types.js';

export interface ReadyProbe {
  /** The agent as the hub shows it. */
  view():
    | Promise<{ readonly status: AgentStatus; readonly pendingPrompt: PendingPrompt | null }>
    | { readonly status: AgentStatus; readonly pendingPrompt: PendingPrompt | null };
  /** Its screen (e.g. read_agent_output). */
  screen(): Promise<string>;
  /** answer_agent_prompt. */
  answer(choice: string): Promise<unknown>;
}

export async function untilReady(probe: ReadyProbe, timeoutMs = 45_000): Promise<{ readonly answered: readonly string[] }> {
  const deadline = Date.now() + timeoutMs;
  const answered: string[] = [];
  let last = '';
  let readySince: number | null = null;
  for (;;) {
    const view = await probe.view();
    if (view.pendingPrompt && view.pendingPrompt.kind !== 'unknown') {
      const keep = view.pendingPrompt.choices.find((c) => /^No\b/i.test(c.label));
      if (view.pendingPrompt.kind !== 'question' || !keep) throw new Error(`unexpected dialog at start-up: ${JSON.stringify(view.pendingPrompt)}`);
      await probe.answer(keep.label);
      answered.push(view.pendingPrompt.question);
      continue;
    }
    if (view.status === 'idle' && view.pendingPrompt === null) {
      last = await probe.screen();
      // Ready, and still ready once a start-up menu would have come (it may follow the box).
      if (readScreen(last).state === 'ready') {
        readySince ??= Date.now();
        if (Date.now() - readySince >= STARTUP_SETTLE_MS) return { answered };
      } else readySince = null;
    } else readySince = null;
    if (Date.now() > deadline) throw new Error(`agent not ready after ${timeoutMs} ms (status ${view.status}); screen:\n${last}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
