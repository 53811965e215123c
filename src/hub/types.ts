/**
 * The hub's live model: what an agent is doing and what a session looks like, as read from
 * the one index. (Contract shared by hub/, watch/, server/ and the CLI.)
 */
import type { Diagnostic, Progress, TaskStatus, TaskPriority } from '../protocol/types.js';
import type { BackendName, TerminalHandle } from '../terminal/backend.js';

import type { AgentUsage, UsageTotals } from '../usage/ledger.js';

/**
 * `rate_limited`, `auth_failed`, `overloaded`, `api_error`: the turn ended on that API error
 * (StopFailure hook, or the transcript's API error line). `stuck`: working, with no hook event
 * for longer than the stuck threshold. `interrupted`: the person (or Esc / Ctrl-C) stopped the
 * turn: Claude Code writes "[Request interrupted by user…]" and fires no Stop.
 */
export const AGENT_STATUSES = [
  'starting',
  'working',
  'idle',
  'waiting_for_person',
  'blocked',
  'exited',
  'stuck',
  'interrupted',
  'rate_limited',
  'auth_failed',
  'overloaded',
  'api_error',
] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** Statuses whose prompt box takes a new message: the turn is over (delivery may type). */
export const TAKES_INPUT: ReadonlySet<AgentStatus> = new Set(['idle', 'interrupted', 'overloaded', 'api_error']);
/** Statuses of an agent in a turn (it must not be disturbed). */
export const BUSY: ReadonlySet<AgentStatus> = new Set(['working', 'stuck']);

/** Why an idle agent is idle. */
export type IdleReason = 'task_done' | 'background_job' | 'open_work' | 'no_task';

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
  /** Idle (or interrupted): why — its task is done, it waits on a background job, or it stopped with open work. */
  readonly idleReason: IdleReason | null;
  /** Stuck: since when no hook event came (ISO); the last tool it ran. */
  readonly stuckSince: string | null;
  readonly lastTool: string | null;
  /** Rate limited: when the limit resets (ISO), when Claude Code or the API said so. */
  readonly resetAt: string | null;
  /** Tokens and estimated cost from its transcript, all conversations together. */
  readonly usage: AgentUsage;
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
  /** Tokens and estimated cost of the whole session, and per task id. */
  readonly usage: { readonly total: UsageTotals; readonly byTask: Readonly<Record<string, UsageTotals>> };
  /** The account is at a usage or rate limit: every delivery is held until `resumeAt` (hub/limits.ts). */
  readonly limit: LimitView | null;
  /** The session's budget and how much of it is spent (hub/budgets.ts); null: none set. */
  readonly budget: BudgetView | null;
}

export interface LimitView {
  readonly since: string;
  readonly resetAt: string | null;
  readonly resumeAt: string;
  readonly agent: string;
  readonly reason: string;
  readonly cut: readonly string[];
  /** After `resumeAt`: the one agent tried first; null before. */
  readonly probe?: string | null;
}

export interface BudgetView {
  readonly usd: number | null;
  readonly tokens: number | null;
  /** The larger of the two shares spent, in percent. */
  readonly usedPct: number;
  /** `warning` from 80 %, `exceeded` from 100 %: no new messages, tool calls refused. */
  readonly state: 'ok' | 'warning' | 'exceeded';
}
