/** Polls until `probe` returns a value that is not undefined/false, or fails with what it last saw. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Like waitFor, for work that drains at the machine's pace (a queue of messages, each a real
 * agent's turn): it fails only when `progress` (a number that falls as the work gets done, e.g.
 * what is still queued) has not fallen for `stallMs`, so a slow machine waits longer and a hung
 * one still fails; the error says what the probe last saw.
 */
export async function waitWhileProgressing<T extends { progress: number; done: boolean }>(
  probe: () => Promise<T>,
  what: string,
  stallMs = 120_000,
  everyMs = 500,
): Promise<T> {
  let best = Number.POSITIVE_INFINITY;
  let stallDeadline = Date.now() + stallMs;
  let last: unknown;
  for (;;) {
    try {
      const seen = await probe();
      if (seen.done) return seen;
      if (seen.progress < best) {
        best = seen.progress;
        stallDeadline = Date.now() + stallMs;
      }
      last = seen;
    } catch (error) {
      last = error;
    }
    if (Date.now() > stallDeadline) {
      throw new Error(`no progress for ${stallMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
