/**
 * `claude-hub watch [ROOT] [--json] [--state-dir DIR]`: one line per change, as it happens,
 * until interrupted. Needs no server: it watches the files itself through the live index, and
 * prints the same snapshot as `status` (session-view.ts) first, then what changes in it.
 */
import { resolve } from 'node:path';
import { resolveStateDir } from '../config.js';
import type { LiveIndex } from '../hub/index.js';
import { ErrorCodes, isHubError, toHubError } from '../errors.js';
import type { Diagnostic, Progress } from '../protocol/types.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, JSON_OPTION, STATE_DIR_OPTION, commandHelp, parseRootCommand, styleFor } from './command-io.js';
import type { CommandIo, Style } from './command-io.js';
import { buildSessionView, findRootSession, openSessionIndex, requireRootFolder, sessionLabel, type RootSession, type SessionView } from './session-view.js';
import { DIAGNOSTICS_SHOWN, clean, statusColour } from './status.js';
import { humanUsage } from '../format.js';
import type { CompactUsage } from '../usage/ledger.js';

export { findEventsDir } from './session-view.js';

export interface WatchIo extends CommandIo {
  /** Stops watching when aborted; default: the first SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
}

/** One NDJSON line of `watch --json`. */
export interface WatchLine {
  readonly ts: string;
  /** The hub session id; null when ROOT is no hub session. */
  readonly session: string | null;
  readonly kind: 'watching' | 'agent' | 'assignee' | 'task' | 'task_removed' | 'task_broken' | 'todo' | 'diagnostic' | 'usage';
  /** `watching` only: the root read and how it was recognised as a session. */
  readonly root?: string;
  readonly source?: string;
  readonly agent?: string;
  readonly task?: string;
  readonly status?: string;
  readonly progress?: Progress;
  readonly why?: string;
  readonly diagnostic?: Diagnostic;
  /** `agent` and `usage` lines: tokens, estimated USD, context use. */
  readonly usage?: CompactUsage;
  readonly resetAt?: string;
  readonly idleReason?: string;
}

/** An agent's line: the same fields for its first appearance and for a change. */
function agentLine(ts: string, session: string | null, agent: SessionView['agents'][number]): WatchLine {
  return {
    ts,
    session,
    kind: 'agent',
    agent: agent.name,
    status: agent.status,
    progress: agent.progress,
    why: agent.why,
    ...(agent.currentTask ? { task: agent.currentTask } : {}),
    usage: agent.usage,
    ...(agent.resetAt ? { resetAt: agent.resetAt } : {}),
    ...(agent.idleReason ? { idleReason: agent.idleReason } : {}),
  };
}

const USAGE = commandHelp(
  ['claude-hub watch [ROOT] [--json] [--state-dir DIR]'],
  `Prints the same snapshot as claude-hub status (agents, names that are no agent, diagnostics),
then one line per change of an agent's status, a task, TODO.md progress or a new diagnostic,
until Ctrl-C. ROOT is the codebase (default: the current folder). Agents are the hub session's
agents from the state dir, with their hook events.`,
  [
    ['[ROOT]', 'the codebase (default: the current folder)'],
    [JSON_OPTION[0], 'one JSON object per line: {ts, session, kind, agent?, task?, status?, progress?, why?, diagnostic?}'],
    STATE_DIR_OPTION,
  ],
);

function bar(progress: Progress): string {
  return `${progress.done}/${progress.total}`;
}

function diagnosticKey(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.code}:${d.message}`;
}

export function humanLine(line: WatchLine, style: Style = styleFor({}, {})): string {
  const time = style.dim(line.ts.slice(11, 19));
  switch (line.kind) {
    case 'watching':
      return `${time}  watching ${clean(line.why ?? '')}`;
    case 'agent':
      return `${time}  ${clean(line.agent ?? '')}  ${statusColour(style, line.status ?? '')}  ${bar(line.progress ?? { done: 0, total: 0 })}${line.task ? `  ${line.task}` : ''}${line.usage ? `  ${humanUsage(line.usage)}` : ''}${line.resetAt ? `  resets ${line.resetAt}` : ''}${line.why ? `  ${style.dim(`(${clean(line.why)})`)}` : ''}`;
    case 'usage':
      return `${time}  usage  ${line.usage ? humanUsage(line.usage) : '-'}`;
    case 'assignee':
      return `${time}  ${clean(line.agent ?? '')}  named, not an agent  TODO ${bar(line.progress ?? { done: 0, total: 0 })}${line.why ? `  ${clean(line.why)}` : ''}`;
    case 'task':
      return `${time}  ${line.task}  ${statusColour(style, line.status ?? '')}  ${bar(line.progress ?? { done: 0, total: 0 })}${line.agent ? `  @${clean(line.agent)}` : ''}`;
    case 'task_removed':
      return `${time}  ${line.task}  removed`;
    case 'task_broken':
      return `${time}  ${line.task}  ${style.red('broken')}  ${clean(line.why ?? '')}`;
    case 'todo':
      return `${time}  TODO.md  ${line.status === 'missing' ? style.yellow('missing') : bar(line.progress ?? { done: 0, total: 0 })}`;
    case 'diagnostic': {
      const d = line.diagnostic;
      if (d === undefined) return `${time}  ${clean(line.why ?? '')}`;
      const severity = d.severity === 'error' ? style.red(d.severity) : d.severity === 'warning' ? style.yellow(d.severity) : d.severity;
      return `${time}  ${clean(d.file)}:${d.line} ${severity} ${d.code}: ${clean(d.message)}`;
    }
  }
}

/** What changed from one view to the next, as watch lines. Pure. */
export function viewChanges(before: SessionView, after: SessionView, ts: string): WatchLine[] {
  const session = after.session.id;
  const out: WatchLine[] = [];
  const agentsBefore = new Map(before.agents.map((a) => [a.name, a]));
  for (const agent of after.agents) {
    const old = agentsBefore.get(agent.name);
    if (old === undefined || old.status !== agent.status) {
      out.push(agentLine(ts, session, agent));
    }
  }
  // The session's cost, when it moved by a cent or more (not on every token).
  if (Math.round(after.usage.usd * 100) !== Math.round(before.usage.usd * 100) || (after.usage.usd === 0 && after.usage.tokens !== before.usage.tokens)) {
    out.push({ ts, session, kind: 'usage', usage: after.usage });
  }
  const tasksBefore = new Map(before.tasks.map((t) => [t.id, t]));
  const tasksAfter = new Map(after.tasks.map((t) => [t.id, t]));
  for (const task of after.tasks) {
    const old = tasksBefore.get(task.id);
    if (old === undefined || old.status !== task.status || bar(old.progress) !== bar(task.progress)) {
      out.push({ ts, session, kind: 'task', task: task.id, status: task.status, progress: task.progress, ...(task.assignee ? { agent: task.assignee } : {}) });
    }
  }
  for (const old of before.tasks) {
    if (tasksAfter.has(old.id)) continue;
    // A file that still exists but no longer parses is broken, not removed: say why.
    const problem = after.diagnostics.find((d) => d.file === old.file && d.severity === 'error');
    out.push(
      problem
        ? { ts, session, kind: 'task_broken', task: old.id, why: `${old.file}:${problem.line} ${problem.code}: ${problem.message}` }
        : { ts, session, kind: 'task_removed', task: old.id },
    );
  }
  if (before.todo.present && !after.todo.present) out.push({ ts, session, kind: 'todo', status: 'missing', progress: { done: 0, total: 0 } });
  else if (bar(before.todo) !== bar(after.todo) || before.todo.present !== after.todo.present)
    out.push({ ts, session, kind: 'todo', progress: { done: after.todo.done, total: after.todo.total } });
  const seen = new Set(before.diagnostics.map(diagnosticKey));
  for (const d of after.diagnostics) if (!seen.has(diagnosticKey(d))) out.push({ ts, session, kind: 'diagnostic', diagnostic: d });
  return out;
}

/** The first lines: the session, its agents, the names that are no agent, the diagnostics (capped). */
export function initialLines(view: SessionView, ts: string, hookEvents: boolean): WatchLine[] {
  const session = view.session.id;
  const { errors, warnings } = view.counts;
  const summary = `${sessionLabel(view.session)}: TODO ${view.todo.present ? bar(view.todo) : 'missing'}, ${view.tasks.length} tasks, ${view.agents.length} agents, ${errors} errors, ${warnings} warnings, ${hookEvents ? 'hook events' : 'no hook events'}`;
  const lines: WatchLine[] = [
    {
      ts,
      session,
      kind: 'watching',
      root: view.session.root,
      source: view.session.source,
      progress: { done: view.todo.done, total: view.todo.total },
      why: summary,
    },
  ];
  for (const note of view.session.notes) lines.push({ ts, session, kind: 'diagnostic', why: `note: ${note}` });
  for (const agent of view.agents) {
    lines.push(agentLine(ts, session, agent));
  }
  for (const who of view.assignees) {
    lines.push({
      ts,
      session,
      kind: 'assignee',
      agent: who.name,
      progress: who.todo,
      why: who.tasks.length > 0 ? `tasks: ${who.tasks.join(', ')}` : 'named in TODO.md',
    });
  }
  for (const d of view.diagnostics.slice(0, DIAGNOSTICS_SHOWN)) lines.push({ ts, session, kind: 'diagnostic', diagnostic: d });
  const more = view.diagnostics.length - DIAGNOSTICS_SHOWN;
  if (more > 0) lines.push({ ts, session, kind: 'diagnostic', why: `… ${more} more; claude-hub status --all lists every one` });
  return lines;
}

export async function watchCommand(argv: readonly string[], io: WatchIo): Promise<number> {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const parsed = parseRootCommand(io, argv, { name: 'watch', usage: USAGE });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const style = styleFor(io.stdout, env);
  const write = (line: WatchLine): void => {
    io.stdout.write((values.json ? JSON.stringify(line) : humanLine(line, style)) + '\n');
  };
  let index;
  let session;
  try {
    const root = resolve(cwd, positionals[0] ?? '.');
    await requireRootFolder(root);
    session = await findRootSession(root, resolveStateDir(values['state-dir'], env, cwd).dir, env);
    index = await openSessionIndex(session, { live: true });
  } catch (error) {
    const e = toHubError(error, ErrorCodes.IO_ERROR);
    io.stderr.write(`${e.code}: ${e.message}\n`);
    return isHubError(error) && (error.code === ErrorCodes.INVALID_PATH || error.code === ErrorCodes.INVALID_ARGUMENT) ? EXIT_USAGE : EXIT_FAILED;
  }
  try {
    followView(index, session, write);
    await untilStopped(io.signal);
    return EXIT_OK;
  } catch (error) {
    const e = toHubError(error, ErrorCodes.IO_ERROR);
    io.stderr.write(`${e.code}: ${e.message}\n`);
    return EXIT_FAILED;
  } finally {
    await index.close();
  }
}

/** Prints the snapshot, then only what changes in it: each status change of the index is diffed against the last view. */
function followView(index: LiveIndex, session: RootSession, write: (line: WatchLine) => void): void {
  let last = buildSessionView(index, session);
  for (const line of initialLines(last, new Date().toISOString(), session.eventsDir !== null)) write(line);
  index.onChange((change) => {
    if (change.kind !== 'status') return;
    const next = buildSessionView(index, session);
    for (const line of viewChanges(last, next, new Date().toISOString())) write(line);
    last = next;
  });
}

/** Until the caller aborts (tests, embedding) or, without a signal, until SIGINT or SIGTERM (a person's Ctrl-C). */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolveWait) => {
    if (signal) {
      if (signal.aborted) return resolveWait();
      signal.addEventListener('abort', () => resolveWait(), { once: true });
      return;
    }
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveWait();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
