/**
 * The task-file protocol's data model. Everything the hub reports about plans and tasks is
 * one of these values, produced by the pure parsers in this folder from file text.
 * (Contract shared by protocol/, hub/, server/ and the CLI: change with care.)
 */

export type Severity = 'error' | 'warning' | 'info';

/** One problem found in a file, always with its place. Lines and columns are 1-based. */
export interface Diagnostic {
  /** Path of the file as given to the parser (relative to the session root where known). */
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  readonly severity: Severity;
  /** Stable machine code, e.g. `yaml-invalid`, `status-unknown`, `duplicate-id`. */
  readonly code: string;
  readonly message: string;
}

export interface Progress {
  readonly done: number;
  readonly total: number;
}

/** A byte range in the source text (UTF-16 code unit offsets into the string given to the parser). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface TodoItem {
  readonly text: string;
  readonly checked: boolean;
  /** 0 for a top-level list item, 1 for one nested once, … */
  readonly depth: number;
  readonly line: number;
  /** The agent the item belongs to: its own `@Name`, else its section's agent, else null. */
  readonly assignee: string | null;
  /** Task ids named in the item's text, e.g. ['TASK-12']. */
  readonly taskRefs: readonly string[];
  /** Index into TodoDoc.sections of the section the item sits in (-1 before any heading). */
  readonly section: number;
  /** Where the `[ ]`/`[x]` marker is, so an edit can change exactly that character. */
  readonly checkbox: Span;
}

export interface TodoSection {
  /** Heading text without the leading #'s. */
  readonly title: string;
  readonly depth: number;
  readonly line: number;
  /** The agent a heading names (`## Agent_2 — frontend` → 'Agent_2'), else null. */
  readonly agent: string | null;
  readonly progress: Progress;
}

export interface TodoDoc {
  readonly file: string;
  readonly sections: readonly TodoSection[];
  readonly items: readonly TodoItem[];
  readonly progress: Progress;
  /** Progress per agent name, over the items that belong to it. */
  readonly byAgent: Readonly<Record<string, Progress>>;
  readonly diagnostics: readonly Diagnostic[];
  /** False when the file must not be edited by the hub (binary, too large, unreadable). */
  readonly editable: boolean;
}

export const TASK_STATUSES = ['todo', 'in_progress', 'blocked', 'review', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export interface Task {
  /** `TASK-<n>`. */
  readonly id: string;
  readonly title: string;
  readonly status: TaskStatus;
  readonly assignee: string | null;
  readonly from: string | null;
  readonly priority: TaskPriority;
  readonly depends_on: readonly string[];
  /** ISO-8601 strings as written in the file (dates or date-times), or null. */
  readonly created: string | null;
  readonly updated: string | null;
}

export interface TaskLogEntry {
  readonly line: number;
  /** The date/time the line starts with, as written, or null when it has none. */
  readonly at: string | null;
  /** The agent or person the line is addressed to (`@Agent_2`), if any. */
  readonly to: string | null;
  readonly text: string;
  /** Who wrote the line (`Agent_1:` after the date), when it says. (Additive.) */
  readonly from?: string | null;
}

export interface TaskDoc {
  readonly file: string;
  /** The validated task, or null when the front matter is missing or too broken to trust. */
  readonly task: Task | null;
  readonly progress: Progress;
  readonly log: readonly TaskLogEntry[];
  readonly diagnostics: readonly Diagnostic[];
  readonly editable: boolean;
  /** 1-based line of each front-matter key in the file, for diagnostics across files. (Additive.) */
  readonly fieldLines?: Readonly<Record<string, number>>;
}

/** Agent names: `Agent_<n>` by default, any `[A-Za-z][A-Za-z0-9_-]{0,31}` allowed. */
export const AGENT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
/** Who a task or log line is from: an agent name, `user`, or a person's handle (`jane.doe`, `ops@host`). */
export const SENDER_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.@-]{0,63}$/;
export const TASK_ID_PATTERN = /^TASK-(\d{1,9})$/;

/** Files larger than this are reported, never parsed into values nor edited. */
export const MAX_PROTOCOL_FILE_BYTES = 5 * 1024 * 1024;
