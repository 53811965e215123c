/** The hub's resource URIs, and which of them a change in the index touches. (Pure.) */
import type { HubChange } from '../hub/api.js';

export const SESSIONS_URI = 'hub://sessions';
export const statusUri = (session: string): string => `hub://sessions/${session}/status`;
export const todoUri = (session: string): string => `hub://sessions/${session}/todo`;
export const taskUri = (session: string, taskId: string): string => `hub://sessions/${session}/tasks/${taskId}`;

export interface ChangeEffect {
  /** Resources whose content changed (sent to subscribers as notifications/resources/updated). */
  readonly updated: readonly string[];
  /** Resources came or went (notifications/resources/list_changed). */
  readonly listChanged: boolean;
}

/**
 * A session's status is computed from its TODO.md and tasks, so any change inside a session
 * also updates its status resource.
 */
export function effectOf(change: HubChange): ChangeEffect {
  switch (change.kind) {
    case 'sessions':
      return { updated: [SESSIONS_URI], listChanged: true };
    case 'status':
      return { updated: [statusUri(change.session)], listChanged: false };
    case 'todo':
      return { updated: [todoUri(change.session), statusUri(change.session)], listChanged: false };
    case 'task':
      return { updated: [taskUri(change.session, change.taskId), statusUri(change.session)], listChanged: false };
    case 'tasks':
      return { updated: [statusUri(change.session)], listChanged: true };
  }
}
