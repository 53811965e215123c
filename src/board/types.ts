/**
 * What the board shows and exchanges: one session as the page draws it, the whole board, who
 * is looking and what they may do, and the events of the live stream. Types only; built by
 * snapshot.ts from the live index, sent by feed.ts, drawn by page/render.js. (Contract between
 * the board's server side and its page.)
 */
import type { Role } from '../security/levels.js';
import type { SecurityLevel } from '../config.js';
import type { Diagnostic } from '../protocol/types.js';
import type { AgentView, SessionStatus, TaskSummary } from '../hub/types.js';

/** One commit on the session's git audit ref: who changed which file, when, and why. */
export interface TimelineEntry {
  readonly commit: string;
  readonly at: string;
  readonly actor: string;
  readonly subject: string;
  readonly files: readonly string[];
}

/** An agent as the board draws it: its view without the terminal handle, plus its screen's last lines. */
export type BoardAgent = Omit<AgentView, 'terminal' | 'claudeSessionId' | 'backend'> & { readonly screen: readonly string[] };

export type BoardTask = Pick<TaskSummary, 'id' | 'title' | 'status' | 'priority' | 'assignee' | 'progress'>;

export interface BoardSession {
  readonly id: string;
  readonly name: string;
  readonly root: string;
  readonly agents: readonly BoardAgent[];
  /** Every task (not cut like get_session_status's), with what a card shows. */
  readonly tasks: readonly BoardTask[];
  readonly todo: SessionStatus['todo'];
  readonly diagnostics: readonly Diagnostic[];
  /** The newest first. */
  readonly timeline: readonly TimelineEntry[];
}

/** Who is looking, and whether the board lets them act (the same levels as the tools). */
export interface BoardAccess {
  readonly who: string;
  readonly role: Role | null;
  readonly ceiling: SecurityLevel;
  /** The acts this caller may make (tool names); empty for a viewer or a LOW hub. */
  readonly acts: readonly string[];
}

/** The live stream's events (server-sent events: `event:` is the kind, `id:` the board version). */
export type BoardEvent =
  | { readonly kind: 'hello'; readonly access: BoardAccess }
  | { readonly kind: 'board'; readonly version: number; readonly sessions: readonly BoardSession[] }
  | { readonly kind: 'session'; readonly version: number; readonly session: BoardSession }
  | { readonly kind: 'gone'; readonly version: number; readonly id: string };
