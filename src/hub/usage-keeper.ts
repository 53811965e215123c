/**
 * Keeps each session's usage in the state store (issue 14): the ledger and the transcript
 * cursors are saved TOGETHER, so a restarted hub reads every transcript on from exactly where
 * the saved totals stop (no message lost, none counted twice). Saving is debounced (one write
 * per `everyMs` at most, never per transcript line: the state file is encrypted and written
 * durably) and done once more at close. A crash loses at most the last `everyMs` of counting,
 * which the next hub counts again from the older cursor.
 */
import { toHubError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../store/state-store.js';
import type { SessionUsageRecord } from '../store/state-schema.js';
import type { LiveIndex } from './index.js';

export const USAGE_SAVE_MS = 2000;

export class UsageKeeper {
  readonly #index: LiveIndex;
  readonly #store: StateStore;
  readonly #logger: Logger;
  readonly #everyMs: number;
  readonly #dirty = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #saving: Promise<void> = Promise.resolve();
  readonly #off: () => void;

  constructor(deps: { index: LiveIndex; store: StateStore; logger: Logger; everyMs?: number }) {
    this.#index = deps.index;
    this.#store = deps.store;
    this.#logger = deps.logger;
    this.#everyMs = deps.everyMs ?? USAGE_SAVE_MS;
    this.#off = deps.index.onChange((change) => {
      if (change.kind !== 'usage') return;
      this.#dirty.add(change.session);
      this.#timer ??= setTimeout(() => void this.save(), this.#everyMs).unref();
    });
  }

  /** Saves every session whose usage moved since the last save. */
  save(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const sessions = [...this.#dirty];
    this.#dirty.clear();
    if (sessions.length === 0) return this.#saving;
    const seeds = new Map<string, SessionUsageRecord>();
    for (const id of sessions) {
      try {
        seeds.set(id, this.#index.usageSeed(id) as SessionUsageRecord);
      } catch {
        // the session was deleted meanwhile
      }
    }
    this.#saving = this.#saving
      .then(() =>
        this.#store.update((draft) => {
          const known = new Set(draft.sessions.map((s) => s.id));
          for (const [id, seed] of seeds) if (known.has(id)) draft.usage[id] = seed;
        }),
      )
      .then(
        () => undefined,
        (error: unknown) => this.#logger.error('could not save usage', { error: toHubError(error).message }),
      );
    return this.#saving;
  }

  async close(): Promise<void> {
    this.#off();
    await this.save();
  }
}
