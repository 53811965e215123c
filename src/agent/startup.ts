/**
 * After launch, a real Claude Code may stop at a dialog before its first hook fires (trust
 * this folder, use this API key, onboarding). Hooks are the truth: once SessionStart arrives
 * there is nothing to look for. Until then the screen is checked (the fallback), so the hub can
 * report the agent `waiting_for_person` with the dialog's question and choices.
 */
import type { TerminalBackend, TerminalHandle } from '../terminal/backend.js';
import { detectDialog, type DetectedDialog } from './dialogs.js';

export interface StartupWatchInput {
  readonly backend: TerminalBackend;
  readonly handle: TerminalHandle;
  /** True once the agent's SessionStart hook event was seen. */
  readonly started: () => boolean;
  /** Give up after this long (resolves `timeout`). Default 30 s. */
  readonly timeoutMs?: number;
  /** First screen polling interval. Default 250 ms. */
  readonly everyMs?: number;
  /**
   * The interval grows by half each time up to this (default: `everyMs`, no growth), so an
   * agent slow to start — or many of them — costs few terminal calls while nothing changes.
   */
  readonly maxEveryMs?: number;
  readonly signal?: AbortSignal;
}

export type StartupOutcome =
  | { readonly kind: 'started' }
  | { readonly kind: 'dialog'; readonly dialog: DetectedDialog }
  | { readonly kind: 'exited' }
  | { readonly kind: 'timeout' };

export async function watchStartup(input: StartupWatchInput): Promise<StartupOutcome> {
  const deadline = Date.now() + (input.timeoutMs ?? 30_000);
  let every = input.everyMs ?? 250;
  const maxEvery = Math.max(every, input.maxEveryMs ?? every);
  for (;;) {
    if (input.started()) return { kind: 'started' };
    if (input.signal?.aborted) return { kind: 'timeout' };
    if (!(await input.backend.isAlive(input.handle))) return { kind: 'exited' };
    const screen = await input.backend.readScreen(input.handle).catch(() => ({ text: '' }));
    // Checked again: SessionStart may have come while the screen was read.
    if (input.started()) return { kind: 'started' };
    const dialog = detectDialog(screen.text);
    if (dialog) return { kind: 'dialog', dialog };
    if (Date.now() >= deadline) return { kind: 'timeout' };
    await new Promise((resolve) => setTimeout(resolve, every));
    every = Math.min(maxEvery, Math.round(every * 1.5));
  }
}
