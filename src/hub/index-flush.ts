/**
 * When the live index tells what changed: every change to a session drops its cached views at
 * once (a read right after sees the change) and marks it dirty; one flush per microtask then
 * emits each changed agent status and one `status` change per dirty session, so a burst of
 * hook events or file changes is one notification, not one per event.
 */
import type { BackendName } from '../terminal/backend.js';
import type { IndexChange } from './index-types.js';
import { dropViews, type SessionState } from './session-state.js';
import { agentStatusChanges } from './session-views.js';

export class ChangeFlush {
  readonly #sessions: ReadonlyMap<string, SessionState>;
  readonly #backend: BackendName;
  readonly #emit: (change: IndexChange) => void;
  readonly #dirty = new Set<string>();
  #queued = false;

  constructor(sessions: ReadonlyMap<string, SessionState>, defaultBackend: BackendName, emit: (change: IndexChange) => void) {
    this.#sessions = sessions;
    this.#backend = defaultBackend;
    this.#emit = emit;
  }

  /** Drops the session's cached views (see `dropViews`) and schedules one flush for them. */
  markDirty(sessionId: string, scope: 'files' | 'activity'): void {
    const state = this.#sessions.get(sessionId);
    if (!state) return;
    dropViews(state, scope);
    if (state.loading) return;
    this.#dirty.add(sessionId);
    if (!this.#queued) {
      this.#queued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** A removed session has nothing left to tell. */
  forget(sessionId: string): void {
    this.#dirty.delete(sessionId);
  }

  /** Emits agent status changes and one `status` change per dirty session (now, not later). */
  flush(): void {
    this.#queued = false;
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    for (const id of dirty) {
      const state = this.#sessions.get(id);
      if (!state) continue;
      for (const change of agentStatusChanges(state, this.#backend)) this.#emit(change);
      this.#emit({ kind: 'status', session: id });
    }
  }
}
