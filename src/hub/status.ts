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
 * - Precedence: terminal gone / SessionEnd (exited) > dialog pending (waiting_for_person) >
 *   the hook event's own state, except that an agent that is not `working` and has a task with
 *   status `blocked` is `blocked`.
 */
import type { Progress, TaskDoc, TodoItem } from '../protocol/types.js';
import type { AgentStatus, PendingPrompt } from './types.js';

/** The last status-bearing hook event of an agent, reduced to what status needs. */
export interface Activity {
  readonly event: string;
  /** ms since epoch. */
  readonly at: number;
  readonly status: AgentStatus;
  /** A few words from the payload: tool name, source, reason, error. */
  readonly detail: string | null;
}

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
}

export interface DerivedStatus {
  readonly status: AgentStatus;
  readonly why: string;
  readonly currentTask: string | null;
  readonly progress: Progress;
  readonly lastActivity: string | null;
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
    case 'Stop':
      return make('idle', null);
    case 'StopFailure':
      return make('idle', str(payload, 'error') ?? str(payload, 'error_type') ?? str(payload, 'message') ?? 'unknown error');
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
      return `StopFailure hook at ${at}: the turn ended on an error (${activity.detail ?? 'unknown'})`;
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

/** `locate` gives the line that says a task's status (see statusLineIn). */
export function deriveAgentStatus(input: StatusInput, locate: (doc: TaskDoc) => number = () => 1): DerivedStatus {
  const current = currentTaskOf(input.tasks);
  const progress = progressOf(input.todoItems, input.tasks);
  const lastActivity = input.lastEventAt === null ? null : new Date(input.lastEventAt).toISOString();
  const base = { currentTask: current?.task?.id ?? null, progress, lastActivity };
  if (input.terminalAlive === false) return { ...base, status: 'exited', why: 'terminal gone (its pane or tab no longer exists)' };
  const latest = input.latest;
  if (latest?.status === 'exited') return { ...base, status: 'exited', why: describe(latest) };
  if (input.pendingPrompt) {
    return { ...base, status: 'waiting_for_person', why: `dialog waiting for a person since ${input.pendingPrompt.since}: ${input.pendingPrompt.question}` };
  }
  if (latest?.status === 'waiting_for_person') return { ...base, status: 'waiting_for_person', why: describe(latest) };
  if (latest?.status !== 'working') {
    const blocked = input.tasks.find((d) => d.task?.status === 'blocked');
    if (blocked?.task) {
      return { ...base, status: 'blocked', why: `${blocked.task.id} status blocked (${blocked.file}:${locate(blocked)})` };
    }
  }
  if (latest === null) return { ...base, status: 'starting', why: 'launched; no hook event yet (SessionStart comes when its prompt box is up)' };
  return { ...base, status: latest.status, why: describe(latest) };
}
