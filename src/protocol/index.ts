/**
 * The task-file protocol as a pure library: strings in, values out, no fs. Parsers never
 * throw (problems are diagnostics); editors throw HubError and change only the bytes they target.
 */
export * from './types.js';
export { parseTodo, progressOf } from './todo.js';
export type { ParseTodoOptions } from './todo.js';
export { parseTask, checkTaskSet, TASK_FIELDS, UNSAFE_TO_EDIT } from './task.js';
export type { TaskField } from './task.js';
export { normalizeStatus, normalizePriority } from './task-status.js';
export {
  slugify,
  taskIdFromFileName,
  taskFileName,
  taskNumber,
  isTaskId,
  isAgentName,
  mentions,
  taskRefs,
  agentInHeading,
  TASKS_DIR,
  TODO_FILE,
  TASK_FILE_PATTERN,
} from './names.js';
export { toggleTodoItem, addTodoItem } from './todo-edit.js';
export { setTaskFields, appendTaskLog, formatLogLine, MAX_LOG_TEXT } from './task-edit.js';
export type { TaskFieldUpdate, TaskLogInput } from './task-edit.js';
export { renderTask } from './render.js';
export type { NewTask } from './render.js';
export { unreadableReason, lineEnding } from './text.js';
export { outline } from './outline.js';
export type { Outline, OutlineItem, OutlineHeading } from './outline.js';
