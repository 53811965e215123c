/** Validation of the values the hub writes into task files and TODO.md (edge of the editors). */
import { HubError, ErrorCodes } from '../errors.js';
import type { TaskPriority, TaskStatus } from './types.js';
import { SENDER_NAME_PATTERN, TASK_PRIORITIES, TASK_STATUSES } from './types.js';
import { isAgentName, isTaskId } from './names.js';
import { yamlList, yamlScalar } from './yaml-value.js';

export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export interface TaskFieldValues {
  readonly status: TaskStatus;
  readonly assignee: string | null;
  readonly from: string | null;
  readonly priority: TaskPriority;
  readonly title: string;
  readonly depends_on: readonly string[];
  readonly updated: string;
}

function invalid(
  field: string,
  message: string,
  code: typeof ErrorCodes.INVALID_ARGUMENT | typeof ErrorCodes.INVALID_NAME = ErrorCodes.INVALID_ARGUMENT,
): HubError {
  return new HubError(code, `"${field}" ${message}`, { data: { field } });
}

export function checkOneLine(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw invalid(field, 'must be text.');
  const trimmed = value.trim();
  if (trimmed === '') throw invalid(field, 'must not be empty.');
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(trimmed)) throw invalid(field, 'must be one line without control characters.');
  if (trimmed.length > max) throw new HubError(ErrorCodes.TOO_LARGE, `"${field}" must be at most ${max} characters.`, { data: { field, max } });
  return trimmed;
}

export function checkAgentName(value: unknown, field: string): string {
  if (!isAgentName(value)) throw invalid(field, 'must be a name like Agent_2: a letter, then up to 31 letters, digits, _ or -.', ErrorCodes.INVALID_NAME);
  return value;
}

/** Who a task or log line is from: an agent name, `user`, or a handle like `jane.doe`. */
export function checkSenderName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !SENDER_NAME_PATTERN.test(value)) {
    throw invalid(
      field,
      'must be an agent name, "user" or a handle like jane.doe: a letter, then up to 63 letters, digits, _ - . or @.',
      ErrorCodes.INVALID_NAME,
    );
  }
  return value;
}

/** The YAML text of one field's value, after checking it. */
export function renderFieldValue(field: keyof TaskFieldValues, value: unknown): string {
  switch (field) {
    case 'status':
      if (!(TASK_STATUSES as readonly unknown[]).includes(value)) throw invalid(field, `must be one of ${TASK_STATUSES.join(', ')}.`);
      return value as string;
    case 'priority':
      if (!(TASK_PRIORITIES as readonly unknown[]).includes(value)) throw invalid(field, `must be one of ${TASK_PRIORITIES.join(', ')}.`);
      return value as string;
    // A name YAML would read as a value (`true`, `null`, `yes`, …) is written quoted.
    case 'assignee':
      return value === null ? 'null' : yamlScalar(checkAgentName(value, field), field);
    case 'from':
      return value === null ? 'null' : yamlScalar(checkSenderName(value, field), field);
    case 'title':
      return yamlScalar(checkOneLine(value, field, 300), field);
    case 'depends_on':
      if (!Array.isArray(value) || !value.every(isTaskId)) throw invalid(field, 'must be a list of task ids (TASK-<n>).');
      return yamlList(value);
    case 'updated':
      if (typeof value !== 'string' || !DATE_PATTERN.test(value)) throw invalid(field, 'must be a date like 2026-11-21 or 2026-11-21T14:03:00Z.');
      return yamlScalar(value, field);
    default:
      throw invalid(String(field), 'is not a field the hub writes.');
  }
}
