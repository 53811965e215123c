/** Hand-typed statuses and priorities mapped onto the protocol's closed sets. */
import type { TaskPriority, TaskStatus } from './types.js';
import { TASK_PRIORITIES } from './types.js';

const STATUS_WORDS: Readonly<Record<string, TaskStatus>> = {
  todo: 'todo',
  to_do: 'todo',
  open: 'todo',
  new: 'todo',
  pending: 'todo',
  planned: 'todo',
  backlog: 'todo',
  not_started: 'todo',
  in_progress: 'in_progress',
  inprogress: 'in_progress',
  progress: 'in_progress',
  wip: 'in_progress',
  doing: 'in_progress',
  started: 'in_progress',
  active: 'in_progress',
  working: 'in_progress',
  ongoing: 'in_progress',
  blocked: 'blocked',
  stuck: 'blocked',
  on_hold: 'blocked',
  waiting: 'blocked',
  review: 'review',
  in_review: 'review',
  reviewing: 'review',
  needs_review: 'review',
  ready_for_review: 'review',
  done: 'done',
  complete: 'done',
  completed: 'done',
  finished: 'done',
  closed: 'done',
  resolved: 'done',
  fixed: 'done',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  abandoned: 'cancelled',
  dropped: 'cancelled',
  wontfix: 'cancelled',
  won_t_fix: 'cancelled',
};

/** `In Progress`, `in-progress`, `WIP`, `DONE`, `complete`, … → the canonical status, or null. */
export function normalizeStatus(raw: string): TaskStatus | null {
  if (typeof raw !== 'string') return null;
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/[\s\-_'’.]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return Object.hasOwn(STATUS_WORDS, key) ? (STATUS_WORDS[key] ?? null) : null;
}

export function normalizePriority(raw: string): TaskPriority | null {
  if (typeof raw !== 'string') return null;
  const key = raw.trim().toLowerCase();
  const aliases: Readonly<Record<string, TaskPriority>> = {
    urgent: 'critical',
    crit: 'critical',
    p0: 'critical',
    p1: 'high',
    p2: 'medium',
    normal: 'medium',
    med: 'medium',
    p3: 'low',
  };
  if ((TASK_PRIORITIES as readonly string[]).includes(key)) return key as TaskPriority;
  return Object.hasOwn(aliases, key) ? (aliases[key] ?? null) : null;
}
