/**
 * The board's live feed: turns the hub's changes into board events for every open page. A
 * change marks its session dirty; dirty sessions are rebuilt from the index once per tick
 * (the index already sends one change per burst) and sent as one `session` event each, with a
 * new board version. What the index does not hold is polled only while a page is open: each
 * living agent's last screen lines and each session's audit-ref head (then its timeline).
 * Each event is serialised once, whatever the number of pages.
 */
import type { HubChange } from '../hub/api.js';
import type { SessionInfo, SessionStatus } from '../hub/types.js';
import type { Logger } from '../log.js';
import { boardSession, SCREEN_LINES, screenTail } from './snapshot.js';
import { readTimeline, timelineHead } from './timeline.js';
import type { BoardEvent, BoardSession, TimelineEntry } from './types.js';

/** What the board reads from the hub: the index's sessions and statuses, its changes, and a look at a screen. */
export interface BoardSource {
  sessions(): readonly SessionInfo[];
  sessionStatus(sessionId: string): SessionStatus;
  onChange(listener: (change: HubChange) => void): () => void;
  /** The agent's screen, unaudited (what read_agent_output reads; the board polls it). */
  peekScreen(agent: string, lines: number): Promise<{ readonly alive: boolean; readonly text: string }>;
}

export interface FeedOptions {
  readonly source: BoardSource;
  readonly logger: Logger;
  /** How often screens and timelines are polled while a page is open (default 1500 ms). */
  readonly pollMs?: number;
}

/** One event and its JSON (made once). */
export interface FeedItem {
  readonly event: BoardEvent;
  readonly json: string;
}

export type FeedListener = (item: FeedItem) => void;

export class BoardFeed {
  readonly #source: BoardSource;
  readonly #logger: Logger;
  readonly #pollMs: number;
  readonly #listeners = new Set<FeedListener>();
  readonly #dirty = new Set<string>();
  readonly #known = new Set<string>();
  readonly #screens = new Map<string, Map<string, readonly string[]>>();
  readonly #timelines = new Map<string, { head: string | null; entries: readonly TimelineEntry[] }>();
  readonly #off: () => void;
  #version = 1;
  #allDirty = false;
  #scheduled = false;
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;
  #closed = false;

  constructor(options: FeedOptions) {
    this.#source = options.source;
    this.#logger = options.logger;
    this.#pollMs = options.pollMs ?? 1500;
    for (const s of this.#source.sessions()) this.#known.add(s.id);
    this.#off = this.#source.onChange((change) => this.#onChange(change));
  }

  get version(): number {
    return this.#version;
  }

  /** The whole board now. */
  board(): { version: number; sessions: BoardSession[] } {
    return { version: this.#version, sessions: this.#source.sessions().map((s) => this.#session(s.id)) };
  }

  /** Listens to every event from now on; the first listener starts the polls, the last one stops them. */
  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#startPolling();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stopPolling();
    };
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  /** One poll of screens and timelines now (the timer does this while pages are open); resolves when it is sent. */
  async poll(): Promise<void> {
    this.#polling ??= this.#pollOnce().finally(() => {
      this.#polling = null;
    });
    await this.#polling;
  }

  close(): void {
    this.#closed = true;
    this.#off();
    this.#stopPolling();
    this.#listeners.clear();
  }

  #session(id: string): BoardSession {
    return boardSession(this.#source.sessionStatus(id), {
      screens: this.#screens.get(id) ?? new Map(),
      timeline: this.#timelines.get(id)?.entries ?? [],
    });
  }

  #onChange(change: HubChange): void {
    if (change.kind === 'sessions') this.#allDirty = true;
    else this.#dirty.add(change.session);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#closed) return;
    const ids = new Set(this.#source.sessions().map((s) => s.id));
    if (this.#allDirty) {
      this.#allDirty = false;
      this.#dirty.clear();
      this.#known.clear();
      for (const id of ids) this.#known.add(id);
      for (const id of [...this.#screens.keys()]) if (!ids.has(id)) this.#screens.delete(id);
      for (const id of [...this.#timelines.keys()]) if (!ids.has(id)) this.#timelines.delete(id);
      this.#version += 1;
      this.#send({ kind: 'board', version: this.#version, sessions: [...ids].map((id) => this.#session(id)) });
      return;
    }
    for (const id of this.#dirty) {
      this.#version += 1;
      if (ids.has(id)) this.#send({ kind: 'session', version: this.#version, session: this.#session(id) });
      else this.#send({ kind: 'gone', version: this.#version, id });
    }
    this.#dirty.clear();
  }

  #send(event: BoardEvent): void {
    if (this.#listeners.size === 0) return;
    const item = { event, json: JSON.stringify(event) };
    for (const listener of this.#listeners) {
      try {
        listener(item);
      } catch (error) {
        this.#logger.warn('board listener failed', { error: String(error) });
      }
    }
  }

  #startPolling(): void {
    if (this.#timer !== null || this.#closed) return;
    void this.poll();
    this.#timer = setInterval(() => void this.poll(), this.#pollMs);
    this.#timer.unref();
  }

  #stopPolling(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Reads what changed on screens and audit refs; a changed session is sent at the next flush. */
  async #pollOnce(): Promise<void> {
    for (const info of this.#source.sessions()) {
      if (this.#closed) return;
      let changed = false;
      const status = this.#source.sessionStatus(info.id);
      const screens = this.#screens.get(info.id) ?? new Map<string, readonly string[]>();
      this.#screens.set(info.id, screens);
      for (const agent of status.agents) {
        if (agent.status === 'exited' && !screens.has(agent.name)) continue;
        const lines = await this.#source
          .peekScreen(agent.name, SCREEN_LINES * 3)
          .then((screen) => (screen.alive ? screenTail(screen.text) : []))
          .catch(() => null);
        if (lines === null) continue;
        if (!sameLines(screens.get(agent.name), lines)) {
          screens.set(agent.name, lines);
          changed = true;
        }
      }
      const head = await timelineHead(info.root);
      const known = this.#timelines.get(info.id);
      if (known === undefined || known.head !== head) {
        const entries = head === null ? [] : await readTimeline(info.root);
        this.#timelines.set(info.id, { head, entries });
        changed ||= entries.length > 0 || (known?.entries.length ?? 0) > 0;
      }
      if (changed) this.#dirty.add(info.id);
    }
    this.#flush();
  }
}

function sameLines(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((line, i) => line === b[i]);
}
