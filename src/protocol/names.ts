/** Names in the protocol: task ids, task file names, agent names and @mentions. */
import { AGENT_NAME_PATTERN, TASK_ID_PATTERN } from './types.js';

export const TASK_FILE_PATTERN = /^(TASK-\d{1,9})(?:-[^/\\]*)?\.md$/;
/** The directory of task files, relative to the session root. */
export const TASKS_DIR = '.claude-hub/tasks';
export const TODO_FILE = 'TODO.md';

/** `TASK-12-fix-login.md` (or a path ending so) → `TASK-12`; anything else → null. */
export function taskIdFromFileName(name: string): string | null {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  return TASK_FILE_PATTERN.exec(base)?.[1] ?? null;
}

export function isTaskId(value: unknown): value is string {
  return typeof value === 'string' && TASK_ID_PATTERN.test(value);
}

export function taskNumber(id: string): number | null {
  const found = TASK_ID_PATTERN.exec(id);
  return found?.[1] === undefined ? null : Number(found[1]);
}

export function isAgentName(value: unknown): value is string {
  return typeof value === 'string' && AGENT_NAME_PATTERN.test(value);
}

/** A title as a file-name slug: lower-case ASCII words joined by '-', at most 48 characters, never empty. */
export function slugify(title: string): string {
  const slug = String(title)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug === '' ? 'task' : slug;
}

export function taskFileName(id: string, title: string): string {
  return `${id}-${slugify(title)}.md`;
}

/** `@Name` mentions, not e-mail addresses (a mention never follows a word character). */
const MENTION = /(?<![\w@.])@([A-Za-z][A-Za-z0-9_-]{0,31})(?![A-Za-z0-9_-])/g;

export function mentions(text: string): string[] {
  if (!text.includes('@')) return [];
  return [...text.matchAll(MENTION)].map((found) => found[1] ?? '').filter((name) => name !== '');
}

/** Task ids named in a text, each once, in order. */
export function taskRefs(text: string): string[] {
  if (!text.includes('TASK-')) return [];
  return [...new Set([...text.matchAll(/(?<![\w-])TASK-\d{1,9}(?![\w])/g)].map((found) => found[0]))];
}

/** The agent a heading names: an `@Name`, a default-style `Agent_<n>`, or a known agent's name as a word. */
export function agentInHeading(heading: string, known: readonly string[] = []): string | null {
  const mentioned = mentions(heading)[0];
  if (mentioned !== undefined) return mentioned;
  const standard = /(?<![A-Za-z0-9_-])(Agent_\d{1,9})(?![A-Za-z0-9_-])/.exec(heading);
  if (standard?.[1] !== undefined) return standard[1];
  for (const name of known) {
    if (!isAgentName(name)) continue;
    if (new RegExp(`(?<![A-Za-z0-9_-])${name.replace(/[-]/g, '\\-')}(?![A-Za-z0-9_-])`).test(heading)) return name;
  }
  return null;
}
