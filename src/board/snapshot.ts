/**
 * One session as the board draws it, read from the live index (no second copy of state): the
 * session status the tools read, every task, the agents without their terminal handles, plus
 * what the feed keeps beside it (each agent's last screen lines, the session's timeline).
 * Pure: the caller hands in the index's views and the extras.
 */
import type { SessionStatus } from '../hub/types.js';
import type { BoardAgent, BoardSession, TimelineEntry } from './types.js';

/** How many lines of each agent's screen the board shows. */
export const SCREEN_LINES = 8;

export interface SessionExtras {
  /** Agent name → its screen's last lines (none yet: an empty list). */
  readonly screens: ReadonlyMap<string, readonly string[]>;
  readonly timeline: readonly TimelineEntry[];
}

export function boardSession(status: SessionStatus, extras: SessionExtras): BoardSession {
  return {
    id: status.session.id,
    name: status.session.name,
    root: status.session.root,
    agents: status.agents.map(
      (view): BoardAgent => ({
        name: view.name,
        session: view.session,
        status: view.status,
        why: view.why,
        specialization: view.specialization,
        currentTask: view.currentTask,
        progress: view.progress,
        lastActivity: view.lastActivity,
        pendingPrompt: view.pendingPrompt,
        queuedMessages: view.queuedMessages,
        idleReason: view.idleReason,
        stuckSince: view.stuckSince,
        lastTool: view.lastTool,
        resetAt: view.resetAt,
        usage: view.usage,
        screen: extras.screens.get(view.name) ?? [],
      }),
    ),
    // What a card shows, nothing more: 4,000 tasks are sent whole to every new page.
    tasks: status.tasks.items.map((t) => ({ id: t.id, title: t.title, status: t.status, priority: t.priority, assignee: t.assignee, progress: t.progress })),
    todo: status.todo,
    diagnostics: status.diagnostics,
    timeline: extras.timeline,
  };
}

/** The last `count` non-blank-tail lines of a screen text. (Pure.) */
export function screenTail(text: string, count = SCREEN_LINES): string[] {
  const lines = text.replace(/\s+$/, '').split('\n');
  return text.trim() === '' ? [] : lines.slice(-count);
}
