/**
 * `claude-hub status ROOT [--json]`: a session's plan, tasks and agents read straight from its
 * files, with no server. `readSessionSnapshot` is the reusable reader behind it.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { HubError, ErrorCodes, isHubError } from '../errors.js';
import type { Diagnostic, Progress, TaskDoc, TaskPriority, TaskStatus, TodoDoc } from '../protocol/index.js';
import { TASKS_DIR, TODO_FILE, checkTaskSet, parseTask, parseTodo, taskIdFromFileName, taskNumber } from '../protocol/index.js';
import { readProtocolFileIfExists } from '../store/files.js';

export interface SnapshotTask {
  readonly id: string;
  readonly title: string;
  readonly status: TaskStatus;
  readonly assignee: string | null;
  readonly from: string | null;
  readonly priority: TaskPriority;
  readonly depends_on: readonly string[];
  readonly updated: string | null;
  readonly progress: Progress;
  /** Relative to the root. */
  readonly file: string;
}

export interface SessionSnapshot {
  readonly root: string;
  readonly todo: { readonly done: number; readonly total: number; readonly sections: readonly { title: string; agent: string | null; done: number; total: number }[] };
  readonly tasks: readonly SnapshotTask[];
  readonly agents: readonly { name: string; done: number; total: number; tasks: readonly string[] }[];
  readonly diagnostics: readonly Diagnostic[];
  /** The parsed documents behind the summary (not part of the JSON output). */
  readonly docs: { readonly todo: TodoDoc | null; readonly tasks: readonly TaskDoc[] };
}

/** Reads TODO.md and every task file of a session root into one snapshot. Unreadable files become diagnostics. */
export async function readSessionSnapshot(root: string, options: { readonly agents?: readonly string[] } = {}): Promise<SessionSnapshot> {
  const absoluteRoot = resolve(root);
  const rootInfo = await stat(absoluteRoot).catch(() => null);
  if (rootInfo === null || !rootInfo.isDirectory()) {
    throw new HubError(ErrorCodes.SESSION_NOT_FOUND, `${absoluteRoot} is not a directory; pass the root of a codebase.`, { data: { root: absoluteRoot } });
  }
  const diagnostics: Diagnostic[] = [];
  const realRoot = await realpath(absoluteRoot);
  const tasksReal = await realpath(resolve(absoluteRoot, TASKS_DIR)).catch(() => null);
  // Task files sit in one directory: confine it once, then open each file without following links.
  const tasksConfined = tasksReal !== null && (tasksReal === realRoot || tasksReal.startsWith(realRoot + sep));
  const readText = async (relPath: string): Promise<string | null> => {
    try {
      const confined = tasksConfined && relPath.startsWith(`${TASKS_DIR}/`);
      return (await readProtocolFileIfExists(absoluteRoot, relPath, { realRoot, directoryConfined: confined }))?.text ?? null;
    } catch (error) {
      if (!isHubError(error)) throw error;
      diagnostics.push({ file: relPath, line: 1, severity: 'error', code: error.code, message: error.message });
      return null;
    }
  };

  const todoText = await readText(TODO_FILE);
  const todo = todoText === null ? null : parseTodo(todoText, TODO_FILE, options.agents === undefined ? {} : { agents: options.agents });

  const names = await readdir(resolve(absoluteRoot, TASKS_DIR)).catch(() => [] as string[]);
  const taskFiles = names
    .filter((name) => name.endsWith('.md') && !name.startsWith('.'))
    .sort((a, b) => (taskOrder(a) - taskOrder(b)) || a.localeCompare(b));
  const taskDocs: TaskDoc[] = [];
  // Bounded parallelism: fast on thousands of files without exhausting file descriptors.
  for (let at = 0; at < taskFiles.length; at += 64) {
    const batch = await Promise.all(
      taskFiles.slice(at, at + 64).map(async (name) => {
        const file = `${TASKS_DIR}/${name}`;
        const text = await readText(file);
        return text === null ? null : parseTask(text, file);
      }),
    );
    for (const doc of batch) if (doc !== null) taskDocs.push(doc);
  }

  diagnostics.push(...(todo?.diagnostics ?? []));
  for (const doc of taskDocs) diagnostics.push(...doc.diagnostics);
  diagnostics.push(...checkTaskSet(taskDocs));
  const known = new Set(taskDocs.flatMap((doc) => (doc.task === null ? [] : [doc.task.id])));
  for (const item of todo?.items ?? []) {
    for (const ref of item.taskRefs) {
      if (!known.has(ref)) diagnostics.push({ file: TODO_FILE, line: item.line, severity: 'warning', code: 'task-ref-unknown', message: `The item names ${ref}, but no task file has that id.` });
    }
  }

  // Reads finish in any order: report problems by file (TODO.md, then tasks by id), then line.
  const rank = new Map<string, number>([[TODO_FILE, -1], ...taskFiles.map((name, index): [string, number] => [`${TASKS_DIR}/${name}`, index])]);
  diagnostics.sort((a, b) => (rank.get(a.file) ?? Infinity) - (rank.get(b.file) ?? Infinity) || a.line - b.line);

  const tasks: SnapshotTask[] = taskDocs.flatMap((doc) =>
    doc.task === null
      ? []
      : [
          {
            id: doc.task.id,
            title: doc.task.title,
            status: doc.task.status,
            assignee: doc.task.assignee,
            from: doc.task.from,
            priority: doc.task.priority,
            depends_on: doc.task.depends_on,
            updated: doc.task.updated,
            progress: doc.progress,
            file: doc.file,
          },
        ],
  );
  const agentNames = [...new Set([...(options.agents ?? []), ...Object.keys(todo?.byAgent ?? {}), ...tasks.flatMap((task) => (task.assignee === null ? [] : [task.assignee]))])].sort();
  const agents = agentNames.map((name) => ({
    name,
    done: todo?.byAgent[name]?.done ?? 0,
    total: todo?.byAgent[name]?.total ?? 0,
    tasks: tasks.filter((task) => task.assignee === name).map((task) => task.id),
  }));
  return {
    root: absoluteRoot,
    todo: {
      done: todo?.progress.done ?? 0,
      total: todo?.progress.total ?? 0,
      sections: (todo?.sections ?? []).map((section) => ({ title: section.title, agent: section.agent, done: section.progress.done, total: section.progress.total })),
    },
    tasks,
    agents,
    diagnostics,
    docs: { todo, tasks: taskDocs },
  };
}

function taskOrder(name: string): number {
  const id = taskIdFromFileName(name);
  return id === null ? Number.MAX_SAFE_INTEGER : (taskNumber(id) ?? Number.MAX_SAFE_INTEGER);
}

/** The `--json` shape: `{root, todo, tasks, agents, diagnostics}`. */
export function snapshotJson(snapshot: SessionSnapshot): Record<string, unknown> {
  return {
    root: snapshot.root,
    todo: snapshot.todo,
    tasks: snapshot.tasks.map((task) => ({ id: task.id, title: task.title, status: task.status, assignee: task.assignee, priority: task.priority, progress: task.progress, file: task.file })),
    agents: snapshot.agents,
    diagnostics: snapshot.diagnostics.map((d) => ({ file: d.file, line: d.line, severity: d.severity, code: d.code, message: d.message })),
  };
}

export function progressBar(progress: Progress, width = 20): string {
  const filled = progress.total === 0 ? 0 : Math.round((progress.done / progress.total) * width);
  const percent = progress.total === 0 ? '  -' : `${Math.round((progress.done / progress.total) * 100)}%`.padStart(4);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${`${progress.done}/${progress.total}`.padStart(7)} ${percent}`;
}

/** What a person reads: progress bars for the plan, each section, task and agent; then the problems. */
export function renderSnapshot(snapshot: SessionSnapshot): string {
  const clean = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');
  const lines: string[] = [`claude-hub status ${clean(snapshot.root)}`, ''];
  lines.push(`TODO.md ${progressBar(snapshot.todo)}`);
  for (const section of snapshot.todo.sections) {
    if (section.total === 0) continue;
    lines.push(`  ${clean(section.title).slice(0, 40).padEnd(40)} ${progressBar(section, 12)}${section.agent === null ? '' : `  ${section.agent}`}`);
  }
  lines.push('', `Tasks (${snapshot.tasks.length})`);
  for (const task of snapshot.tasks) {
    lines.push(`  ${task.id.padEnd(9)} ${task.status.padEnd(11)} ${(task.assignee ?? '-').padEnd(12)} ${progressBar(task.progress, 10)}  ${clean(task.title).slice(0, 60)}`);
  }
  lines.push('', `Agents (${snapshot.agents.length})`);
  for (const agent of snapshot.agents) {
    lines.push(`  ${agent.name.padEnd(14)} ${progressBar(agent, 12)}  tasks: ${agent.tasks.join(', ') || '-'}`);
  }
  if (snapshot.diagnostics.length > 0) {
    lines.push('', `Diagnostics (${snapshot.diagnostics.length})`);
    for (const d of snapshot.diagnostics) lines.push(`  ${clean(d.file)}:${d.line} ${d.severity} ${d.code}: ${clean(d.message)}`);
  }
  return lines.join('\n') + '\n';
}

const USAGE = 'usage: claude-hub status ROOT [--json]\n';

export async function statusCommand(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const json = argv.includes('--json');
  const positional = argv.filter((arg) => arg !== '--json');
  if (positional.some((arg) => arg === '-h' || arg === '--help')) {
    io.stdout.write(USAGE);
    return 0;
  }
  const unknown = positional.find((arg) => arg.startsWith('-'));
  if (unknown !== undefined || positional.length !== 1 || positional[0] === undefined) {
    io.stderr.write(`${ErrorCodes.INVALID_ARGUMENT}: ${unknown === undefined ? 'expected exactly one ROOT' : `unknown option ${unknown}`}\n${USAGE}`);
    return 2;
  }
  try {
    const snapshot = await readSessionSnapshot(positional[0]);
    io.stdout.write(json ? `${JSON.stringify(snapshotJson(snapshot), null, 2)}\n` : renderSnapshot(snapshot));
    return 0;
  } catch (error) {
    const failure = isHubError(error) ? error : new HubError(ErrorCodes.INTERNAL, error instanceof Error ? error.message : String(error));
    io.stderr.write(`${failure.code}: ${failure.message}\n`);
    return 1;
  }
}
