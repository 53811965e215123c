/**
 * What the MCP tools (and the CLI) ask of the hub core, and the values they exchange. Every
 * call validates its input and throws HubError on failure; every tool call records itself in
 * the audit log (readTodo/readTask, the resources' reads of files anyone may read, do not). The
 * tools in server/ are thin: schema in, one call here, result out. (Contract between server/
 * and hub/.)
 */
import type { CompactUsage } from '../usage/ledger.js';
import type { BrokenTaskFile, PendingPrompt, TaskSummary } from './types.js';
import type { SessionCalls } from './sessions.js';
import type { AgentCalls } from './agent-lifecycle.js';
import type { AgentScreenCalls } from './agent-screen.js';
import type { MessageCalls } from './messages.js';
import type { TaskCalls } from './tasks.js';
import type { IndexChange } from './index.js';
import type { Diagnostic, TaskPriority, TaskStatus } from '../protocol/types.js';

/** Who is calling: the MCP client (with its role over HTTP) or a person at the CLI. */
export interface Caller {
  readonly kind: 'mcp' | 'cli';
  /** e.g. token name over HTTP, 'stdio' for the local client. */
  readonly id: string;
}

export interface MessageResult {
  readonly agent: string;
  /** The task file the message was recorded in. */
  readonly taskId: string;
  readonly taskFile: string;
  readonly deliveryId: string;
  /** delivered: confirmed by the agent's UserPromptSubmit hook; queued: waits for the agent to be idle. */
  readonly state: 'delivered' | 'queued' | 'undelivered';
  readonly reason?: string;
}

export interface TaskFilter {
  readonly session_id?: string;
  readonly status?: TaskStatus;
  readonly assignee?: string;
}

export interface CreateTaskInput {
  readonly session_id: string;
  readonly title: string;
  readonly assignee?: string;
  readonly from?: string;
  readonly priority?: TaskPriority;
  readonly body?: string;
  readonly depends_on?: readonly string[];
}

export interface UpdateTaskInput {
  readonly session_id: string;
  readonly task_id: string;
  readonly status?: TaskStatus;
  readonly assignee?: string | null;
  readonly priority?: TaskPriority;
  readonly title?: string;
  readonly log?: string;
  /** Who the log line is from (default `user`). */
  readonly from?: string;
}

/** Who a task or a log line is from when the caller does not say. */
export const DEFAULT_FROM = 'user';

/** A new task, and what it names that does not exist (assignee, depends_on): written anyway, said. */
export interface CreatedTask {
  readonly task: TaskSummary;
  readonly warnings: readonly Diagnostic[];
}

export interface TaskList {
  /** `usage`: what was spent while the task was its agent's current task (absent: nothing yet). */
  readonly tasks: readonly (TaskSummary & { session: string; usage?: CompactUsage })[];
  /** Task files that do not parse (not filtered by status or assignee: they have none to read). */
  readonly broken: readonly (BrokenTaskFile & { session: string })[];
}

/** One task file as written; `diagnostics` when it does not parse (it is still served, raw). */
export interface TaskFileText {
  readonly text: string;
  readonly diagnostics: readonly Diagnostic[];
}

/** edit_todo: add an item under an agent's section, or tick/untick the item on a line. */
export type TodoEditInput =
  | { readonly session_id: string; readonly action: 'add'; readonly agent: string; readonly text: string }
  | { readonly session_id: string; readonly action: 'check' | 'uncheck'; readonly line: number };

export interface TodoEditResult {
  readonly file: string;
  /** The item as it reads after the edit. */
  readonly item: { readonly line: number; readonly text: string; readonly checked: boolean; readonly assignee: string | null; readonly section: string | null };
  readonly progress: { readonly done: number; readonly total: number };
  /** False when the item already had that state (nothing was written). */
  readonly changed: boolean;
}

/**
 * The hub core, area by area: each area module declares its calls (sessions.ts,
 * agent-lifecycle.ts, agent-screen.ts, messages.ts, tasks.ts) and the facade (hub.ts) combines
 * them.
 */
export interface HubApi extends SessionCalls, AgentCalls, AgentScreenCalls, MessageCalls, TaskCalls {
  /** Fires whenever the index changes something a client may show. */
  onChange(listener: (change: HubChange) => void): () => void;
  close(): Promise<void>;
}

/** An index change as clients see it (an agent's record and its status are one kind to them). */
export function toHubChange(change: IndexChange): HubChange | null {
  switch (change.kind) {
    case 'sessions':
      return { kind: 'sessions' };
    case 'todo':
      return { kind: 'todo', session: change.session };
    case 'task':
      return { kind: 'task', session: change.session, taskId: change.taskId };
    case 'tasks':
      return { kind: 'tasks', session: change.session };
    case 'agent':
    case 'status':
      return { kind: 'status', session: change.session };
    case 'usage':
      return null; // the status change that follows says it to clients
  }
}

export type HubChange =
  | { readonly kind: 'sessions' }
  | { readonly kind: 'status'; readonly session: string }
  | { readonly kind: 'todo'; readonly session: string }
  | { readonly kind: 'task'; readonly session: string; readonly taskId: string }
  | { readonly kind: 'tasks'; readonly session: string };

export interface AnsweredPrompt {
  readonly agent: string;
  readonly answered: PendingPrompt;
  readonly choice: { readonly number: number; readonly label: string };
  /** After the answer: the prompt box (`ready`), the next dialog, or a screen the hub cannot read. */
  readonly now: { readonly state: 'ready' | 'menu' | 'press_enter' | 'unknown'; readonly question: string | null };
}
