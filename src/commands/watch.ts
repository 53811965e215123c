/**
 * `claude-hub watch ROOT [--json] [--state-dir DIR]`: one line per status change, as it happens,
 * until interrupted. Needs no server: it watches the files itself through the live index. When
 * the state dir holds hook event files of a session in ROOT, agents' statuses are included.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { defaultStateDir } from '../config.js';
import { HubError, ErrorCodes, toHubError } from '../errors.js';
import { LiveIndex, type IndexChange } from '../hub/index.js';
import type { Progress } from '../protocol/types.js';

export interface WatchIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
  /** ROOT is resolved against it; ROOT defaults to it. Default: process.cwd(). */
  readonly cwd?: string;
  /** Stops watching when aborted; default: the first SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
}

/** One NDJSON line of `watch --json`. */
export interface WatchLine {
  readonly ts: string;
  readonly session: string;
  readonly agent?: string;
  readonly task?: string;
  readonly kind: 'watching' | 'agent' | 'task' | 'task_removed' | 'todo';
  readonly status?: string;
  readonly progress?: Progress;
  readonly why?: string;
}

const USAGE = `Usage: claude-hub watch [ROOT] [--json] [--state-dir DIR]

Prints one line per change of an agent's status, a task or TODO.md progress, until Ctrl-C.
ROOT is the codebase (default: the current directory).
  --json           one JSON object per line: {ts, session, agent?, task?, kind, status?, progress?}
  --state-dir DIR  the hub's state dir, to include agents' hook events (default: $CLAUDE_HUB_STATE_DIR or the platform default)
`;

interface WatchArgs {
  readonly root: string;
  readonly json: boolean;
  readonly stateDir: string | null;
}

function parseArgs(argv: readonly string[], cwd: string): WatchArgs | 'help' {
  let root: string | null = null;
  let json = false;
  let stateDir: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--json') json = true;
    else if (arg === '--state-dir') {
      const value = argv[++i];
      if (!value) throw new HubError(ErrorCodes.INVALID_ARGUMENT, '--state-dir needs a directory.');
      stateDir = value;
    } else if (arg?.startsWith('--state-dir=')) stateDir = arg.slice('--state-dir='.length);
    else if (arg?.startsWith('-')) throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Unknown option ${arg}; see claude-hub watch --help.`);
    else if (root === null && arg !== undefined) root = arg;
    else throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Unexpected argument ${arg}; watch takes one ROOT.`);
  }
  return { root: resolve(cwd, root ?? '.'), json, stateDir };
}

/** The first line of an event file, parsed, or null. Reads at most 64 KiB. */
async function firstHookLine(path: string): Promise<Record<string, unknown> | null> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const line = buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * The hook event dir of a session in `root`: hook lines carry the agent's `cwd`, which is the
 * session root (or inside it). Null when none is found.
 */
export async function findEventsDir(stateDir: string, root: string): Promise<{ session: string; dir: string } | null> {
  const eventsRoot = join(stateDir, 'events');
  const sessions = await readdir(eventsRoot).catch(() => [] as string[]);
  for (const session of sessions.sort()) {
    const dir = join(eventsRoot, session);
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl'));
    for (const file of files) {
      const cwd = (await firstHookLine(join(dir, file)))?.cwd;
      if (typeof cwd === 'string' && (cwd === root || cwd.startsWith(root + sep))) return { session, dir };
    }
  }
  return null;
}

function bar(progress: Progress): string {
  return `${progress.done}/${progress.total}`;
}

function humanLine(line: WatchLine): string {
  const time = line.ts.slice(11, 19);
  switch (line.kind) {
    case 'watching':
      return `${time}  watching ${line.session}: TODO ${bar(line.progress ?? { done: 0, total: 0 })}${line.why ? `, ${line.why}` : ''}`;
    case 'agent':
      return `${time}  ${line.agent}  ${line.status}  ${bar(line.progress ?? { done: 0, total: 0 })}${line.task ? `  ${line.task}` : ''}${line.why ? `  (${line.why})` : ''}`;
    case 'task':
      return `${time}  ${line.task}  ${line.status}  ${bar(line.progress ?? { done: 0, total: 0 })}${line.agent ? `  @${line.agent}` : ''}`;
    case 'task_removed':
      return `${time}  ${line.task}  removed`;
    case 'todo':
      return `${time}  TODO.md  ${bar(line.progress ?? { done: 0, total: 0 })}`;
  }
}

export async function watchCommand(argv: readonly string[], io: WatchIo): Promise<number> {
  let args: WatchArgs | 'help';
  try {
    args = parseArgs(argv, io.cwd ?? process.cwd());
  } catch (error) {
    const e = toHubError(error, ErrorCodes.INVALID_ARGUMENT);
    io.stderr.write(`${e.code}: ${e.message}\n`);
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const rootStat = await stat(args.root).catch(() => null);
  if (!rootStat?.isDirectory()) {
    io.stderr.write(`${ErrorCodes.INVALID_PATH}: ${args.root} is not a directory; give the root of a codebase.\n`);
    return 2;
  }
  const env = io.env ?? process.env;
  const stateDir = args.stateDir ?? env.CLAUDE_HUB_STATE_DIR ?? defaultStateDir(env);
  const found = await findEventsDir(resolve(stateDir), args.root);
  const session = found?.session ?? basename(args.root);
  const write = (line: WatchLine): void => {
    io.stdout.write((args.json ? JSON.stringify(line) : humanLine(line)) + '\n');
  };
  const index = new LiveIndex({ stateDir: null });
  const lastTask = new Map<string, string>();
  let todoLast = '';
  try {
    await index.addSession({ id: session, name: basename(args.root), root: args.root, agents: [], eventsDir: found?.dir ?? null, discoverAgents: true });
    const status = index.sessionStatus(session);
    const ts = new Date().toISOString();
    todoLast = bar(status.todo);
    write({ ts, session, kind: 'watching', progress: { done: status.todo.done, total: status.todo.total }, why: `${status.tasks.total} tasks, ${found ? 'hook events' : 'no hook events'}` });
    for (const agent of status.agents) {
      write({ ts, session, kind: 'agent', agent: agent.name, status: agent.status, progress: agent.progress, why: agent.why, ...(agent.currentTask ? { task: agent.currentTask } : {}) });
    }
    for (const t of status.tasks.items) lastTask.set(t.id, `${t.status} ${bar(t.progress)}`);
    const onChange = (change: IndexChange): void => {
      const now = new Date().toISOString();
      if (change.kind === 'agent') {
        const view = index.agentView(session, change.agent);
        write({ ts: now, session, kind: 'agent', agent: change.agent, status: change.status, progress: change.progress, why: change.why, ...(view.currentTask ? { task: view.currentTask } : {}) });
      } else if (change.kind === 'task') {
        const found = index.task(session, change.taskId);
        if (!found || change.change === 'removed') {
          if (!found && lastTask.delete(change.taskId)) write({ ts: now, session, kind: 'task_removed', task: change.taskId });
          if (!found) return;
        }
        const key = `${found.summary.status} ${bar(found.summary.progress)}`;
        if (lastTask.get(change.taskId) === key) return;
        lastTask.set(change.taskId, key);
        const s = found.summary;
        write({ ts: now, session, kind: 'task', task: s.id, status: s.status, progress: s.progress, ...(s.assignee ? { agent: s.assignee } : {}) });
      } else if (change.kind === 'todo') {
        const todo = index.todo(session);
        const progress = todo?.progress ?? { done: 0, total: 0 };
        if (bar(progress) === todoLast) return;
        todoLast = bar(progress);
        write({ ts: now, session, kind: 'todo', progress });
      }
    };
    index.onChange(onChange);
    await new Promise<void>((resolveWait) => {
      if (io.signal) {
        if (io.signal.aborted) return resolveWait();
        io.signal.addEventListener('abort', () => resolveWait(), { once: true });
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
    return 0;
  } catch (error) {
    const e = toHubError(error, ErrorCodes.IO_ERROR);
    io.stderr.write(`${e.code}: ${e.message}\n`);
    return 1;
  } finally {
    await index.close();
  }
}
