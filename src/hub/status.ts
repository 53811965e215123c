/**
 * PURE derivation of an agent's status from what the index knows: its latest status-bearing
 * hook event, whether its terminal lives, a dialog it is stopped at, its tasks and its TODO
 * items. Nothing here reads a file or a clock; the index calls it whenever an input changes.
 *
 * Decisions:
 * - No hook event yet → `starting` (launched; Claude Code fires SessionStart once its prompt box
 *   is up, and no hook fires while a first-run dialog is open).
 * - `SessionStart` with source startup/resume/clear → `idle`: the hook runs when the session is
 *   ready for input (2.1.332 runs it a moment before the box is drawn, and a start-up menu may
 *   follow: the screen watch shows that as a pending prompt). Delivery waits for `idle` AND a
 *   ready box. Source `compact` says nothing new: ignored.
 * - `PermissionDenied` (auto mode refused a tool) and `PostToolUseFailure` → working: the turn
 *   goes on. `Elicitation` (an MCP server asks the person) → waiting until `ElicitationResult`.
 * - `Notification` with `permission_prompt` (or `elicitation_dialog`) → waiting; with
 *   `idle_prompt` → idle; other notifications are ignored. `SubagentStop`, `PreCompact` ignored.
 * - `StopFailure` says which API error ended the turn (seen on 2.1.197 and 2.1.332): `error`
 *   `rate_limit` (429) → rate_limited (with the reset time its message names, reset-time.ts);
 *   `authentication_failed` (401) → auth_failed; `server_error` with "529"/"Overloaded" in its
 *   message → overloaded; any other → api_error. The transcript's API error line says the same
 *   (usage/transcript.ts) and is taken when it is newer than the latest hook event.
 * - `working` with no hook event for `stuckMs` → `stuck` (since when, the last tool): a hung
 *   command fires no hook until it ends. Needs `now`; the index re-derives on a timer.
 * - An idle agent says why (`idleReason`): its Stop listed background tasks → background_job;
 *   it has an open task (in progress, todo, blocked, review) → open_work; it has tasks and all
 *   are closed → task_done; else no_task.
 * - Precedence: terminal gone / SessionEnd (exited) > dialog pending (waiting_for_person) >
 *   the hook event's own state, except that an agent that is idle, starting or interrupted and
 *   has a task with status `blocked` is `blocked`.
 */
import type { Progress, TaskDoc, TodoItem } from '../protocol/types.js';
import { parseResetTime } from '../usage/reset-time.js';
import type { AgentStatus, IdleReason, PendingPrompt } from './types.js';

/** The last status-bearing hook event of an agent, reduced to what status needs. */
export interface Activity {
  readonly event: string;
  /** ms since epoch. */
  readonly at: number;
  readonly status: AgentStatus;
  /** A few words from the payload: tool name, source, reason, error. */
  readonly detail: string | null;
  /** rate_limited: when the limit resets (ms since epoch), or null when not said or not believable. */
  readonly resetAt?: number | null;
  /** Stop: how many background tasks were still running. */
  readonly background?: number;
}

/** Default: working with no hook event for this long is `stuck` (configurable: `--stuck-after`). */
export const DEFAULT_STUCK_MS = 5 * 60 * 1000;

export interface StatusInput {
  readonly latest: Activity | null;
  /** ms since epoch of the agent's latest hook event of any kind. */
  readonly lastEventAt: number | null;
  /** From the terminal backend; null: not known (e.g. `watch` without a server). */
  readonly terminalAlive: boolean | null;
  readonly pendingPrompt: PendingPrompt | null;
  /** The agent's tasks (assignee = agent), each with its path relative to the root. */
  readonly tasks: readonly TaskDoc[];
  /** The agent's TODO.md items. */
  readonly todoItems: readonly TodoItem[];
  readonly todoFile: string;
  /** Now (ms since epoch) and the stuck threshold: without them, no agent is ever `stuck`. */
  readonly now?: number;
  readonly stuckMs?: number;
  /** The last tool the agent ran (PreToolUse/PostToolUse), for `stuck`. */
  readonly lastTool?: string | null;
}

export interface DerivedStatus {
  readonly status: AgentStatus;
  readonly why: string;
  readonly currentTask: string | null;
  readonly progress: Progress;
  readonly lastActivity: string | null;
  readonly idleReason: IdleReason | null;
  readonly stuckSince: string | null;
  readonly lastTool: string | null;
  readonly resetAt: string | null;
}

/** What an API error kind (StopFailure `error`, transcript `error`) and its message make of the agent. */
export function apiErrorStatus(error: string | null, message: string | null, status: number | null = null): AgentStatus {
  if (error === 'rate_limit' || status === 429) return 'rate_limited';
  if (error === 'authentication_failed' || error === 'authentication_error' || status === 401 || status === 403) return 'auth_failed';
  if (status === 529 || /\b529\b|overloaded/i.test(message ?? '') || error === 'overloaded') return 'overloaded';
  return 'api_error';
}

function str(payload: Readonly<Record<string, unknown>>, key: string): string | null {
  const value = payload[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * What one hook event says about the agent's status, or null when it says nothing (the
 * previous status-bearing event still holds).
 */
export function activityOf(event: string, payload: Readonly<Record<string, unknown>>, at: number): Activity | null {
  const make = (status: AgentStatus, detail: string | null): Activity => ({ event, at, status, detail });
  switch (event) {
    case 'SessionStart': {
      const source = str(payload, 'source');
      return source === 'compact' ? null : make('idle', source);
    }
    case 'UserPromptSubmit':
      return make('working', null);
    case 'PreToolUse':
    case 'PostToolUse':
    case 'PostToolUseFailure':
    case 'PermissionDenied':
      // PermissionDenied: auto mode refused a tool call; the turn goes on without it.
      return make('working', str(payload, 'tool_name'));
    case 'Elicitation':
      // An MCP server asks the person for input in the agent's terminal.
      return make('waiting_for_person', str(payload, 'mcp_server_name') ?? str(payload, 'message') ?? 'elicitation');
    case 'ElicitationResult':
      return make('working', str(payload, 'mcp_server_name'));
    case 'PermissionRequest':
      return make('waiting_for_person', str(payload, 'tool_name'));
    case 'Notification': {
      const type = str(payload, 'notification_type');
      if (type === 'permission_prompt' || type === 'elicitation_dialog') return make('waiting_for_person', str(payload, 'message') ?? type);
      if (type === 'idle_prompt') return make('idle', type);
      return null;
    }
    case 'Stop': {
      const background = Array.isArray(payload.background_tasks) ? payload.background_tasks.length : 0;
      return { ...make('idle', null), background };
    }
    case 'StopFailure': {
      const error = str(payload, 'error') ?? str(payload, 'error_type');
      const message = str(payload, 'last_assistant_message') ?? str(payload, 'message');
      const status = apiErrorStatus(error, message);
      const detail = [error ?? 'unknown error', message?.slice(0, 300)].filter(Boolean).join(': ');
      return { ...make(status, detail), ...(status === 'rate_limited' ? { resetAt: parseResetTime(message ?? '', at).at } : {}) };
    }
    case 'SessionEnd':
      return make('exited', str(payload, 'reason'));
    default:
      return null;
  }
}

/** `HH:MM:SS` in UTC: short enough for `why`, unambiguous next to ISO `lastActivity`. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function describe(activity: Activity): string {
  const at = clock(activity.at);
  switch (activity.event) {
    case 'StopFailure':
    case 'TranscriptError':
      return `${activity.event === 'StopFailure' ? 'StopFailure hook' : 'API error in the transcript'} at ${at}: the turn ended on an error (${activity.detail ?? 'unknown'})${
        activity.status === 'rate_limited' ? (activity.resetAt ? `; resets at ${new Date(activity.resetAt).toISOString()}` : '; reset time not said') : ''
      }`;
    case 'Interrupted':
      return `interrupted at ${at} (Esc or Ctrl-C; the transcript says "[Request interrupted by user]", no Stop hook)`;
    case 'SessionStart':
      return `SessionStart hook (${activity.detail ?? 'startup'}) at ${at}: prompt box ready`;
    case 'SessionEnd':
      return `SessionEnd hook at ${at}${activity.detail ? ` (reason: ${activity.detail})` : ''}`;
    default:
      return `${activity.event} hook${activity.detail ? ` (${activity.detail})` : ''} at ${at}`;
  }
}

function taskNumber(doc: TaskDoc): number {
  const id = doc.task?.id ?? '';
  const n = Number(id.slice(id.indexOf('-') + 1));
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

const PRIORITY_RANK = { critical: 0, high: 1, medium: 2, low: 3 } as const;
const STATUS_RANK: Readonly<Partial<Record<string, number>>> = { in_progress: 0, blocked: 1, todo: 2, review: 3 };

/**
 * The task the agent is on: in progress, else blocked, else the most urgent `todo`, else review;
 * ties go to the lower task number. One pass, no allocation: it runs for every agent on every change.
 */
export function currentTaskOf(tasks: readonly TaskDoc[]): TaskDoc | null {
  let best: TaskDoc | null = null;
  let bestKey = [Infinity, Infinity, Infinity];
  for (const doc of tasks) {
    const task = doc.task;
    if (!task) continue;
    const statusRank = STATUS_RANK[task.status];
    if (statusRank === undefined || statusRank > (bestKey[0] ?? Infinity)) continue;
    const priorityRank = PRIORITY_RANK[task.priority];
    if (statusRank === bestKey[0] && priorityRank > (bestKey[1] ?? Infinity)) continue;
    const number = taskNumber(doc);
    if (statusRank === bestKey[0] && priorityRank === bestKey[1] && number >= (bestKey[2] ?? Infinity)) continue;
    best = doc;
    bestKey = [statusRank, priorityRank, number];
  }
  return best;
}

/**
 * Tasks most pressing first, in the order currentTaskOf picks (in progress, blocked, todo,
 * review; then by priority), closed ones last; otherwise as given. A status is cut to its first
 * open tasks, so these are the ones a reader sees.
 */
export function byUrgency<T extends { readonly status: string; readonly priority: keyof typeof PRIORITY_RANK }>(tasks: readonly T[]): T[] {
  const closedRank = (status: string): number => (status === 'done' ? 4 : 5);
  return tasks
    .map((task, index) => ({ task, index, status: STATUS_RANK[task.status] ?? closedRank(task.status), priority: PRIORITY_RANK[task.priority] }))
    .sort((a, b) => a.status - b.status || a.priority - b.priority || a.index - b.index)
    .map(({ task }) => task);
}

export function progressOf(todoItems: readonly TodoItem[], tasks: readonly TaskDoc[]): Progress {
  let done = 0;
  let total = 0;
  for (const item of todoItems) {
    total += 1;
    if (item.checked) done += 1;
  }
  for (const doc of tasks) {
    done += doc.progress.done;
    total += doc.progress.total;
  }
  return { done, total };
}

/** 1-based line of the `status:` key in a task file's front matter, for `why`; 1 when absent. */
export function statusLineIn(text: string): number {
  const match = /^status\s*:/m.exec(text);
  if (!match) return 1;
  let line = 1;
  for (let i = 0; i < match.index; i++) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

const OPEN_TASK = new Set(['in_progress', 'todo', 'blocked', 'review']);

function idleReasonOf(latest: Activity | null, tasks: readonly TaskDoc[]): IdleReason {
  if ((latest?.background ?? 0) > 0) return 'background_job';
  if (tasks.some((d) => d.task && OPEN_TASK.has(d.task.status))) return 'open_work';
  return tasks.some((d) => d.task) ? 'task_done' : 'no_task';
}

/** `locate` gives the line that says a task's status (see statusLineIn). */
export function deriveAgentStatus(input: StatusInput, locate: (doc: TaskDoc) => number = () => 1): DerivedStatus {
  const current = currentTaskOf(input.tasks);
  const progress = progressOf(input.todoItems, input.tasks);
  const lastActivity = input.lastEventAt === null ? null : new Date(input.lastEventAt).toISOString();
  const latest = input.latest;
  const base = {
    currentTask: current?.task?.id ?? null,
    progress,
    lastActivity,
    idleReason: null,
    stuckSince: null,
    lastTool: input.lastTool ?? null,
    resetAt: latest?.status === 'rate_limited' && latest.resetAt ? new Date(latest.resetAt).toISOString() : null,
  };
  if (input.terminalAlive === false) return { ...base, status: 'exited', why: 'terminal gone (its pane or tab no longer exists)' };
  if (latest?.status === 'exited') return { ...base, status: 'exited', why: describe(latest) };
  if (input.pendingPrompt) {
    return { ...base, status: 'waiting_for_person', why: `dialog waiting for a person since ${input.pendingPrompt.since}: ${input.pendingPrompt.question}` };
  }
  if (latest?.status === 'waiting_for_person') return { ...base, status: 'waiting_for_person', why: describe(latest) };
  if (latest === null || latest.status === 'idle' || latest.status === 'interrupted') {
    const blocked = input.tasks.find((d) => d.task?.status === 'blocked');
    if (blocked?.task) {
      return { ...base, status: 'blocked', why: `${blocked.task.id} status blocked (${blocked.file}:${locate(blocked)})` };
    }
  }
  if (latest === null) return { ...base, status: 'starting', why: 'launched; no hook event yet (SessionStart comes when its prompt box is up)' };
  if (latest.status === 'working' && input.now !== undefined && input.stuckMs !== undefined && input.lastEventAt !== null) {
    const quiet = input.now - input.lastEventAt;
    if (quiet > input.stuckMs) {
      return {
        ...base,
        status: 'stuck',
        stuckSince: lastActivity,
        why: `working, but no hook event since ${clock(input.lastEventAt)} (${Math.round(quiet / 1000)} s)${input.lastTool ? `; last tool: ${input.lastTool}` : ''}; it may be hung on a command`,
      };
    }
  }
  if (latest.status === 'idle' || latest.status === 'interrupted') {
    const idleReason = idleReasonOf(latest, input.tasks);
    return { ...base, status: latest.status, idleReason, why: describe(latest) };
  }
  return { ...base, status: latest.status, why: describe(latest) };
}
