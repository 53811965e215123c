/**
 * What the watcher reports, applied to one session's state: a settled TODO.md or task file
 * (parsed, its change emitted, the nudges it implies routed), a hook event file that grew (read
 * from its last offset, one read at a time per file), a file the watcher could not read (a
 * diagnostic). The live index (hub/index.ts) finds the session and hands over its `IngestSink`;
 * nothing here knows about other sessions or keeps state of its own.
 */
import { basename } from 'node:path';
import { ErrorCodes } from '../errors.js';
import type { Logger } from '../log.js';
import { parseTask, taskIdFromFileName } from '../protocol/index.js';
import type { TaskDoc } from '../protocol/types.js';
import type { HookFileChange, HubWatcher, ProtocolFileChange, WatchError } from '../watch/watcher.js';
import { HookTail } from './events.js';
import type { IndexChange } from './index-types.js';
import { routeTaskChange, type NudgeRequest } from './routing.js';
import { discoverAgent, keepLast, lineOfKey, parseSessionTodo, type SessionState, type TailSlot, type TaskEntry } from './session-state.js';
import { brokenOf } from './session-views.js';
import { activityOf, statusLineIn } from './status.js';
import type { HookEvent } from './types.js';
import { noteTranscript } from './usage-ingest.js';

/** What ingesting may do beyond the session's state: tell listeners, schedule a flush. */
export interface IngestSink {
  readonly logger: Logger;
  readonly now: () => number;
  /** Whether `state` is still the index's session (a removed session's late reads are dropped). */
  isCurrent(state: SessionState): boolean;
  markDirty(sessionId: string, scope: 'files' | 'activity'): void;
  change(change: IndexChange): void;
  hook(event: HookEvent): void;
  nudge(nudge: NudgeRequest): void;
}

/**
 * Sends each watcher report to its session's state; a report for a session that is no longer
 * in `sessions` (removed meanwhile) is dropped.
 */
export function feedFromWatcher(watcher: HubWatcher, sessions: ReadonlyMap<string, SessionState>, outlets: Omit<IngestSink, 'isCurrent'>): void {
  const sink: IngestSink = { ...outlets, isCurrent: (state) => sessions.get(state.info.id) === state };
  const to = (sessionId: string | null, ingest: (state: SessionState) => void): void => {
    const state = sessionId === null ? undefined : sessions.get(sessionId);
    if (state) ingest(state);
  };
  watcher.on('file', (change) => to(change.session, (state) => ingestFile(sink, state, change)));
  watcher.on('hooks', (change) => to(change.session, (state) => ingestHookFile(sink, state, change)));
  watcher.on('error', (error) => to(error.session, (state) => ingestWatchError(sink, state, error)));
}

/** A settled TODO.md or task file (text null: gone). */
export function ingestFile(sink: IngestSink, state: SessionState, change: ProtocolFileChange): void {
  state.watchDiagnostics = state.watchDiagnostics.filter((d) => d.file !== change.relPath);
  if (change.kind === 'todo') {
    state.todoText = change.text;
    parseSessionTodo(state);
    if (state.discover && state.todo) for (const name of Object.keys(state.todo.byAgent)) discoverAgent(state, name, false);
    sink.markDirty(change.session, 'files');
    if (!state.loading) sink.change({ kind: 'todo', session: change.session });
    return;
  }
  const previous = state.tasks.get(change.relPath) ?? null;
  let next: TaskEntry | null = null;
  if (change.text === null) state.tasks.delete(change.relPath);
  else {
    next = { doc: parseTask(change.text, change.relPath), statusLine: statusLineIn(change.text), assigneeLine: lineOfKey(change.text, 'assignee') };
    state.tasks.set(change.relPath, next);
    const assignee = next.doc.task?.assignee;
    if (state.discover && assignee) discoverAgent(state, assignee, true);
  }
  state.summaries = null;
  state.byId = null;
  sink.markDirty(change.session, 'files');
  state.broken = null;
  const taskId = next?.doc.task?.id ?? previous?.doc.task?.id ?? taskIdFromFileName(change.relPath) ?? basename(change.relPath, '.md');
  const valid = (entry: TaskEntry | null): boolean => entry !== null && entry.doc.task !== null;
  const kind = next === null ? 'removed' : !valid(next) ? 'broken' : previous === null ? 'added' : 'changed';
  if (state.loading) return;
  const broken = kind === 'broken' && next !== null ? brokenOf(change.relPath, next.doc) : null;
  sink.change({
    kind: 'task',
    session: change.session,
    taskId,
    file: change.relPath,
    change: kind,
    ...(broken === null
      ? {}
      : { diagnostic: broken.diagnostics[0] ?? { file: broken.file, line: broken.line, severity: 'error', code: broken.code, message: broken.message } }),
  });
  // The set of valid tasks (list_tasks, the task resources) changed.
  if (valid(previous) !== valid(next) || previous === null || next === null) sink.change({ kind: 'tasks', session: change.session });
  if (change.cause === 'initial') return;
  const quiet = change.own?.routed ? (change.own.onlyFor ?? null) : [];
  if (quiet !== null) route(sink, state, change.relPath, previous?.doc ?? null, next?.doc ?? null, quiet);
}

/** Emits the nudges of one task change, except to agents in `quiet` (the hub nudges those itself). */
function route(sink: IngestSink, state: SessionState, file: string, previous: TaskDoc | null, next: TaskDoc | null, quiet: readonly string[]): void {
  for (const nudge of routeTaskChange(state.info.id, file, previous, next)) {
    if (quiet.includes(nudge.agent)) continue;
    if (!state.discover && !state.agents.has(nudge.agent)) continue;
    sink.nudge(nudge);
  }
}

/** A hook event file that appeared or grew: read it from where the last read stopped. */
export function ingestHookFile(sink: IngestSink, state: SessionState, change: HookFileChange): void {
  let slot = state.tails.get(change.path);
  if (!slot) {
    slot = { tail: new HookTail(change.path, change.session, change.agent, { file: basename(change.path) }), running: null, dirty: false };
    state.tails.set(change.path, slot);
  }
  if (state.discover) discoverAgent(state, change.agent, true);
  pumpTail(sink, state, slot);
}

/** One read per tail at a time; events that arrive meanwhile cause one more read. */
function pumpTail(sink: IngestSink, state: SessionState, slot: TailSlot): void {
  if (slot.running) {
    slot.dirty = true;
    return;
  }
  slot.running = (async () => {
    do {
      slot.dirty = false;
      try {
        const { events, diagnostics } = await slot.tail.read(sink.now);
        if (!sink.isCurrent(state)) return;
        if (diagnostics.length > 0) state.hookDiagnostics = keepLast(state.hookDiagnostics, diagnostics);
        for (const event of events) ingestHookEvent(sink, state, event);
        if (diagnostics.length > 0) sink.markDirty(state.info.id, 'files');
        else if (events.length > 0) sink.markDirty(state.info.id, 'activity');
      } catch (error) {
        sink.logger.warn('hook file unreadable', { path: slot.tail.path, message: (error as Error).message });
      }
    } while (slot.dirty);
  })().finally(() => {
    slot.running = null;
  });
}

function ingestHookEvent(sink: IngestSink, state: SessionState, event: HookEvent): void {
  const hooks = state.hooks.get(event.agent) ?? { latest: null, lastEventAt: null, claudeSessionId: null };
  state.hooks.set(event.agent, hooks);
  hooks.lastEventAt = event.receivedAt;
  if (event.claudeSessionId) hooks.claudeSessionId = event.claudeSessionId;
  if ((event.event === 'PreToolUse' || event.event === 'PostToolUse') && typeof event.payload.tool_name === 'string') hooks.lastTool = event.payload.tool_name;
  if (event.event === 'SessionStart' && typeof event.payload.model === 'string') state.usage.setSessionModel(event.agent, event.payload.model);
  noteTranscript(sink, state, event.agent, event.payload.transcript_path, event.claudeSessionId);
  const activity = activityOf(event.event, event.payload, event.receivedAt);
  if (activity) {
    hooks.beforeEnd = activity.event === 'SessionEnd' ? hooks.latest : null;
    hooks.latest = activity;
  }
  if (state.loading) return;
  sink.hook(event);
}

/** A file the watcher could not read becomes a diagnostic on it (replacing its previous one). */
export function ingestWatchError(sink: IngestSink, state: SessionState, error: WatchError): void {
  const file = error.path === null ? state.info.root : error.path.startsWith(state.info.root + '/') ? error.path.slice(state.info.root.length + 1) : error.path;
  state.watchDiagnostics = keepLast(
    state.watchDiagnostics.filter((d) => d.file !== file),
    [
      {
        file,
        line: 1,
        severity: 'error',
        code: error.error.code === ErrorCodes.TOO_LARGE ? 'file-too-large' : 'file-unreadable',
        message: error.error.message,
      },
    ],
  );
  sink.markDirty(state.info.id, 'files');
}

/** Resolves when no hook file of the session is being read. */
export async function tailsIdle(state: SessionState): Promise<void> {
  for (;;) {
    const busy = [...state.tails.values()].map((t) => t.running).filter((p) => p !== null);
    if (busy.length === 0) return;
    await Promise.all(busy);
  }
}
