/**
 * A session's diagnostics, built in one place: the live index calls this, and through it
 * `get_session_status`, `claude-hub status` and `claude-hub watch` report the same list for
 * the same files (before, the CLI added `task-ref-unknown` on its own and only the index made
 * `assignee-unknown`, with different rules). PURE: parsed files and collected problems in, one
 * frozen list out.
 *
 * Order: most severe first; within a severity, TODO.md, then task files by name (each file's
 * own problems, then what only the whole set shows), then watch and hook-file problems, then
 * TODO items naming a task no file has (the order `claude-hub status` always printed). A person
 * reads the errors first; the rest keeps a stable order so a diff of two runs is short.
 */
import { checkTaskSet } from '../protocol/index.js';
import type { Diagnostic, Severity, TaskDoc, TodoDoc } from '../protocol/types.js';
import { TODO_FILE } from '../watch/layout.js';

export interface DiagnosticsInput {
  readonly todo: TodoDoc | null;
  /** Task files by path relative to the root, in any order. */
  readonly tasks: ReadonlyMap<string, { readonly doc: TaskDoc; readonly assigneeLine: number }>;
  /**
   * The session's whole team, so an assignee who is none of them is a mistake; null when the
   * team is not known (agents discovered from the files, or a root that is no hub session), and
   * then no assignee is checked.
   */
  readonly agents: ReadonlySet<string> | null;
  /** Files the watcher could not read (too large, unreadable). */
  readonly watch: readonly Diagnostic[];
  /** Hook event lines that could not be read. */
  readonly hooks: readonly Diagnostic[];
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/** Most severe first; stable within a severity. */
export function bySeverity(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, at) => ({ d, at }))
    .sort((x, y) => SEVERITY_RANK[x.d.severity] - SEVERITY_RANK[y.d.severity] || x.at - y.at)
    .map(({ d }) => d);
}

export function sessionDiagnostics(input: DiagnosticsInput): readonly Diagnostic[] {
  const out: Diagnostic[] = [...(input.todo?.diagnostics ?? [])];
  const docs: TaskDoc[] = [];
  for (const file of [...input.tasks.keys()].sort()) {
    const entry = input.tasks.get(file);
    if (!entry) continue;
    docs.push(entry.doc);
    out.push(...entry.doc.diagnostics);
    const task = entry.doc.task;
    if (input.agents !== null && task?.assignee && !input.agents.has(task.assignee)) {
      out.push({
        file,
        line: entry.assigneeLine,
        severity: 'warning',
        code: 'assignee-unknown',
        message: `${task.id} is assigned to ${task.assignee}, who does not exist in this session.`,
      });
    }
  }
  out.push(...checkTaskSet(docs), ...input.watch, ...input.hooks, ...unknownTaskRefs(input.todo, docs));
  return Object.freeze(bySeverity(out));
}

/** TODO items that name a task (`TASK-7`) no task file has. */
function unknownTaskRefs(todo: TodoDoc | null, docs: readonly TaskDoc[]): Diagnostic[] {
  if (todo === null) return [];
  const known = new Set(docs.flatMap((doc) => (doc.task === null ? [] : [doc.task.id])));
  return todo.items.flatMap((item) =>
    item.taskRefs
      .filter((ref) => !known.has(ref))
      .map((ref) => ({
        file: TODO_FILE,
        line: item.line,
        severity: 'warning' as const,
        code: 'task-ref-unknown',
        message: `The item names ${ref}, but no task file has that id.`,
      })),
  );
}
