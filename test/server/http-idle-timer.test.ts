import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdleTimer } from '../../src/server/idle-timer.js';

// Vitest's fake timers for the countdown; setImmediate stays real (the timer's last look before closing).
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
/** Lets the immediate queued by an expired countdown run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
afterEach(() => {
  vi.useRealTimers();
});

describe('idle timer (one per HTTP session)', () => {
  it('fires once, after the last open request ends and the idle time passes without another', async () => {
    const onIdle = vi.fn();
    const idle = createIdleTimer(1000, onIdle);
    const end = idle.begin();
    vi.advanceTimersByTime(5000);
    expect(onIdle).not.toHaveBeenCalled(); // a request is open: never idle
    end();
    vi.advanceTimersByTime(999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    await settle();
    expect(onIdle).toHaveBeenCalledTimes(1);
    idle.begin()();
    vi.advanceTimersByTime(5000);
    await settle();
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('activity restarts the countdown; overlapping requests keep it disarmed until the last ends', async () => {
    const onIdle = vi.fn();
    const idle = createIdleTimer(1000, onIdle);
    idle.begin()();
    vi.advanceTimersByTime(900);
    const stream = idle.begin(); // e.g. a GET stream
    const call = idle.begin();
    call();
    call(); // ending twice counts once
    vi.advanceTimersByTime(3000);
    expect(onIdle).not.toHaveBeenCalled();
    stream();
    vi.advanceTimersByTime(999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    await settle();
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('0 never fires, and stop() disarms for good', async () => {
    const never = vi.fn();
    createIdleTimer(0, never).begin()();
    const stopped = vi.fn();
    const idle = createIdleTimer(1000, stopped);
    idle.begin()();
    idle.stop();
    idle.begin()();
    vi.advanceTimersByTime(60_000);
    await settle();
    expect(never).not.toHaveBeenCalled();
    expect(stopped).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a request that begins in the same event-loop turn as the expiry wins: the session stays', async () => {
    const onIdle = vi.fn();
    const idle = createIdleTimer(1000, onIdle);
    idle.begin()();
    vi.advanceTimersByTime(1000); // expired; the close waits for the I/O of this turn
    const end = idle.begin();
    await settle();
    expect(onIdle).not.toHaveBeenCalled();
    end();
    vi.advanceTimersByTime(1000);
    await settle();
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('its timer does not keep the process alive (unref)', () => {
    const unref = vi.spyOn(globalThis, 'setTimeout');
    createIdleTimer(1000, () => undefined).begin()();
    const timer = unref.mock.results.at(-1)?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    unref.mockRestore();
  });
});
