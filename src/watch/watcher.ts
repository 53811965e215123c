/**
 * One watcher for many sessions: per session a chokidar watcher on the root (filtered down to
 * `TODO.md` and `.claude-hub/tasks/TASK-*.md`) and on the session's hook event dir (`*.jsonl`).
 * Protocol files are settled by content (see settle.ts) and reported once per distinct content;
 * hook files are only announced (the index tails them by byte offset). A periodic stat-only
 * rescan repairs events the OS never delivered. Errors are emitted, never thrown from handlers.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FSWatcher, type ChokidarOptions } from 'chokidar';
import { Emitter, type Disposer } from '../emitter.js';
import { HubError, ErrorCodes, toHubError } from '../errors.js';
import { classifyPath, sessionPaths, type SessionPaths } from './layout.js';
import { normaliseWatcherOptions, type NormalisedWatcherOptions, type WatcherOptions } from './options.js';
import { OwnWrites, type OwnWriteMark } from './own-writes.js';
import { readSettled } from './settle.js';
import { sleep } from '../sleep.js';

export const WATCH_EVENTS = Object.freeze({ file: 'file', hooks: 'hooks', error: 'error' } as const);

/** Why a file was (re)read. `initial`: the session was just added; `reflect`: the hub asked. */
export type SettleCause = 'event' | 'rescan' | 'initial' | 'reflect';

export interface ProtocolFileChange {
  readonly session: string;
  readonly kind: 'todo' | 'task';
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the session root, with `/` separators. */
  readonly relPath: string;
  /** The settled text; null when the file is gone. */
  readonly text: string | null;
  readonly hash: string | null;
  /** Set when this exact content was announced by the hub through `expectOwnWrite`. */
  readonly own: OwnWriteMark | null;
  readonly cause: SettleCause;
}

export interface HookFileChange {
  readonly session: string;
  readonly agent: string;
  readonly path: string;
  readonly removed: boolean;
  readonly cause: SettleCause;
}

export interface WatchError {
  readonly session: string | null;
  readonly path: string | null;
  readonly error: HubError;
}

export type WatcherEventMap = {
  file: [ProtocolFileChange];
  hooks: [HookFileChange];
  /** Recoverable: the watcher goes on (a file too large, unreadable, a watch that failed). */
  error: [WatchError];
};

/** The part of chokidar the watcher uses, so a test can put a lossy one in between. */
export interface FsWatcherLike {
  onAll(listener: (event: string, path: string) => void): void;
  onError(listener: (error: unknown) => void): void;
  ready(): Promise<void>;
  close(): Promise<void>;
}

export type FsWatcherFactory = (paths: readonly string[], options: ChokidarOptions) => FsWatcherLike;

export const chokidarFactory: FsWatcherFactory = (paths, options) => {
  const watcher = new FSWatcher(options);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  watcher.add([...paths]);
  return {
    onAll: (listener) => void watcher.on('all', (event, path) => listener(event, path)),
    onError: (listener) => void watcher.on('error', listener),
    ready: () => ready,
    close: () => watcher.close(),
  };
};

export interface WatchSessionSpec {
  readonly id: string;
  readonly root: string;
  /** `<stateDir>/events/<id>`; null: no hook events for this session. Must exist if given. */
  readonly eventsDir: string | null;
}

interface WatchedSession {
  readonly id: string;
  readonly paths: SessionPaths;
  readonly fs: FsWatcherLike;
}

interface Known {
  readonly size: number;
  readonly mtimeMs: number;
  readonly hash: string | null;
}

interface Trailing {
  timer: NodeJS.Timeout | undefined;
  check: () => Promise<void>;
  readonly done: Promise<void>;
  readonly resolve: () => void;
}

interface Pending {
  dirty: boolean;
  cause: SettleCause;
  readonly done: Promise<void>;
}

export class HubWatcher {
  readonly options: NormalisedWatcherOptions;
  readonly #events: Emitter<WatcherEventMap>;
  readonly #factory: FsWatcherFactory;
  readonly #sessions = new Map<string, WatchedSession>();
  readonly #known = new Map<string, Known>();
  readonly #hookStats = new Map<string, Known>();
  readonly #pending = new Map<string, Pending>();
  readonly #ownWrites: OwnWrites;
  readonly #timer: NodeJS.Timeout | null;
  /** Pending trailing checks per path (see WatcherOptions.trailingCheckMs). */
  readonly #trailing = new Map<string, Trailing>();
  #closed = false;
  #rescanning: Promise<void> | null = null;

  constructor(options: WatcherOptions = {}, factory: FsWatcherFactory = chokidarFactory) {
    this.options = normaliseWatcherOptions(options);
    this.#events = new Emitter({ name: 'watcher', logger: this.options.logger });
    this.#factory = factory;
    this.#ownWrites = new OwnWrites(this.options.ownWriteTtlMs);
    this.#timer = this.options.rescanIntervalMs > 0 ? setInterval(() => void this.rescan(), this.options.rescanIntervalMs).unref() : null;
  }

  /** Subscribes to settled protocol files, hook file announcements or recoverable errors. */
  on<K extends keyof WatcherEventMap>(event: K, listener: (...args: WatcherEventMap[K]) => void): Disposer {
    return this.#events.on(event, listener);
  }

  /**
   * Starts watching a session and reads its current files (each reported with cause `initial`).
   * Resolves once the native watches are in place and the initial state is reported.
   */
  async add(spec: WatchSessionSpec): Promise<void> {
    if (this.#closed) throw new HubError(ErrorCodes.INTERNAL, 'The watcher is closed.');
    if (this.#sessions.has(spec.id)) {
      throw new HubError(ErrorCodes.ALREADY_EXISTS, `Session ${spec.id} is already watched.`, { data: { session: spec.id } });
    }
    const paths = sessionPaths(spec.root, spec.eventsDir);
    const watched = [paths.root, ...(paths.eventsDir === null ? [] : [paths.eventsDir])];
    const fs = this.#factory(watched, {
      ignoreInitial: true,
      depth: 2,
      ignored: (path: string) => classifyPath(paths, path).role === 'other',
    });
    const session: WatchedSession = { id: spec.id, paths, fs };
    this.#sessions.set(spec.id, session);
    fs.onAll((event, path) => this.#onFsEvent(session, event, path));
    fs.onError((error) => this.#emitError(session.id, null, error));
    await fs.ready();
    await this.#scanSession(session, 'initial');
  }

  async remove(sessionId: string): Promise<void> {
    const session = this.#sessions.get(sessionId);
    if (!session) return;
    this.#sessions.delete(sessionId);
    await session.fs.close();
    for (const path of [...this.#trailing.keys()]) if (this.#belongs(session.paths, path)) this.#cancelTrailing(path);
    for (const map of [this.#known, this.#hookStats]) {
      for (const path of [...map.keys()]) if (this.#belongs(session.paths, path)) map.delete(path);
    }
    this.#ownWrites.forgetUnder(session.paths.root);
  }

  has(sessionId: string): boolean {
    return this.#sessions.has(sessionId);
  }

  /**
   * The hub is about to write `hash` to `path` (pass this as P's `beforeWrite`). When the
   * watcher settles that content it reports it with `own` set; `routed: true` tells routing the
   * hub nudges the agent itself for this write.
   */
  expectOwnWrite(path: string, hash: string, mark: OwnWriteMark = { routed: false }): void {
    this.#ownWrites.expect(path, hash, mark);
  }

  /** Reads `path` now (whether or not an event came) and resolves once its content is reported. */
  reflect(path: string): Promise<void> {
    for (const session of this.#sessions.values()) {
      const role = classifyPath(session.paths, path).role;
      if (role === 'todo' || role === 'task') return this.#schedule(session, path, 'reflect');
    }
    return Promise.reject(new HubError(ErrorCodes.INVALID_PATH, `${path} is not a TODO.md or task file of a watched session.`, { data: { path } }));
  }

  /** Stat-only pass over every session: anything whose size or mtime moved is settled again. */
  rescan(): Promise<void> {
    if (this.#rescanning) return this.#rescanning;
    this.#rescanning = (async () => {
      try {
        for (const session of [...this.#sessions.values()]) await this.#scanSession(session, 'rescan');
      } finally {
        this.#rescanning = null;
      }
    })();
    return this.#rescanning;
  }

  /** Resolves when no file is being settled (work that arrives meanwhile is waited for too). */
  async whenIdle(): Promise<void> {
    while (this.#pending.size > 0 || this.#rescanning || this.#trailing.size > 0) {
      await Promise.all([...[...this.#pending.values()].map((p) => p.done), ...[...this.#trailing.values()].map((t) => t.done), this.#rescanning]);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const path of [...this.#trailing.keys()]) this.#cancelTrailing(path);
    const sessions = [...this.#sessions.keys()];
    await Promise.all(sessions.map((id) => this.remove(id)));
    await this.whenIdle().catch(() => undefined);
    this.#events.clear();
  }

  #belongs(paths: SessionPaths, path: string): boolean {
    return path.startsWith(paths.root + '/') || (paths.eventsDir !== null && path.startsWith(paths.eventsDir + '/'));
  }

  #onFsEvent(session: WatchedSession, event: string, path: string): void {
    if (this.#sessions.get(session.id) !== session) return;
    const role = classifyPath(session.paths, path);
    if (role.role === 'todo' || role.role === 'task') {
      void this.#schedule(session, path, 'event');
      this.#armTrailing(session, path, async () => {
        const now = await this.#statOf(path);
        const known = this.#known.get(path);
        const moved = now === null ? known !== undefined : known === undefined || known.size !== now.size || known.mtimeMs !== now.mtimeMs;
        if (moved) await this.#schedule(session, path, 'event');
      });
    } else if (role.role === 'hooks') {
      this.#hookEvent(session, role.agent, path, event === 'unlink', 'event');
      // The tail reads only new bytes: announcing again costs a stat when nothing was added.
      if (event !== 'unlink') this.#armTrailing(session, path, async () => this.#hookEvent(session, role.agent, path, false, 'event'));
    } else if (role.role === 'dir' && event === 'addDir' && path === session.paths.tasksDir) {
      // A tasks dir created (or restored) after the fact: pick up what is already in it.
      void this.#scanSession(session, 'event');
    }
  }

  /** (Re)starts the one trailing check of `path`: `check` runs once, `trailingCheckMs` after the last event. */
  #armTrailing(session: WatchedSession, path: string, check: () => Promise<void>): void {
    if (this.options.trailingCheckMs === 0 || this.#closed) return;
    let entry = this.#trailing.get(path);
    if (!entry) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      entry = { timer: undefined, check, done, resolve };
      this.#trailing.set(path, entry);
    }
    const armed = entry;
    armed.check = check;
    clearTimeout(armed.timer);
    armed.timer = setTimeout(() => {
      this.#trailing.delete(path);
      const run = this.#sessions.get(session.id) === session ? armed.check() : Promise.resolve();
      run.catch((error: unknown) => this.#emitError(session.id, path, error)).finally(armed.resolve);
    }, this.options.trailingCheckMs).unref();
  }

  #cancelTrailing(path: string): void {
    const entry = this.#trailing.get(path);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#trailing.delete(path);
    entry.resolve();
  }

  #hookEvent(session: WatchedSession, agent: string, path: string, removed: boolean, cause: SettleCause): void {
    if (removed) this.#hookStats.delete(path);
    this.#events.emit('hooks', { session: session.id, agent, path, removed, cause });
  }

  /** Coalesces events per path: one settle runs at a time, and one more if events came meanwhile. */
  #schedule(session: WatchedSession, path: string, cause: SettleCause): Promise<void> {
    const running = this.#pending.get(path);
    if (running) {
      running.dirty = true;
      if (cause === 'event') running.cause = 'event';
      return running.done;
    }
    let resolveDone!: () => void;
    const pending: Pending = { dirty: false, cause, done: new Promise<void>((r) => (resolveDone = r)) };
    this.#pending.set(path, pending);
    void (async () => {
      try {
        do {
          pending.dirty = false;
          await this.#settle(session, path, pending.cause);
        } while (pending.dirty && !this.#closed);
      } finally {
        this.#pending.delete(path);
        resolveDone();
      }
    })();
    return pending.done;
  }

  async #settle(session: WatchedSession, path: string, cause: SettleCause): Promise<void> {
    const role = classifyPath(session.paths, path);
    if (role.role !== 'todo' && role.role !== 'task') return;
    const settleOptions = { maxReads: this.options.maxSettleReads, absentGraceMs: this.options.absentGraceMs, maxBytes: this.options.maxFileBytes };
    const known = this.#known.get(path);
    let content;
    try {
      content = await readSettled(path, settleOptions);
      // A file that had content and now reads empty is most often a writer between its truncate
      // and its write, and a loaded machine can hold it there far longer than the settle grace:
      // believe an emptied file only when it still is a while later.
      if (content.text === '' && known !== undefined && known.size > 0 && this.options.emptiedGraceMs > 0) {
        await sleep(this.options.emptiedGraceMs);
        content = await readSettled(path, settleOptions);
        // Still empty, but the file changed again meanwhile (a writer is at work: the pending
        // settle is dirty): this read may be another truncate. Report nothing now; the settle
        // that follows reads it again.
        if (content.text === '' && this.#pending.get(path)?.dirty === true) return;
      }
    } catch (error) {
      this.#emitError(session.id, path, error);
      return;
    }
    if (this.#sessions.get(session.id) !== session) return;
    if (content.text === null) this.#known.delete(path);
    else this.#known.set(path, { size: content.size, mtimeMs: content.mtimeMs, hash: content.hash });
    if ((known?.hash ?? null) === content.hash) return;
    const own = content.text === null ? null : this.#ownWrites.take(path, content.text);
    const change: ProtocolFileChange = {
      session: session.id,
      kind: role.role,
      path,
      relPath: relative(session.paths.root, path).split('\\').join('/'),
      text: content.text,
      hash: content.hash,
      own,
      cause,
    };
    try {
      this.#events.emit('file', change);
    } catch (error) {
      this.#emitError(session.id, path, error);
    }
  }

  async #scanSession(session: WatchedSession, cause: SettleCause): Promise<void> {
    const { paths } = session;
    const candidates = new Set<string>([paths.todo]);
    for (const name of await this.#list(session, paths.tasksDir)) {
      const path = join(paths.tasksDir, name);
      if (classifyPath(paths, path).role === 'task') candidates.add(path);
    }
    for (const path of this.#known.keys()) if (this.#belongs(paths, path)) candidates.add(path);
    await Promise.all(
      [...candidates].map(async (path) => {
        const now = await this.#statOf(path);
        const known = this.#known.get(path);
        const moved = now === null ? known !== undefined : known === undefined || known.size !== now.size || known.mtimeMs !== now.mtimeMs;
        if (moved || cause === 'initial') await this.#schedule(session, path, cause);
      }),
    );
    if (paths.eventsDir === null) return;
    const hookPaths = new Set<string>();
    for (const name of await this.#list(session, paths.eventsDir)) hookPaths.add(join(paths.eventsDir, name));
    for (const path of this.#hookStats.keys()) if (path.startsWith(paths.eventsDir + '/')) hookPaths.add(path);
    for (const path of hookPaths) {
      const role = classifyPath(paths, path);
      if (role.role !== 'hooks') continue;
      const now = await this.#statOf(path);
      const known = this.#hookStats.get(path);
      if (now === null) {
        if (known) this.#hookEvent(session, role.agent, path, true, cause);
        continue;
      }
      this.#hookStats.set(path, { size: now.size, mtimeMs: now.mtimeMs, hash: null });
      if (cause === 'initial' || !known || known.size !== now.size || known.mtimeMs !== now.mtimeMs) {
        this.#hookEvent(session, role.agent, path, false, cause);
      }
    }
  }

  async #list(session: WatchedSession, dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.#emitError(session.id, dir, error);
      return [];
    }
  }

  async #statOf(path: string): Promise<{ size: number; mtimeMs: number } | null> {
    try {
      const st = await stat(path);
      return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : null;
    } catch {
      return null;
    }
  }

  #emitError(session: string | null, path: string | null, error: unknown): void {
    const hubError = toHubError(error, ErrorCodes.IO_ERROR);
    this.options.logger.warn('watch error', { session, path, code: hubError.code, message: hubError.message });
    this.#events.emit('error', { session, path, error: hubError });
  }
}
