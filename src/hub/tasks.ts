/**
 * Tasks of a session: list, create and update task files, and read a session's TODO.md and
 * task files raw (for resources). Writes go through store/files.ts (atomic, compare-and-swap);
 * the index is told of each own write before it lands and reads it back before the call
 * answers, so what a tool returns is what list_tasks shows next. A task file that does not
 * parse is listed, served as written, and never rewritten (NOT_EDITABLE says where it breaks).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HubError, ErrorCodes } from '../errors.js';
import { appendTaskLog, setTaskFields, TODO_FILE, type TaskFieldUpdate } from '../protocol/index.js';
import { createTaskFile, readProtocolFile, readProtocolFileIfExists, updateProtocolFile } from '../store/files.js';
import { validateAgentName, validateFromName, validateLogLine, validateTaskBody, validateTaskId, validateTaskTitle } from '../security/validate.js';
import { TEMPLATES_DIR } from '../agent/settings.js';
import type { LiveIndex } from './index.js';
import type { GitRecorder } from './git-recorder.js';
import type { Records } from './records.js';
import { DEFAULT_FROM, type CreatedTask, type CreateTaskInput, type TaskFileText, type TaskFilter, type TaskList, type UpdateTaskInput } from './api.js';
import type { TaskSummary } from './types.js';
import { compactUsage } from '../usage/ledger.js';
import type { Caller, TodoEditInput, TodoEditResult } from './api.js';
import type { TodoEditor } from './todo.js';
import { optionalSession, READ_ONLY, type ToolRunner } from './tool-call.js';

/** The tasks' and TODO.md's part of HubApi. */
export interface TaskCalls {
  listTasks(caller: Caller, filter: TaskFilter): Promise<TaskList>;
  createTask(caller: Caller, input: CreateTaskInput): Promise<CreatedTask>;
  updateTask(caller: Caller, input: UpdateTaskInput): Promise<TaskSummary>;
  editTodo(caller: Caller, input: TodoEditInput): Promise<TodoEditResult>;
  /** Raw markdown of a session's TODO.md / one task file (broken ones too), for resources. Not audited: reads of files anyone may read. */
  readTodo(sessionId: string): Promise<string>;
  readTask(sessionId: string, taskId: string): Promise<TaskFileText>;
}

/** The tasks' tool calls, each audited by `run`. */
export function taskCalls(tasks: Tasks, todo: TodoEditor, run: ToolRunner): TaskCalls {
  return {
    listTasks: (caller, filter) =>
      run(
        caller,
        'list_tasks',
        filter,
        async () => tasks.list(filter),
        () => optionalSession(filter.session_id),
        READ_ONLY,
      ),
    createTask: (caller, input) =>
      run(
        caller,
        'create_task',
        input,
        () => tasks.create(caller.id, input),
        () => optionalSession(input.session_id),
      ),
    updateTask: (caller, input) =>
      run(
        caller,
        'update_task',
        input,
        () => tasks.update(caller.id, input),
        () => optionalSession(input.session_id),
      ),
    editTodo: (caller, input) =>
      run(
        caller,
        'edit_todo',
        input,
        () => todo.edit(caller.id, input),
        () => optionalSession(input.session_id),
      ),
    readTodo: (sessionId) => tasks.readTodo(sessionId),
    readTask: (sessionId, taskId) => tasks.readTask(sessionId, taskId),
  };
}

/** The template every new task file starts from (create_task, send_message_to_agent). */
export const TASK_TEMPLATE = join(TEMPLATES_DIR, 'task.md');

/** `created` / `updated` dates in task files. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The time stamp of a task log line. */
function nowStamp(): string {
  return new Date().toISOString().slice(0, 16).replace('T', ' ');
}

/** What the areas that write protocol files (tasks, TODO.md) work with. */
export interface ProtocolFileDeps {
  readonly index: LiveIndex;
  readonly git: GitRecorder;
  readonly records: Records;
}

export class Tasks {
  readonly #deps: ProtocolFileDeps;

  constructor(deps: ProtocolFileDeps) {
    this.#deps = deps;
  }

  list(filter: TaskFilter): TaskList {
    const sessions = filter.session_id === undefined ? this.#deps.index.sessions().map((s) => s.id) : [this.#deps.records.session(filter.session_id).id];
    const tasks: (TaskSummary & { session: string })[] = [];
    const broken: TaskList['broken'][number][] = [];
    for (const id of sessions) {
      const spent = this.#deps.index.sessionStatus(id).usage.byTask;
      for (const task of this.#deps.index.tasks(id)) {
        if (filter.status !== undefined && task.status !== filter.status) continue;
        if (filter.assignee !== undefined && task.assignee !== filter.assignee) continue;
        const usage = spent[task.id];
        tasks.push({ ...task, session: id, ...(usage ? { usage: compactUsage(usage) } : {}) });
      }
      for (const file of this.#deps.index.brokenTasks(id))
        broken.push({ id: file.id, file: file.file, line: file.line, code: file.code, message: file.message, session: id });
    }
    return { tasks, broken };
  }

  async create(callerId: string, input: CreateTaskInput): Promise<CreatedTask> {
    const session = this.#deps.records.session(input.session_id);
    const title = validateTaskTitle(input.title);
    const assignee = input.assignee === undefined ? null : validateAgentName(input.assignee, 'assignee');
    const from = input.from === undefined ? DEFAULT_FROM : validateFromName(input.from);
    const body = input.body === undefined ? undefined : validateTaskBody(input.body);
    const depends = (input.depends_on ?? []).map((id) => validateTaskId(id, 'depends_on'));
    const created = await createTaskFile(
      session.root,
      {
        title,
        assignee,
        from,
        status: 'todo',
        priority: input.priority ?? 'medium',
        depends_on: depends,
        created: today(),
        ...(body !== undefined ? { body } : {}),
      },
      await readFile(TASK_TEMPLATE, 'utf8'),
      // Not routed: the index nudges the assignee like for any new task.
      { beforeWrite: (path, hash) => this.#deps.index.expectOwnWrite(path, hash, { routed: false }) },
    );
    this.#deps.git.expectHubWrite(session.id, created.file, { caller: callerId, summary: `task created by ${from}` });
    await this.#deps.index.reflect(join(session.root, created.file));
    const task = this.#deps.index.task(session.id, created.id);
    if (!task) throw new HubError(ErrorCodes.INTERNAL, `${created.file} was written but the index does not show it yet; list_tasks will.`);
    // Written anyway (the agent or the task may come later), but said: an assignee that is no
    // agent of the session, a dependency no task file has (the index's own diagnostics).
    const warnings = this.#deps.index
      .sessionStatus(session.id)
      .diagnostics.filter((d) => d.file === created.file && (d.code === 'assignee-unknown' || d.code === 'depends-on-unknown'));
    return { task: task.summary, warnings };
  }

  async update(callerId: string, input: UpdateTaskInput): Promise<TaskSummary> {
    const session = this.#deps.records.session(input.session_id);
    const taskId = validateTaskId(input.task_id);
    const indexed = this.#deps.index.task(session.id, taskId);
    if (!indexed) throw this.#taskNotFound(session.id, taskId, 'edit');
    const fields: { -readonly [K in keyof TaskFieldUpdate]: TaskFieldUpdate[K] } = {};
    if (input.status !== undefined) fields.status = input.status;
    if (input.priority !== undefined) fields.priority = input.priority;
    if (input.title !== undefined) fields.title = validateTaskTitle(input.title);
    if (input.assignee !== undefined) fields.assignee = input.assignee === null ? null : validateAgentName(input.assignee, 'assignee');
    const log = input.log === undefined ? undefined : validateLogLine(input.log);
    const who = input.from === undefined ? DEFAULT_FROM : validateFromName(input.from);
    if (input.from !== undefined && log === undefined) {
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, '"from" says who writes the log line; give "log" with it.', { data: { field: 'from' } });
    }
    if (Object.keys(fields).length === 0 && log === undefined) {
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'Nothing to change: give at least one of status, assignee, priority, title or log.');
    }
    fields.updated = today();
    const file = indexed.summary.file;
    await updateProtocolFile(
      session.root,
      file,
      (text) => {
        let next = setTaskFields(text, file, fields);
        if (log !== undefined) next = appendTaskLog(next, file, { at: nowStamp(), who, text: log });
        return next;
      },
      { beforeWrite: (path, hash) => this.#deps.index.expectOwnWrite(path, hash, { routed: false }) },
    );
    this.#deps.git.expectHubWrite(session.id, file, {
      caller: callerId,
      summary: `task updated (${
        Object.keys(fields)
          .filter((k) => k !== 'updated')
          .join(', ') || 'log'
      })`,
    });
    await this.#deps.index.reflect(join(session.root, file));
    return this.#deps.index.task(session.id, taskId)?.summary ?? indexed.summary;
  }

  async readTodo(sessionId: string): Promise<string> {
    const session = this.#deps.records.session(sessionId);
    // A session without a TODO.md yet reads as empty; any other problem is reported.
    return (await readProtocolFileIfExists(session.root, TODO_FILE))?.text ?? '';
  }

  async readTask(sessionId: string, taskId: string): Promise<TaskFileText> {
    const session = this.#deps.records.session(sessionId);
    const id = validateTaskId(taskId);
    const task = this.#deps.index.task(session.id, id);
    if (task) return { text: (await readProtocolFile(session.root, task.summary.file)).text, diagnostics: [] };
    // A file that does not parse is served as written, with what is wrong: that is what a person needs to fix it.
    const broken = this.#deps.index.brokenTask(session.id, id);
    if (!broken) throw this.#taskNotFound(session.id, id, 'read');
    return { text: (await readProtocolFile(session.root, broken.file)).text, diagnostics: broken.diagnostics };
  }

  /** TASK_NOT_FOUND, or — when the id names a file that does not parse — NOT_EDITABLE with its file and line. */
  #taskNotFound(sessionId: string, taskId: string, doing: 'edit' | 'read'): HubError {
    const broken = this.#deps.index.brokenTask(sessionId, taskId);
    if (broken !== null && doing === 'edit') {
      return new HubError(
        ErrorCodes.NOT_EDITABLE,
        `${taskId} is in ${broken.file}, which does not parse (line ${broken.line}: ${broken.message}). Fix it by hand; the hub does not rewrite a file it cannot read.`,
        { data: { task_id: taskId, file: broken.file, line: broken.line, code: broken.code } },
      );
    }
    const known = this.#deps.index.tasks(sessionId).length;
    return new HubError(
      ErrorCodes.TASK_NOT_FOUND,
      `${taskId} is not a task of session ${sessionId}; list_tasks shows its ${known} task${known === 1 ? '' : 's'}.`,
      { data: { task_id: taskId } },
    );
  }
}
