/**
 * When a usage or rate limit resets, from what Claude Code or the API said (PURE). Claude Code
 * does not pass the API's `retry-after` / `anthropic-ratelimit-*-reset` headers to hooks or the
 * transcript (seen on 2.1.197 and 2.1.332: it waits out `retry-after` itself, then reports the
 * API's message), so the time comes from the message's words:
 * - `…|1767225600` (epoch seconds after a bar: Claude Code's "usage limit reached|<reset>" form),
 * - an ISO 8601 time (`2026-12-01T15:00:00Z`),
 * - "resets 3pm", "resets at 3:30 pm" (local time of the machine, next occurrence),
 * - "try again in 5 minutes", "retry after 30 seconds", "in 2 hours".
 * A time in the past or more than MAX_RESET_AHEAD_MS away is not believed: the result says why
 * and the caller uses its fallback (the hub then probes at the fallback time instead).
 */

/** A reset more than this far ahead is not believed (limits reset within a week). */
export const MAX_RESET_AHEAD_MS = 7 * 24 * 3600 * 1000;

export interface ResetTime {
  /** ms since epoch, or null when the text names none or an unbelievable one. */
  readonly at: number | null;
  /** Why a time that was found is not used, or null. */
  readonly problem: string | null;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  second: 1000,
  sec: 1000,
  s: 1000,
  minute: 60_000,
  min: 60_000,
  m: 60_000,
  hour: 3_600_000,
  hr: 3_600_000,
  h: 3_600_000,
};

function candidate(text: string, now: number): number | null {
  const epoch = /\|\s*(\d{9,13})\b/.exec(text);
  if (epoch?.[1]) {
    const n = Number(epoch[1]);
    return epoch[1].length > 11 ? n : n * 1000;
  }
  const iso = /\b(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))/.exec(text);
  if (iso?.[1]) {
    const t = Date.parse(iso[1]);
    if (Number.isFinite(t)) return t;
  }
  const relative = /\b(?:in|after)\s+(\d{1,6})\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|[smh])\b/i.exec(text);
  if (relative?.[1] && relative[2]) {
    const unit = relative[2].toLowerCase().replace(/s$/, '');
    const ms = UNIT_MS[unit] ?? UNIT_MS[relative[2].toLowerCase()];
    if (ms !== undefined) return now + Number(relative[1]) * ms;
  }
  const clock = /\bresets?\s+(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*([ap]m)\b/i.exec(text);
  if (clock?.[1] && clock[3]) {
    let hour = Number(clock[1]) % 12;
    if (clock[3].toLowerCase() === 'pm') hour += 12;
    const at = new Date(now);
    at.setHours(hour, Number(clock[2] ?? 0), 0, 0);
    if (at.getTime() <= now) at.setDate(at.getDate() + 1);
    return at.getTime();
  }
  return null;
}

export function parseResetTime(text: string, now: number): ResetTime {
  const at = candidate(text, now);
  if (at === null) return { at: null, problem: null };
  if (!Number.isFinite(at)) return { at: null, problem: 'the reset time in the message is not a time' };
  if (at <= now) return { at: null, problem: `the reset time in the message (${new Date(at).toISOString()}) is already past` };
  if (at - now > MAX_RESET_AHEAD_MS) return { at: null, problem: `the reset time in the message (${new Date(at).toISOString()}) is more than a week away` };
  return { at, problem: null };
}
