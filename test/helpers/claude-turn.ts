/**
 * One scripted turn of a real Claude Code agent in tmux: wait for the prompt box (answering a
 * start-up menu a release may show, as a person would, through the hub's answerDialog), type
 * the prompt, confirm it by the agent's UserPromptSubmit hook (a just-started TUI can drop the
 * first Enter: bounded retry), then wait for the fake model's request carrying the tool result
 * and for the turn's Stop.
 */
import { readFile } from 'node:fs/promises';
import type { FakeAnthropic, RecordedRequest } from '../../fixtures/fake-anthropic/server.js';
import type { TerminalBackend, TerminalHandle } from '../../src/terminal/backend.js';
import { waitFor } from './wait.js';
import { readStable, answerDialog } from '../../src/screen/terminal.js';
import { STARTUP_SETTLE_MS } from '../../src/hub/screens.js';

/**
 * Until the prompt box is ready. Claude Code 2.1.332 asks, after SessionStart, whether to make
 * auto mode the default when the HOME's settings say acceptEdits: the "No" choice keeps the
 * person's mode. Any other dialog is a failure, with its text.
 */
export async function untilPromptBox(
  backend: TerminalBackend,
  pane: TerminalHandle,
  options: { readonly fresh: boolean; readonly timeoutMs?: number },
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const settleMs = options.fresh ? STARTUP_SETTLE_MS : 0;
  const deadline = Date.now() + timeoutMs;
  let readySince: number | null = null;
  for (;;) {
    const reading = await readStable({ backend, handle: pane });
    if (reading.state === 'ready') {
      // Still ready once a start-up menu would have come (it may follow the box).
      readySince ??= Date.now();
      if (Date.now() - readySince >= settleMs) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    readySince = null;
    if (reading.state === 'menu') {
      const keep = reading.choices.find((c) => /^No\b/i.test(c.label));
      if (reading.kind !== 'question' || !keep) throw new Error(`unexpected dialog: ${JSON.stringify(reading)}`);
      await answerDialog({ backend, handle: pane }, keep.label);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`no prompt box after ${timeoutMs} ms: ${JSON.stringify(reading)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export type ToolResult = RecordedRequest['toolResults'][number];

export async function runTurn(input: {
  readonly backend: TerminalBackend;
  readonly pane: TerminalHandle;
  readonly eventsFile: string;
  readonly fake: FakeAnthropic;
  readonly prompt: string;
}): Promise<ToolResult> {
  const { backend, pane, eventsFile, fake, prompt } = input;
  const stops = async (): Promise<number> => (await readFile(eventsFile, 'utf8')).split('\n').filter((l) => l.includes('"hook_event_name":"Stop"')).length;
  const before = await stops();
  // A fresh agent (no prompt taken yet) may still bring up a start-up menu.
  const fresh = !(await readFile(eventsFile, 'utf8').catch(() => '')).includes('"UserPromptSubmit"');
  await untilPromptBox(backend, pane, { fresh });
  await backend.sendText(pane, prompt);
  await backend.submit(pane);
  const submitted = async (): Promise<boolean> => (await readFile(eventsFile, 'utf8')).includes(`"prompt":${JSON.stringify(prompt)}`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const ok = await waitFor(submitted, `UserPromptSubmit of ${prompt}`, 3_000).catch(() => false);
    if (ok) break;
    await backend.submit(pane);
  }
  const request = await waitFor(
    () => fake.requests.find((r) => r.mainLoop && r.turnPrompt?.includes(prompt) && r.toolResults.length > 0),
    `tool result for ${prompt}`,
    60_000,
  );
  await waitFor(async () => (await stops()) > before, `Stop after ${prompt}`, 60_000);
  return request.toolResults[0] as ToolResult;
}
