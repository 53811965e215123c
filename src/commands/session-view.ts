/**
 * The one snapshot behind `claude-hub status` and `claude-hub watch`: which hub session a ROOT
 * is (from the state store, read-only), its agents (only the ones the state store knows, or,
 * without a readable state, the ones with hook event files), and everything else read through
 * the live index exactly as the server reads it for `get_session_status`, diagnostics included
 * (one builder, hub/diagnostics.ts). TODO sections and task assignees that name someone who is
 * not an agent are shown as what they are.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { HubError, ErrorCodes, isHubError } from '../errors.js';
import { LiveIndex } from '../hub/index.js';
import type { AgentStatus, IdleReason, SessionStatus } from '../hub/types.js';
import { compactUsage, type CompactUsage } from '../usage/ledger.js';
import type { SessionUsageRecord } from '../store/state-schema.js';
import type { Frozen } from '../store/state-store.js';
import type { UsageSeed } from '../hub/index.js';
import { silentLogger } from '../log.js';
import type { Diagnostic, Progress, TaskPriority, TaskStatus } from '../protocol/types.js';
import { StateStore } from '../store/state-store.js';
import type { FsWatcherFactory } from '../watch/watcher.js';

/** How ROOT was recognised as a session (or not). */
export type SessionSource = 'state' | 'hook-events' | 'none';

export interface RootSession {
  /** The hub's session id; null when ROOT is no session the state dir knows. */
  readonly id: string | null;
  readonly name: string;
  /** Absolute; the session's root when ROOT lies inside one. */
  readonly root: string;
  readonly source: SessionSource;
  /** The agents: the state store's (source `state`) or those with hook event files (`hook-events`). */
  readonly agents: readonly { readonly name: string; readonly specialization: string | null }[];
  readonly eventsDir: string | null;
  /** Usage the hub saved (totals and transcript cursors), or null. */
  readonly usage?: Frozen<SessionUsageRecord> | UsageSeed | null;
  /** Why agents may be missing (state unreadable, …), for the person reading. */
  readonly notes: readonly string[];
}

export interface ViewAgent {
  readonly name: string;
  readonly status: AgentStatus;
  readonly why: string;
  readonly currentTask: string | null;
  readonly progress: Progress;
  readonly lastActivity: string | null;
  readonly tasks: readonly string[];
  /** Tokens, estimated USD, context use (see get_session_status). */
  readonly usage: CompactUsage;
  readonly idleReason: IdleReason | null;
  readonly resetAt: string | null;
}

/** Someone a TODO section, item or task names who is not an agent of the session. */
export interface ViewAssignee {
  readonly name: string;
  readonly tasks: readonly string[];
  readonly todo: Progress;
}

export interface ViewTask {
  readonly id: string;
  readonly title: string;
  readonly status: TaskStatus;
  readonly assignee: string | null;
  readonly priority: TaskPriority;
  readonly progress: Progress;
  readonly file: string;
  /** What the task's agent(s) spent while it was their current task; null: nothing yet. */
  readonly usage: CompactUsage | null;
}

export interface SessionView {
  /** The session's tokens and estimated USD. */
  readonly usage: CompactUsage;
  readonly session: {
    readonly id: string | null;
    readonly name: string;
    readonly root: string;
    readonly source: SessionSource;
    readonly notes: readonly string[];
  };
  readonly todo: {
    /** Whether ROOT has a TODO.md at all. */
    readonly present: boolean;
    readonly done: number;
    readonly total: number;
    /** `owner`: whom the heading names; `ownerIsAgent`: whether that is an agent of the session. */
    readonly sections: readonly {
      readonly title: string;
      readonly owner: string | null;
      readonly ownerIsAgent: boolean;
      readonly done: number;
      readonly total: number;
    }[];
  };
  readonly tasks: readonly ViewTask[];
  readonly agents: readonly ViewAgent[];
  readonly assignees: readonly ViewAssignee[];
  /** Most severe first, then by file and line. */
  readonly diagnostics: readonly Diagnostic[];
  readonly counts: { readonly errors: number; readonly warnings: number };
}

/** Agent_2 < Agent_10: names compared with their numbers as numbers. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' }) || (a < b ? -1 : a > b ? 1 : 0);
}

/** INVALID_PATH (exit 2 in every command) when ROOT is not an existing folder. */
export async function requireRootFolder(root: string): Promise<void> {
  const info = await stat(root).catch(() => null);
  if (info === null)
    throw new HubError(ErrorCodes.INVALID_PATH, `${root} does not exist; give the root folder of a codebase (or run the command in it).`, { data: { root } });
  if (!info.isDirectory())
    throw new HubError(ErrorCodes.INVALID_PATH, `${root} is a file, not a folder; give the root folder of a codebase.`, { data: { root } });
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

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/**
 * Which session ROOT is, read-only: the state store's session whose root is ROOT or contains
 * it (its agents are the agents); without a readable state, the hook event files whose `cwd`
 * lies in ROOT; else no session (no agents).
 */
export async function findRootSession(root: string, stateDir: string, env: NodeJS.ProcessEnv): Promise<RootSession> {
  const absolute = resolve(root);
  const real = await realpath(absolute).catch(() => absolute);
  const notes: string[] = [];
  let stateReadable = false;
  if (await isDir(stateDir)) {
    try {
      const store = await StateStore.open({ dir: stateDir, readOnly: true, logger: silentLogger, env });
      // A state dir with no state file yet says nothing about agents: hook event files may.
      stateReadable = store.report.source !== 'empty';
      const state = store.get();
      const inside = (path: string, base: string): boolean => path === base || path.startsWith(base.endsWith(sep) ? base : base + sep);
      const session =
        state.sessions.find((s) => s.root === real || s.root === absolute) ?? state.sessions.find((s) => inside(real, s.root) || inside(absolute, s.root));
      if (session !== undefined) {
        const eventsDir = join(stateDir, 'events', session.id);
        return {
          id: session.id,
          name: session.name,
          root: session.root,
          source: 'state',
          agents: state.agents.filter((a) => a.session === session.id).map((a) => ({ name: a.name, specialization: a.specialization })),
          eventsDir: (await isDir(eventsDir)) ? eventsDir : null,
          usage: state.usage[session.id] ?? null,
          notes,
        };
      }
    } catch (error) {
      if (!isHubError(error)) throw error;
      notes.push(`the state in ${stateDir} cannot be read (${error.code}: ${error.message.replace(/\.$/, '')}); agents are taken from hook event files`);
    }
  } else {
    notes.push(`no state dir at ${stateDir}: no hub has run with it (pass --state-dir, or set CLAUDE_HUB_STATE_DIR, as for serve)`);
  }
  if (!stateReadable) {
    const found = await findEventsDir(stateDir, real);
    if (found !== null) {
      const files = (await readdir(found.dir).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl'));
      return {
        id: found.session,
        name: basename(real),
        root: real,
        source: 'hook-events',
        agents: files.map((f) => ({ name: f.slice(0, -'.jsonl'.length), specialization: null })),
        eventsDir: found.dir,
        notes,
      };
    }
  }
  return { id: null, name: basename(real), root: real, source: 'none', agents: [], eventsDir: null, notes };
}

/** The key the live index knows the session by (a root that is no session still needs one). */
export function indexKey(session: RootSession): string {
  return session.id ?? `root:${session.root}`;
}

/** No native watches: for a one-shot read (`status`), the index's initial scan is all there is. */
const noWatches: FsWatcherFactory = () => ({
  onAll: () => undefined,
  onError: () => undefined,
  ready: async () => undefined,
  close: async () => undefined,
});

/**
 * A live index over ROOT's session, loaded (its files and hook history read). `live: false`
 * reads once without watching (status); `live: true` keeps watching (watch). Close it when done.
 */
export async function openSessionIndex(session: RootSession, options: { readonly live: boolean }): Promise<LiveIndex> {
  const index = new LiveIndex({ stateDir: null, ...(options.live ? {} : { fsFactory: noWatches, watcher: { rescanIntervalMs: 0 } }) });
  try {
    await index.addSession({
      id: indexKey(session),
      name: session.name,
      root: session.root,
      agents: session.agents,
      eventsDir: session.eventsDir,
      discoverAgents: false,
      agentsKnown: session.source !== 'none',
      usage: session.usage ?? null,
    });
    await index.transcriptsSettled();
  } catch (error) {
    await index.close();
    throw error;
  }
  return index;
}

/** The snapshot both commands print, from the live index. Pure over the index's current state. */
export function buildSessionView(index: LiveIndex, session: RootSession): SessionView {
  const key = indexKey(session);
  const status: SessionStatus = index.sessionStatus(key);
  const todo = index.todo(key);
  const agentNames = new Set(session.agents.map((a) => a.name));
  const tasks = [...index.tasks(key)];
  const tasksOf = (name: string): string[] => tasks.filter((t) => t.assignee === name).map((t) => t.id);

  const agents: ViewAgent[] = status.agents
    .map((a) => ({
      name: a.name,
      status: a.status,
      why: a.why,
      currentTask: a.currentTask,
      progress: a.progress,
      lastActivity: a.lastActivity,
      tasks: tasksOf(a.name),
      usage: compactUsage(a.usage),
      idleReason: a.idleReason,
      resetAt: a.resetAt,
    }))
    .sort((a, b) => naturalCompare(a.name, b.name));

  const named = new Set<string>([
    ...Object.keys(todo?.byAgent ?? {}),
    ...(todo?.sections ?? []).flatMap((s) => (s.agent === null ? [] : [s.agent])),
    ...tasks.flatMap((t) => (t.assignee === null ? [] : [t.assignee])),
  ]);
  const assignees: ViewAssignee[] = [...named]
    .filter((name) => !agentNames.has(name))
    .sort(naturalCompare)
    .map((name) => ({ name, tasks: tasksOf(name), todo: todo?.byAgent[name] ?? { done: 0, total: 0 } }));

  // The index's own list (hub/diagnostics.ts): the same as get_session_status reports.
  const diagnostics = status.diagnostics;

  return {
    session: { id: session.id, name: session.name, root: session.root, source: session.source, notes: session.notes },
    todo: {
      present: todo !== null,
      done: status.todo.done,
      total: status.todo.total,
      sections: status.todo.sections.map((s) => ({
        title: s.title,
        owner: s.agent,
        ownerIsAgent: s.agent !== null && agentNames.has(s.agent),
        done: s.done,
        total: s.total,
      })),
    },
    tasks: tasks.map((t) => {
      const spent = status.usage.byTask[t.id];
      return {
        id: t.id,
        title: t.title,
        status: t.status,
        assignee: t.assignee,
        priority: t.priority,
        progress: t.progress,
        file: t.file,
        usage: spent ? compactUsage(spent) : null,
      };
    }),
    usage: compactUsage(status.usage.total),
    agents,
    assignees,
    diagnostics,
    counts: { errors: diagnostics.filter((d) => d.severity === 'error').length, warnings: diagnostics.filter((d) => d.severity === 'warning').length },
  };
}

/** How a session is named to a person: `session s3 "web" (/path)` or `/path (not a hub session)`. */
export function sessionLabel(session: SessionView['session']): string {
  if (session.id === null) return `${session.root} (not a hub session: no agents)`;
  const from = session.source === 'hook-events' ? ', from hook event files' : '';
  return `session ${session.id} "${session.name}" (${session.root}${from})`;
}
