/**
 * One scripted turn of a real Claude Code agent in tmux: type the prompt, confirm it by the
 * agent's UserPromptSubmit hook (a just-started TUI can drop the first Enter: bounded retry),
 * then wait for the fake model's request carrying the tool result and for the turn's Stop.
 */
import { readFile } from 'node:fs/promises';
import type { FakeAnthropic, RecordedRequest } from '../../fixtures/fake-anthropic/server.js';
import type { TerminalBackend, TerminalHandle } from '../../src/terminal/backend.js';
import { waitFor } from './wait.js';

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
  await backend.sendText(pane, prompt);
  await backend.submit(pane);
  const submitted = async (): Promise<boolean> => (await readFile(eventsFile, 'utf8')).includes(`"prompt":${JSON.stringify(prompt)}`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const ok = await waitFor(submitted, `UserPromptSubmit of ${prompt}`, 3_000).catch(() => false);
    if (ok) break;
    await backend.submit(pane);
  }
  const request = await waitFor(() => fake.requests.find((r) => r.mainLoop && r.turnPrompt?.includes(prompt) && r.toolResults.length > 0), `tool result for ${prompt}`, 60_000);
  await waitFor(async () => (await stops()) > before, `Stop after ${prompt}`, 60_000);
  return request.toolResults[0] as ToolResult;
}
