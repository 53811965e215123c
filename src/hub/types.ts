/**
 * The hub's live model: what an agent is doing and what a session looks like, as read from
 * the one index. (Contract shared by hub/, watch/, server/ and the CLI.)
 */
import type { Diagnostic, Progress, TaskStatus, TaskPriority } from '../protocol/types.js';
import type { BackendName, TerminalHandle } from '../terminal/backend.js';

export const AGENT_STATUSES = ['starting', 'working', 'idle', 'waiting_for_person', 'blocked', 'exited'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/**
 * One line of an agent's hook event file: the JSON object Claude Code gave the hook on stdin
 * (`hook_event_name`, `session_id`, `cwd`, … and the event's own fields), as the hook wrote it.
 * Event files live at `<stateDir>/events/<sessionId>/<agentName>.jsonl`.
 */
export interface HookEvent {
  readonly agent: string;
  readonly session: string;
  /** `hook_event_name`: SessionStart, UserPromptSubmit, PreToolUse, PostToolUse, Stop, … */
  readonly event: string;
  /** Claude Code's conversation id (`session_id`). */
  readonly claudeSessionId: string | null;
  /** When the hub read it (ms since epoch). */
  readonly receivedAt: number;
  /** 1-based line in the event file. */
  readonly line: number;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** A dialog the agent's terminal is stopped at, waiting for a person to choose. */
export interface PendingPrompt {
  readonly kind: 'trust' | 'api_key' | 'onboarding' | 'permission' | 'question' | 'unknown';
  readonly question: string;
  readonly choices: readonly { readonly number: number; readonly label: string; readonly detail?: string }[];
  readonly since: string;
  /** kind `unknown`: the screen's last lines, so a person can see what the hub could not read. */
  readonly screen?: readonly string[];
}

export interface AgentView {
  readonly name: string;
  readonly session: string;
  readonly status: AgentStatus;
  /** Why the status is what it is: the event or file that said so, in words. */
  readonly why: string;
  readonly specialization: string | null;
  readonly currentTask: string | null;
  readonly progress: Progress;
  readonly lastActivity: string | null;
  readonly claudeSessionId: string | null;
  readonly backend: BackendName;
  readonly terminal: TerminalHandle | null;
  readonly pendingPrompt: PendingPrompt | null;
  readonly queuedMessages: number;
}

export interface TaskSummary {
  readonly id: string;
  readonly title: string;
  readonly status: TaskStatus;
  readonly priority: TaskPriority;
  readonly assignee: string | null;
  readonly from: string | null;
  readonly progress: Progress;
  /** Path relative to the session root. */
  readonly file: string;
  readonly updated: string | null;
}

/** A task file that does not parse: listed, served raw, never rewritten by the hub. */
export interface BrokenTaskFile {
  /** The id in its file name, or null. */
  readonly id: string | null;
  /** Path relative to the session root. */
  readonly file: string;
  /** Where the first error is, and what it says. */
  readonly line: number;
  readonly code: string;
  readonly message: string;
}

export interface SessionInfo {
  readonly id: string;
  readonly name: string;
  readonly root: string;
  readonly createdAt: string;
  readonly agents: readonly string[];
}

export interface SessionStatus {
  readonly session: SessionInfo;
  readonly agents: readonly AgentView[];
  readonly todo: {
    readonly done: number;
    readonly total: number;
    readonly sections: readonly { title: string; agent: string | null; done: number; total: number }[];
  };
  /** `items`: every task, most pressing first (see byUrgency in status.ts). */
  readonly tasks: { readonly total: number; readonly byStatus: Readonly<Partial<Record<TaskStatus, number>>>; readonly items: readonly TaskSummary[] };
  readonly diagnostics: readonly Diagnostic[];
}
