/**
 * watchStartup over a scripted screen: the backend here is an in-memory implementation of our
 * own TerminalBackend interface (what a terminal shows, step by step), not a fake of Claude.
 */
import { describe, expect, it } from 'vitest';
import { watchStartup } from '../../src/agent/startup.js';
import type { TerminalBackend, TerminalHandle } from '../../src/terminal/backend.js';

const TRUST = ` Accessing workspace:
 /tmp/exp/root
 Quick safety check: Is this a project you created or one you trust?
 ❯ 1. Yes, I trust this folder
   2. No, exit
 Enter to confirm · Esc to cancel`;

const handle: TerminalHandle = { backend: 'tmux', id: '%1' };

function screens(frames: readonly string[], alive: () => boolean = () => true): TerminalBackend & { reads: number } {
  const backend = {
    name: 'tmux' as const,
    reads: 0,
    open: async () => handle,
    sendText: async () => undefined,
    submit: async () => undefined,
    sendKeys: async () => undefined,
    readScreen: async () => ({ text: frames[Math.min(backend.reads++, frames.length - 1)] ?? '' }),
    isAlive: async () => alive(),
    close: async () => undefined,
    list: async () => [],
  };
  return backend;
}

describe('watchStartup', () => {
  it('reports the dialog the agent stopped at, with its choices', async () => {
    const backend = screens(['Loading…', 'Loading…', TRUST]);
    const outcome = await watchStartup({ backend, handle, started: () => false, everyMs: 1, maxEveryMs: 4, timeoutMs: 5000 });
    expect(outcome.kind).toBe('dialog');
    if (outcome.kind === 'dialog') {
      expect(outcome.dialog.kind).toBe('trust');
      expect(outcome.dialog.choices.map((c) => c.number)).toEqual([1, 2]);
    }
    expect(backend.reads).toBe(3);
  });

  it('stops looking once the first hook says the agent started, even with a dialog-like screen', async () => {
    let reads = 0;
    const backend = screens(['Loading…', TRUST]);
    const outcome = await watchStartup({ backend, handle, started: () => reads++ >= 2, everyMs: 1, timeoutMs: 5000 });
    expect(outcome.kind).toBe('started');
  });

  it('says exited when the terminal dies before any hook, and timeout when nothing ever shows', async () => {
    let alive = true;
    const dying = screens(['Loading…'], () => alive);
    setTimeout(() => (alive = false), 5);
    expect((await watchStartup({ backend: dying, handle, started: () => false, everyMs: 1, timeoutMs: 5000 })).kind).toBe('exited');
    const blank = screens(['']);
    expect((await watchStartup({ backend: blank, handle, started: () => false, everyMs: 1, maxEveryMs: 8, timeoutMs: 30 })).kind).toBe('timeout');
  });
});
