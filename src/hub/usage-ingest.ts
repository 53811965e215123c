/**
 * Transcripts into the live index: an agent's hook event names its transcript
 * (`transcript_path`, with `session_id`); this reads what was appended since the last read
 * (usage/transcript.ts), counts each assistant message once in the session's ledger under the
 * agent's current task at that moment (usage/ledger.ts), and turns an API error or an
 * interruption written there into the agent's activity when nothing newer said otherwise.
 * One read per agent at a time; reads that were asked for meanwhile make one more.
 *
 * A transcript path is followed only if it is absolute and named `<session_id>.jsonl` (what
 * Claude Code writes); a line of another conversation is not counted (diagnostic). Problems
 * become diagnostics on the session (hook diagnostics, kept to the last 50) and `skipped` on
 * the agent, never an exception.
 */
import { basename, isAbsolute } from 'node:path';
import type { Diagnostic } from '../protocol/types.js';
import { TranscriptTail, type TranscriptItem } from '../usage/transcript.js';
import type { IngestSink } from './index-ingest.js';
import { keepLast, type SessionState, type TranscriptSlot, type SavedCursor } from './session-state.js';
import { agentViews } from './session-views.js';
import { apiErrorStatus, type Activity } from './status.js';
import { parseResetTime } from '../usage/reset-time.js';

function diagnostic(file: string, code: string, message: string, severity: Diagnostic['severity'] = 'warning'): Diagnostic {
  return { file, line: 1, severity, code, message };
}

/** A hook event named the agent's transcript: make sure it is being read, and read it. */
export function noteTranscript(sink: IngestSink, state: SessionState, agent: string, path: unknown, claudeSessionId: string | null): void {
  if (typeof path !== 'string' || path === '' || claudeSessionId === null) return;
  let slot = state.transcripts.get(agent);
  if (!slot || slot.tail.path !== path) {
    if (!isAbsolute(path) || basename(path) !== `${claudeSessionId}.jsonl`) {
      if (!state.refusedTranscripts.has(path)) {
        state.refusedTranscripts.add(path);
        addProblems(sink, state, agent, [
          diagnostic(
            `${agent}.jsonl`,
            'transcript-path-refused',
            `${agent}'s hook named a transcript that is not <session_id>.jsonl (${path.slice(0, 200)}); it is not read`,
          ),
        ]);
      }
      return;
    }
    const saved = state.savedCursors.get(agent);
    const cursor = saved && saved.path === path ? saved : { path, ino: null, offset: 0 };
    state.savedCursors.delete(agent);
    slot = { tail: new TranscriptTail(cursor), claudeSessionId, running: null, dirty: false };
    state.transcripts.set(agent, slot);
  }
  pumpTranscript(sink, state, agent, slot);
}

/** Reads the agent's transcript again if it has one (the index's tick, for quiet working agents). */
export function pollTranscript(sink: IngestSink, state: SessionState, agent: string): void {
  const slot = state.transcripts.get(agent);
  if (slot) pumpTranscript(sink, state, agent, slot);
}

/** Where each transcript was read to, for the state file. */
export function transcriptCursors(state: SessionState): Record<string, SavedCursor> {
  const out: Record<string, SavedCursor> = Object.fromEntries(state.savedCursors);
  for (const [agent, slot] of state.transcripts) out[agent] = { ...slot.tail.cursor(), claudeSessionId: slot.claudeSessionId };
  return out;
}

function pumpTranscript(sink: IngestSink, state: SessionState, agent: string, slot: TranscriptSlot): void {
  if (slot.running) {
    slot.dirty = true;
    return;
  }
  slot.running = (async () => {
    do {
      slot.dirty = false;
      try {
        const { items, problems } = await slot.tail.read();
        if (!sink.isCurrent(state) || state.transcripts.get(agent) !== slot) return;
        const file = basename(slot.tail.path);
        if (problems.length > 0) {
          for (const p of problems) if (p.code !== 'transcript-restarted') state.usage.skip(agent);
          addProblems(
            sink,
            state,
            agent,
            problems.map((p) => diagnostic(file, p.code, `${agent}: ${p.message}`, p.code === 'transcript-restarted' ? 'info' : 'warning')),
          );
        }
        if (items.length > 0) apply(sink, state, agent, slot, items, file);
        if (items.length > 0 || problems.length > 0) sink.change({ kind: 'usage', session: state.info.id });
      } catch (error) {
        sink.logger.warn('transcript unreadable', { agent, path: slot.tail.path, message: (error as Error).message });
      }
    } while (slot.dirty);
  })().finally(() => {
    slot.running = null;
  });
}

function apply(sink: IngestSink, state: SessionState, agent: string, slot: TranscriptSlot, items: readonly TranscriptItem[], file: string): void {
  const task = agentViews(state, 'tmux').get(agent)?.currentTask ?? null;
  let others = 0;
  let changed = false;
  for (const item of items) {
    const sessionId = item.kind === 'usage' ? item.record.sessionId : item.sessionId;
    if (sessionId !== null && sessionId !== slot.claudeSessionId) {
      others += 1;
      continue;
    }
    if (item.kind === 'usage') {
      if (state.usage.add(agent, task, item.record)) changed = true;
      continue;
    }
    const hooks = state.hooks.get(agent);
    const latest = hooks?.latest;
    // Only news: the turn the hooks say is running ended this way after their latest event.
    if (!hooks || latest?.status !== 'working') continue;
    const at = item.at === null ? sink.now() : Date.parse(item.at);
    if (!Number.isFinite(at) || at < latest.at) continue;
    const activity: Activity =
      item.kind === 'interrupted'
        ? { event: 'Interrupted', at, status: 'interrupted', detail: null }
        : (() => {
            const status = apiErrorStatus(item.error, item.text, item.status);
            return {
              event: 'TranscriptError',
              at,
              status,
              detail: `${item.error}: ${item.text.slice(0, 300)}`,
              ...(status === 'rate_limited' ? { resetAt: parseResetTime(item.text, sink.now()).at } : {}),
            };
          })();
    hooks.latest = activity;
    changed = true;
  }
  if (others > 0) {
    for (let i = 0; i < others; i++) state.usage.skip(agent);
    addProblems(sink, state, agent, [
      diagnostic(
        file,
        'transcript-other-session',
        `${agent}: ${others} transcript line(s) of another conversation than ${slot.claudeSessionId} were not counted`,
      ),
    ]);
  }
  if (changed) sink.markDirty(state.info.id, 'activity');
}

function addProblems(sink: IngestSink, state: SessionState, _agent: string, diagnostics: readonly Diagnostic[]): void {
  state.hookDiagnostics = keepLast(state.hookDiagnostics, diagnostics);
  sink.markDirty(state.info.id, 'files');
}
