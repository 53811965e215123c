/**
 * Routing by task files: when a task appears or changes so that an agent has something new to
 * do, the hub nudges that agent once. PURE: compares the previous and the new parse of one task
 * file and says which agents to nudge and why. The index calls it once per distinct content of
 * a file (so a rescan or a re-save of the same bytes never routes twice) and skips it for the
 * hub's own writes that it nudges for itself.
 */
import type { TaskDoc, TaskLogEntry } from '../protocol/types.js';

export type NudgeReason = 'assigned' | 'reopened' | 'log';

export interface NudgeRequest {
  readonly session: string;
  readonly agent: string;
  readonly taskId: string;
  /** Task file relative to the session root. */
  readonly file: string;
  readonly reasons: readonly NudgeReason[];
  /** The short line to type into the agent's terminal. */
  readonly text: string;
}

const CLOSED = new Set(['done', 'cancelled']);

function logKey(entry: TaskLogEntry): string {
  return `${entry.at ?? ''}\u0000${entry.to ?? ''}\u0000${entry.text}`;
}

/** `TASK-12 from Agent_1: Fix the login; read .claude-hub/tasks/TASK-12-fix-login.md` */
export function nudgeText(doc: TaskDoc, file: string): string {
  const task = doc.task;
  if (!task) return `read ${file}`;
  const from = task.from ? ` from ${task.from}` : '';
  return `${task.id}${from}: ${task.title}; read ${file}`;
}

/**
 * Which agents a change of one task file should nudge. `previous` is null for a new file.
 * Rules: a new assignee (or a new task with one) → `assigned`; a task moved back to `todo` →
 * `reopened` for its assignee; every log line that is new and addressed `@Name` → `log` for
 * Name. Closed tasks (done/cancelled) nudge only through addressed log lines. One request per
 * agent, reasons merged.
 */
export function routeTaskChange(session: string, file: string, previous: TaskDoc | null, next: TaskDoc | null): NudgeRequest[] {
  const task = next?.task;
  if (!next || !task) return [];
  const before = previous?.task ?? null;
  const reasons = new Map<string, NudgeReason[]>();
  const add = (agent: string, reason: NudgeReason): void => {
    const list = reasons.get(agent) ?? [];
    if (!list.includes(reason)) list.push(reason);
    reasons.set(agent, list);
  };
  if (task.assignee && !CLOSED.has(task.status)) {
    if (!before || before.assignee !== task.assignee) add(task.assignee, 'assigned');
    else if (task.status === 'todo' && before.status !== 'todo') add(task.assignee, 'reopened');
  }
  const seen = new Set((previous?.log ?? []).map(logKey));
  for (const entry of next.log) {
    if (entry.to && !seen.has(logKey(entry))) add(entry.to, 'log');
  }
  return [...reasons].map(([agent, why]) => ({ session, agent, taskId: task.id, file, reasons: why, text: nudgeText(next, file) }));
}
