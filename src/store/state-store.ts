/**
 * The hub's persisted state: one encrypted file (`<dir>/state`) plus the last good copy
 * (`<dir>/state.prev`). Every change is serialised and written durably before `update`
 * resolves; a damaged file is moved aside (`state.corrupt-<ts>`), reported, and the last good
 * copy is used instead. A wrong key is an error, never a reason to discard anything.
 */
import { chmod, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HubError, ErrorCodes, toHubError } from '../errors.js';
import type { Exec } from '../exec.js';
import type { Logger } from '../log.js';
import { ensurePrivateDir, fsyncDir, removeStaleTemps, replaceFileDurably, tempPrefix } from './durable-file.js';
import { open as openEnvelope, seal } from './state-crypto.js';
import { deriveAuditKey, resolveKey, type KeySource, type ResolvedKey } from './state-key.js';
import { emptyState, hubStateSchema, parseState, type HubState } from './state-schema.js';

export const STATE_FILE = 'state';
export const PREVIOUS_FILE = 'state.prev';

export interface StateStoreOptions {
  readonly dir: string;
  readonly key?: KeySource;
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
  /** Only for the macOS keychain (`security`). */
  readonly exec?: Exec;
  /**
   * Load without writing anything (for CLI commands next to a running hub): no recovery
   * writes, nothing moved aside, no key file created; `update` is refused.
   */
  readonly readOnly?: boolean;
}

// biome-ignore lint/suspicious/noConfusingVoidType: a mutator either edits the draft in place (returns nothing) or returns a new state
export type StateMutator = (draft: HubState) => HubState | void;

/** Recursively frozen: snapshots handed out can never be changed behind the store's back. */
export type Frozen<T> = T extends readonly (infer U)[] ? readonly Frozen<U>[] : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

export interface LoadReport {
  /** Where the loaded state came from. */
  readonly source: 'state' | 'previous' | 'empty';
  readonly migratedFrom: number | null;
  /** STATE_CORRUPT reports about files that were unusable and moved aside. */
  readonly warnings: readonly HubError[];
  readonly movedAside: readonly string[];
}

export class StateStore {
  readonly dir: string;
  /** null only for a read-only store over a state dir with no state yet (no key was needed). */
  readonly keyInfo: Omit<ResolvedKey, 'key'> | null;
  /** The audit log's anchor key, derived from the state key (never the key itself); null when keyInfo is. */
  readonly auditKey: Buffer | null;
  readonly report: LoadReport;
  readonly #key: Buffer | null;
  #current: Frozen<HubState>;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #readOnly: boolean;

  private constructor(dir: string, key: ResolvedKey | null, state: HubState, report: LoadReport, readOnly: boolean) {
    this.dir = dir;
    this.#readOnly = readOnly;
    this.#key = key?.key ?? null;
    this.keyInfo = key ? { id: key.id, origin: key.origin, where: key.where } : null;
    this.auditKey = key ? deriveAuditKey(key.key) : null;
    this.#current = deepFreeze(state);
    this.report = report;
  }

  /** Loads (decrypts, validates, migrates) the state, recovering from a damaged file. */
  static async open(options: StateStoreOptions): Promise<StateStore> {
    const { dir, logger } = options;
    const readOnly = options.readOnly ?? false;
    if (!readOnly) {
      await ensurePrivateDir(dir);
      await tightenDir(dir, logger);
      // Temp files of writes a crash interrupted (the state file's, and its previous copy's).
      await removeStaleTemps(dir, [tempPrefix(STATE_FILE), `${PREVIOUS_FILE}.tmp-`]);
    }
    if (readOnly && !(await exists(join(dir, STATE_FILE))) && !(await exists(join(dir, PREVIOUS_FILE)))) {
      return new StateStore(dir, null, emptyState(), { source: 'empty', migratedFrom: null, warnings: [], movedAside: [] }, true);
    }
    const key = await resolveKey({
      dir,
      ...(options.key ? { source: options.key } : readOnly ? { source: { kind: 'auto', create: false } as const } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.exec ? { exec: options.exec } : {}),
      logger,
    });
    const loaded = await loadWithRecovery(dir, key.key, logger, readOnly);
    const store = new StateStore(dir, key, loaded.state, loaded.report, readOnly);
    // Re-establish a healthy primary file when it was missing, damaged or migrated.
    if (!readOnly && (loaded.report.source === 'previous' || loaded.report.migratedFrom !== null)) await store.#persist(loaded.state);
    logger.info('state loaded', {
      dir,
      source: loaded.report.source,
      keyOrigin: key.origin,
      keyId: key.id,
      sessions: loaded.state.sessions.length,
      agents: loaded.state.agents.length,
      queued: loaded.state.queue.length,
    });
    return store;
  }

  get warnings(): readonly HubError[] {
    return this.report.warnings;
  }

  /** The current state: a frozen snapshot, safe to keep. */
  get(): Frozen<HubState> {
    return this.#current;
  }

  /**
   * Applies `mutator` to a private copy of the state and persists the result. Calls run one
   * at a time in call order; the promise resolves once the new state is durable on disk. If
   * the mutator throws, or the result is invalid, or the write fails, nothing changes.
   */
  update(mutator: StateMutator): Promise<Frozen<HubState>> {
    const run = async (): Promise<Frozen<HubState>> => {
      if (this.#closed) throw new HubError(ErrorCodes.INTERNAL, 'The state store is closed.');
      if (this.#readOnly) throw new HubError(ErrorCodes.INTERNAL, 'This state store was opened read-only.');
      const draft = structuredClone(this.#current) as HubState;
      const next = mutator(draft) ?? draft;
      const valid = hubStateSchema.safeParse(next);
      if (!valid.success) {
        throw new HubError(ErrorCodes.INTERNAL, `A state change was refused because it breaks the schema: ${valid.error.issues[0]?.message ?? 'invalid'}`, {
          data: { issues: valid.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
        });
      }
      await this.#persist(valid.data);
      this.#current = deepFreeze(valid.data);
      return this.#current;
    };
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Waits for pending updates; later updates are refused. */
  async close(): Promise<void> {
    await this.#tail;
    this.#closed = true;
  }

  async #persist(state: HubState): Promise<void> {
    if (this.#key === null) throw new HubError(ErrorCodes.INTERNAL, 'This state store was opened read-only.');
    const envelope = seal(Buffer.from(JSON.stringify(state), 'utf8'), this.#key);
    try {
      await replaceFileDurably(join(this.dir, STATE_FILE), envelope, { keepPrevious: join(this.dir, PREVIOUS_FILE) });
    } catch (error) {
      throw new HubError(ErrorCodes.IO_ERROR, `Could not write the state file in ${this.dir}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function tightenDir(dir: string, logger: Logger): Promise<void> {
  const info = await stat(dir);
  if ((info.mode & 0o077) !== 0 && info.uid === process.getuid?.()) {
    await chmod(dir, 0o700);
    logger.warn('state dir was readable by others; set to 0700', { dir, was: (info.mode & 0o777).toString(8) });
  }
}

type Attempt = { kind: 'missing' } | { kind: 'ok'; state: HubState; migratedFrom: number | null } | { kind: 'bad'; error: HubError };

async function tryLoad(path: string, key: Buffer, label: string): Promise<Attempt> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'bad', error: new HubError(ErrorCodes.STATE_CORRUPT, `${label} (${path}) cannot be read: ${(error as Error).message}`, { cause: error }) };
  }
  try {
    const plaintext = openEnvelope(bytes, key, `${label} (${path})`);
    let json: unknown;
    try {
      json = JSON.parse(plaintext.toString('utf8'));
    } catch (error) {
      throw new HubError(ErrorCodes.STATE_CORRUPT, `${label} (${path}) decrypts but is not JSON.`, { cause: error });
    }
    const parsed = parseState(json);
    return { kind: 'ok', state: parsed.state, migratedFrom: parsed.migratedFrom };
  } catch (error) {
    const hubError = toHubError(error, ErrorCodes.STATE_CORRUPT);
    // A wrong key is not damage: stop here and leave every file exactly where it is.
    if (hubError.code === ErrorCodes.STATE_KEY) throw hubError;
    return {
      kind: 'bad',
      error: new HubError(ErrorCodes.STATE_CORRUPT, hubError.message.startsWith(label) ? hubError.message : `${label} (${path}): ${hubError.message}`, {
        cause: hubError,
        data: { path },
      }),
    };
  }
}

async function moveAside(dir: string, file: string): Promise<string> {
  const aside = join(dir, `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  await rename(join(dir, file), aside);
  await fsyncDir(dir);
  return aside;
}

async function loadWithRecovery(dir: string, key: Buffer, logger: Logger, readOnly: boolean): Promise<{ state: HubState; report: LoadReport }> {
  const setAside = async (file: string): Promise<string> => (readOnly ? join(dir, file) : moveAside(dir, file));
  const primary = await tryLoad(join(dir, STATE_FILE), key, 'The state file');
  if (primary.kind === 'ok') {
    return { state: primary.state, report: { source: 'state', migratedFrom: primary.migratedFrom, warnings: [], movedAside: [] } };
  }
  const warnings: HubError[] = [];
  const movedAside: string[] = [];
  if (primary.kind === 'bad') {
    const aside = await setAside(STATE_FILE);
    if (!readOnly) movedAside.push(aside);
    const warning = new HubError(
      ErrorCodes.STATE_CORRUPT,
      `${primary.error.message} ${readOnly ? 'Left in place (read-only)' : `It was moved to ${aside}`}; using the last good copy.`,
      {
        data: { movedTo: aside },
        cause: primary.error,
      },
    );
    warnings.push(warning);
    logger.error(warning.message, { code: warning.code });
  }
  const previous = await tryLoad(join(dir, PREVIOUS_FILE), key, 'The previous state file');
  if (previous.kind === 'ok') {
    if (primary.kind === 'missing') logger.warn('state file missing; using the previous copy (a write was interrupted)', { dir });
    return { state: previous.state, report: { source: 'previous', migratedFrom: previous.migratedFrom, warnings, movedAside } };
  }
  if (previous.kind === 'bad') {
    const aside = await setAside(PREVIOUS_FILE);
    if (!readOnly) movedAside.push(aside);
    const warning = new HubError(
      ErrorCodes.STATE_CORRUPT,
      `${previous.error.message} ${readOnly ? 'Left in place (read-only)' : `It was moved to ${aside}`}. Starting with an empty state.`,
      {
        data: { movedTo: aside },
        cause: previous.error,
      },
    );
    warnings.push(warning);
    logger.error(warning.message, { code: warning.code });
  }
  return { state: emptyState(), report: { source: 'empty', migratedFrom: null, warnings, movedAside } };
}

function deepFreeze<T>(value: T): Frozen<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value as Frozen<T>;
}
