/** A new task file from `templates/task.md`: `{{field}}` placeholders filled with checked, YAML-safe values. */
import { isDeepStrictEqual } from 'node:util';
import { HubError, ErrorCodes } from '../errors.js';
import type { TaskPriority, TaskStatus } from './types.js';
import { isTaskId, taskFileName } from './names.js';
import { parseTask } from './task.js';
import { DATE_PATTERN, renderFieldValue } from './values.js';

export interface NewTask {
  readonly id: string;
  readonly title: string;
  readonly status?: TaskStatus;
  readonly assignee?: string | null;
  readonly from?: string | null;
  readonly priority?: TaskPriority;
  readonly depends_on?: readonly string[];
  /** Date or date-time the task was created; `updated` starts equal to it. */
  readonly created: string;
  readonly body?: string;
}

export function renderTask(template: string, task: NewTask): string {
  if (!isTaskId(task.id))
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `"id" must be TASK-<number>, not ${JSON.stringify(task.id)}.`, { data: { field: 'id' } });
  if (typeof task.created !== 'string' || !DATE_PATTERN.test(task.created)) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, '"created" must be a date like 2026-11-21 or 2026-11-21T14:03:00Z.', { data: { field: 'created' } });
  }
  const body = task.body ?? '';
  if (typeof body !== 'string' || /\u0000/.test(body))
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, '"body" must be text without NUL characters.', { data: { field: 'body' } });
  // parseTask reads U+FFFD as the trace of broken UTF-8 and would refuse the file we write.
  for (const [field, value] of [
    ['title', task.title],
    ['body', body],
  ] as const) {
    if (typeof value === 'string' && value.includes('\uFFFD')) {
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, `"${field}" contains U+FFFD (the replacement character); remove it.`, { data: { field } });
    }
  }
  const values: Record<string, string> = {
    id: task.id,
    title: renderFieldValue('title', task.title),
    status: renderFieldValue('status', task.status ?? 'todo'),
    assignee: renderFieldValue('assignee', task.assignee ?? null),
    from: renderFieldValue('from', task.from ?? null),
    priority: renderFieldValue('priority', task.priority ?? 'medium'),
    depends_on: renderFieldValue('depends_on', task.depends_on ?? []),
    created: renderFieldValue('updated', task.created),
    updated: renderFieldValue('updated', task.created),
    body: body.replace(/\s+$/, ''),
  };
  // One pass: text inside a value is never expanded again.
  const text = template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, key: string) => values[key] ?? whole);
  const file = taskFileName(task.id, task.title);
  const doc = parseTask(text, file);
  const expected = {
    id: task.id,
    title: task.title.trim(),
    status: task.status ?? 'todo',
    assignee: task.assignee ?? null,
    from: task.from ?? null,
    priority: task.priority ?? 'medium',
    depends_on: [...(task.depends_on ?? [])],
  };
  const got =
    doc.task === null
      ? null
      : {
          id: doc.task.id,
          title: doc.task.title,
          status: doc.task.status,
          assignee: doc.task.assignee,
          from: doc.task.from,
          priority: doc.task.priority,
          depends_on: [...doc.task.depends_on],
        };
  const errors = doc.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0 || !isDeepStrictEqual(got, expected)) {
    throw new HubError(
      ErrorCodes.CONFIG_ERROR,
      `The task template does not produce a valid task file (${errors[0]?.message ?? 'fields do not read back'}); it needs {{id}}, {{title}}, {{status}}, … in its front matter.`,
      {
        data: { diagnostics: errors },
      },
    );
  }
  return text;
}
