/**
 * What the MCP tools (and the CLI) ask of the hub core. Every method validates its input,
 * throws HubError on failure, and records itself in the audit log. The tools in server/ are
 * thin: schema in, one call here, result out. (Contract between server/ and hub/.)
 */
import type { AgentView, BrokenTaskFile, PendingPrompt, SessionInfo, SessionStatus, TaskSummary } from './types.js';
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
  readonly tasks: readonly (TaskSummary & { session: string })[];
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

export interface HubApi {
  listSessions(caller: Caller): Promise<readonly SessionInfo[]>;
  createSession(caller: Caller, input: { root_path: string; session_name: string; trust_root?: boolean }): Promise<SessionInfo>;
  getSessionStatus(caller: Caller, sessionId: string): Promise<SessionStatus>;
  deleteSession(caller: Caller, sessionId: string, force: boolean): Promise<{ session: SessionInfo; closedAgents: readonly string[] }>;

  createAgent(
    caller: Caller,
    input: { session_id: string; agent_name?: string; specialization?: string; system_prompt_suffix?: string },
  ): Promise<AgentView>;
  deleteAgent(caller: Caller, agentName: string, force: boolean): Promise<{ agent: string; session: string }>;
  sendMessage(caller: Caller, input: { agent_name: string; message: string; from?: string }): Promise<MessageResult>;
  clearConversation(caller: Caller, agentName: string): Promise<AgentView>;
  startNewConversation(caller: Caller, agentName: string, resume: boolean): Promise<AgentView>;
  /** Answers the dialog on the agent's screen; `now` is what the screen shows afterwards. */
  answerPrompt(caller: Caller, agentName: string, choice: string): Promise<AnsweredPrompt>;
  readAgentOutput(caller: Caller, agentName: string, lines: number): Promise<{ agent: string; alive: boolean; text: string }>;

  listTasks(caller: Caller, filter: TaskFilter): Promise<TaskList>;
  createTask(caller: Caller, input: CreateTaskInput): Promise<CreatedTask>;
  updateTask(caller: Caller, input: UpdateTaskInput): Promise<TaskSummary>;
  editTodo(caller: Caller, input: TodoEditInput): Promise<TodoEditResult>;

  /** Raw markdown of a session's TODO.md / one task file (broken ones too), for resources. */
  readTodo(sessionId: string): Promise<string>;
  readTask(sessionId: string, taskId: string): Promise<TaskFileText>;

  /** Fires whenever the index changes something a client may show. */
  onChange(listener: (change: HubChange) => void): () => void;
  close(): Promise<void>;
}

/** An index change as clients see it (an agent's record and its status are one kind to them). */
export function toHubChange(change: IndexChange): HubChange {
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
