/**
 * `claude-hub status [ROOT] [--json] [--all] [--state-dir DIR]`: a session's plan, tasks,
 * agents and diagnostics, with no server. It reads through the same snapshot as `watch`
 * (session-view.ts: the live index, as the server reads it), once, without watching.
 * Exit 0 when the files hold no errors, 1 when they do (after printing them), 2 for bad input.
 */
import { humanUsage } from '../format.js';
import { resolve } from 'node:path';
import { resolveStateDir } from '../config.js';
import { ErrorCodes, isHubError, toHubError } from '../errors.js';
import type { Progress } from '../protocol/types.js';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  JSON_OPTION,
  STATE_DIR_OPTION,
  commandHelp,
  parseRootCommand,
  styleFor,
  type CommandIo,
  type Style,
} from './command-io.js';
import { buildSessionView, findRootSession, openSessionIndex, requireRootFolder, sessionLabel, type SessionView } from './session-view.js';

/** Diagnostics printed before "… N more" (all with --all or --json). */
export const DIAGNOSTICS_SHOWN = 50;

const USAGE = commandHelp(
  ['claude-hub status [ROOT] [--json] [--all] [--state-dir DIR]'],
  `Prints what a root's agents, tasks and TODO.md say, read from the files (no server needed).
ROOT is the codebase (default: the current folder). Agents are the hub session's agents from
the state dir; people and names a TODO section or task names who are no agent are listed apart.
Exits 1 when the files hold errors (they are listed), 0 otherwise.`,
  [
    ['[ROOT]', 'the codebase (default: the current folder)'],
    [JSON_OPTION[0], 'one JSON object: {session, todo, tasks, agents, assignees, diagnostics, counts}\n(every diagnostic)'],
    ['--all', `every diagnostic (default: the first ${DIAGNOSTICS_SHOWN}, most severe first)`],
    STATE_DIR_OPTION,
  ],
);

/** The `--json` shape. */
export function viewJson(view: SessionView): Record<string, unknown> {
  return {
    session: view.session,
    todo: view.todo,
    tasks: view.tasks,
    agents: view.agents,
    assignees: view.assignees,
    diagnostics: view.diagnostics,
    counts: view.counts,
  };
}

export function progressBar(progress: Progress, width = 20): string {
  const filled = progress.total === 0 ? 0 : Math.round((progress.done / progress.total) * width);
  const percent = progress.total === 0 ? '  -' : `${Math.round((progress.done / progress.total) * 100)}%`.padStart(4);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${`${progress.done}/${progress.total}`.padStart(7)} ${percent}`;
}

/** Terminal control characters from files never reach the terminal. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');
}

export function statusColour(style: Style, status: string): string {
  if (status === 'working' || status === 'done') return style.green(status);
  if (status === 'blocked' || status === 'exited' || status === 'auth_failed' || status === 'stuck') return style.red(status);
  if (
    status === 'waiting_for_person' ||
    status === 'review' ||
    status === 'rate_limited' ||
    status === 'overloaded' ||
    status === 'api_error' ||
    status === 'interrupted'
  )
    return style.yellow(status);
  return status;
}

/** What a person reads: progress bars for the plan, each section, task and agent; then the problems. */
export function renderView(view: SessionView, options: { readonly style?: Style; readonly all?: boolean } = {}): string {
  const style = options.style ?? styleFor({}, {});
  const pad = (text: string, width: number, shown: string = text): string => shown + ' '.repeat(Math.max(0, width - text.length));
  const lines: string[] = [style.bold(`claude-hub status: ${clean(sessionLabel(view.session))}`)];
  for (const note of view.session.notes) lines.push(style.dim(`note: ${clean(note)}`));
  lines.push('', `TODO.md ${progressBar(view.todo)}`, `Usage   ${humanUsage(view.usage)} (estimated from the agents' transcripts)`);
  for (const section of view.todo.sections) {
    if (section.total === 0) continue;
    const owner = section.owner === null ? '' : `  ${clean(section.owner)}${section.ownerIsAgent ? '' : style.dim(' (named, not an agent)')}`;
    lines.push(`  ${clean(section.title).slice(0, 40).padEnd(40)} ${progressBar(section, 12)}${owner}`);
  }
  lines.push('', `Tasks (${view.tasks.length})`);
  for (const task of view.tasks) {
    lines.push(
      `  ${task.id.padEnd(9)} ${pad(task.status, 11, statusColour(style, task.status))} ${clean(task.assignee ?? '-').padEnd(12)} ${progressBar(task.progress, 10)}  ${clean(task.title).slice(0, 60)}${task.usage ? style.dim(`  ${humanUsage(task.usage)}`) : ''}`,
    );
  }
  const agentsFrom =
    view.session.source === 'state'
      ? 'of the hub session, from the state dir'
      : view.session.source === 'hook-events'
        ? 'with hook event files'
        : 'none: ROOT is no hub session';
  lines.push('', `Agents (${view.agents.length}; ${agentsFrom})`);
  for (const agent of view.agents) {
    lines.push(
      `  ${clean(agent.name).padEnd(14)} ${pad(agent.status, 18, statusColour(style, agent.status))} ${progressBar(agent.progress, 12)}  ${agent.currentTask ?? '-'}  ${humanUsage(agent.usage)}  ${style.dim(clean(agent.why + (agent.idleReason ? ` [${agent.idleReason}]` : '') + (agent.resetAt ? ` [resets ${agent.resetAt}]` : '')))}`,
    );
  }
  if (view.assignees.length > 0) {
    lines.push('', `Named in TODO.md or tasks, not agents (${view.assignees.length})`);
    for (const who of view.assignees) {
      lines.push(`  ${clean(who.name).padEnd(14)} TODO ${`${who.todo.done}/${who.todo.total}`.padStart(7)}  tasks: ${who.tasks.join(', ') || '-'}`);
    }
  }
  if (view.diagnostics.length > 0) {
    const { errors, warnings } = view.counts;
    lines.push('', `Diagnostics (${view.diagnostics.length}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'})`);
    const shown = options.all ? view.diagnostics : view.diagnostics.slice(0, DIAGNOSTICS_SHOWN);
    for (const d of shown) {
      const severity = d.severity === 'error' ? style.red(d.severity) : d.severity === 'warning' ? style.yellow(d.severity) : d.severity;
      lines.push(`  ${clean(d.file)}:${d.line} ${severity} ${d.code}: ${clean(d.message)}`);
    }
    const more = view.diagnostics.length - shown.length;
    if (more > 0) lines.push(`  … ${more} more; claude-hub status --all (or --json) lists every one`);
  }
  return lines.join('\n') + '\n';
}

/** Reads ROOT's session view once (no watching). */
export async function readSessionView(root: string, stateDir: string, env: NodeJS.ProcessEnv): Promise<SessionView> {
  await requireRootFolder(root);
  const session = await findRootSession(root, stateDir, env);
  const index = await openSessionIndex(session, { live: false });
  try {
    return buildSessionView(index, session);
  } finally {
    await index.close();
  }
}

export async function statusCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const parsed = parseRootCommand(io, argv, { name: 'status', usage: USAGE, all: true });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  let view: SessionView;
  try {
    const { dir } = resolveStateDir(values['state-dir'], env, cwd);
    view = await readSessionView(resolve(cwd, positionals[0] ?? '.'), dir, env);
  } catch (error) {
    const failure = toHubError(error);
    io.stderr.write(`${failure.code}: ${failure.message}\n`);
    return isHubError(error) && (error.code === ErrorCodes.INVALID_PATH || error.code === ErrorCodes.INVALID_ARGUMENT) ? EXIT_USAGE : EXIT_FAILED;
  }
  io.stdout.write(
    values.json ? `${JSON.stringify(viewJson(view), null, 2)}\n` : renderView(view, { style: styleFor(io.stdout, env), all: values.all ?? false }),
  );
  return view.counts.errors > 0 ? EXIT_FAILED : EXIT_OK;
}
