/**
 * Which paths of a session the watcher cares about, and what each one is. Pure: the one place
 * that knows the layout `<root>/TODO.md`, `<root>/.claude-hub/tasks/TASK-*.md` and
 * `<stateDir>/events/<sessionId>/<agent>.jsonl`.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { TASKS_DIR, TODO_FILE, taskIdFromFileName } from '../protocol/index.js';

export { TASKS_DIR, TODO_FILE };
/** The folder of the hub's files in a session root: the parent of TASKS_DIR. */
export const HUB_DIR = dirname(TASKS_DIR);
export const HOOK_FILE_SUFFIX = '.jsonl';

export interface SessionPaths {
  readonly root: string;
  readonly todo: string;
  readonly hubDir: string;
  readonly tasksDir: string;
  /** null when the session has no hook event dir (e.g. `watch` without a state dir). */
  readonly eventsDir: string | null;
}

export type PathRole =
  | { readonly role: 'dir' }
  | { readonly role: 'todo' }
  | { readonly role: 'task'; readonly taskId: string }
  | { readonly role: 'hooks'; readonly agent: string }
  | { readonly role: 'other' };

export function sessionPaths(root: string, eventsDir: string | null): SessionPaths {
  const absRoot = resolve(root);
  return Object.freeze({
    root: absRoot,
    todo: join(absRoot, TODO_FILE),
    hubDir: join(absRoot, HUB_DIR),
    tasksDir: join(absRoot, TASKS_DIR),
    eventsDir: eventsDir === null ? null : resolve(eventsDir),
  });
}

export function eventsDirFor(stateDir: string, sessionId: string): string {
  return join(resolve(stateDir), 'events', sessionId);
}

export function classifyPath(paths: SessionPaths, path: string): PathRole {
  if (path === paths.root || path === paths.hubDir || path === paths.tasksDir || path === paths.eventsDir) return { role: 'dir' };
  const parent = dirname(path);
  const name = basename(path);
  if (parent === paths.root && name === TODO_FILE) return { role: 'todo' };
  if (parent === paths.tasksDir) {
    const taskId = taskIdFromFileName(name);
    return taskId === null ? { role: 'other' } : { role: 'task', taskId };
  }
  if (paths.eventsDir !== null && parent === paths.eventsDir && name.endsWith(HOOK_FILE_SUFFIX) && name.length > HOOK_FILE_SUFFIX.length) {
    return { role: 'hooks', agent: name.slice(0, -HOOK_FILE_SUFFIX.length) };
  }
  return { role: 'other' };
}
