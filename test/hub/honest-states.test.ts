/**
 * Issue 14, honest states: what StopFailure's `error` (as seen on 2.1.197 and 2.1.332) makes of
 * an agent, `stuck` past the threshold with since-when and the last tool, why an idle agent is
 * idle, and reset times read from limit messages (bad ones refused with a reason).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { activityOf, deriveAgentStatus, type StatusInput } from '../../src/hub/status.js';
import { MAX_RESET_AHEAD_MS, parseResetTime } from '../../src/usage/reset-time.js';
import type { TaskDoc, TaskStatus } from '../../src/protocol/types.js';

const AT = Date.UTC(2026, 10, 21, 12, 3, 4);

function task(id: string, status: TaskStatus): TaskDoc {
  return {
    file: `.claude-hub/tasks/${id}-x.md`,
    task: { id, title: id, status, assignee: 'A', from: null, priority: 'medium', depends_on: [], created: null, updated: null },
    progress: { done: 0, total: 0 },
    log: [],
    diagnostics: [],
    editable: true,
  };
}

function input(event: string, payload: Record<string, unknown> = {}, extra: Partial<StatusInput> = {}): StatusInput {
  return {
    latest: activityOf(event, payload, AT),
    lastEventAt: AT,
    terminalAlive: true,
    pendingPrompt: null,
    tasks: [],
    todoItems: [],
    todoFile: 'TODO.md',
    ...extra,
  };
}

describe('StopFailure → the API error that ended the turn (payloads as seen on both pinned releases)', () => {
  it.each([
    ['rate_limit', "API Error: Request rejected (429) · This request would exceed your account's rate limit. Please try again later.", 'rate_limited'],
    ['authentication_failed', 'Invalid API key · Fix external API key', 'auth_failed'],
    ['server_error', 'API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment.', 'overloaded'],
    ['server_error', 'API Error: 500 Internal server error. This is a server-side issue, usually temporary — try again in a moment.', 'api_error'],
    ['something_new', 'whatever a later release says', 'api_error'],
  ])('%s (%s) → %s', (error, message, status) => {
    const derived = deriveAgentStatus(input('StopFailure', { error, last_assistant_message: message }));
    expect(derived.status).toBe(status);
    expect(derived.why).toContain(error);
  });

  it('a rate limit that names its reset says when; one that does not says so', () => {
    const reset = AT + 3_600_000;
    const named = deriveAgentStatus(input('StopFailure', { error: 'rate_limit', last_assistant_message: `Claude AI usage limit reached|${reset / 1000}` }));
    expect(named).toMatchObject({ status: 'rate_limited', resetAt: new Date(reset).toISOString() });
    const unnamed = deriveAgentStatus(input('StopFailure', { error: 'rate_limit', last_assistant_message: 'API Error: Request rejected (429)' }));
    expect(unnamed).toMatchObject({ status: 'rate_limited', resetAt: null });
    expect(unnamed.why).toContain('reset time not said');
  });
});

describe('stuck: working with no hook event past the threshold', () => {
  it('is working up to the threshold, then stuck since the last event, naming the last tool', () => {
    const working = input('PreToolUse', { tool_name: 'Bash' }, { lastTool: 'Bash', stuckMs: 60_000 });
    expect(deriveAgentStatus({ ...working, now: AT + 60_000 }).status).toBe('working');
    const stuck = deriveAgentStatus({ ...working, now: AT + 60_001 });
    expect(stuck).toMatchObject({ status: 'stuck', stuckSince: new Date(AT).toISOString(), lastTool: 'Bash' });
    expect(stuck.why).toMatch(/no hook event since 12:03:04 \(60 s\); last tool: Bash/);
  });

  it('an idle agent is never stuck, and a clock that jumps back makes nobody stuck', () => {
    expect(deriveAgentStatus({ ...input('Stop'), now: AT + 10 * 3_600_000, stuckMs: 1000 }).status).toBe('idle');
    expect(deriveAgentStatus({ ...input('PreToolUse', { tool_name: 'Bash' }), now: AT - 3_600_000, stuckMs: 1000 }).status).toBe('working');
  });
});

describe('why an idle agent is idle', () => {
  it.each([
    ['background_job', { background_tasks: [{ id: 'b1' }] }, [task('T-1', 'in_progress')]],
    ['open_work', {}, [task('T-1', 'done'), task('T-2', 'in_progress')]],
    ['task_done', {}, [task('T-1', 'done'), task('T-2', 'cancelled')]],
    ['no_task', {}, []],
  ] as const)('%s', (reason, payload, tasks) => {
    expect(deriveAgentStatus(input('Stop', payload, { tasks })).idleReason).toBe(reason);
  });
});

describe('reset times from limit messages', () => {
  const NOW = AT;
  it('reads epoch-after-bar, ISO, relative and clock forms', () => {
    expect(parseResetTime(`limit reached|${(NOW + 600_000) / 1000}`, NOW).at).toBe(NOW + 600_000);
    expect(parseResetTime('resets at 2026-11-21T13:00:00Z', NOW).at).toBe(Date.UTC(2026, 10, 21, 13));
    expect(parseResetTime('Please try again in 5 minutes.', NOW).at).toBe(NOW + 300_000);
    const clock = parseResetTime('5-hour limit reached ∙ resets 3pm', NOW).at;
    expect(clock).not.toBeNull();
    expect(new Date(clock as number).getHours()).toBe(15);
    expect(parseResetTime('Please try again later.', NOW)).toEqual({ at: null, problem: null });
  });

  it('refuses a reset in the past or more than a week away, saying why', () => {
    const past = parseResetTime(`limit reached|${(NOW - 1000) / 1000}`, NOW);
    expect(past.at).toBeNull();
    expect(past.problem).toMatch(/already past/);
    const far = parseResetTime(`resets at 2027-11-21T12:00:00Z`, NOW);
    expect(far.at).toBeNull();
    expect(far.problem).toMatch(/more than a week away/);
  });

  it('never throws and never answers outside (now, now + a week] on any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 0, max: 4_000_000_000_000 }), (text, now) => {
        const { at } = parseResetTime(text, now);
        if (at !== null) {
          expect(at).toBeGreaterThan(now);
          expect(at - now).toBeLessThanOrEqual(MAX_RESET_AHEAD_MS);
        }
      }),
      { numRuns: 500 },
    );
  });
});
