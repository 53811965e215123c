/**
 * The tamper-evident audit log: one JSON entry per line (`<stateDir>/audit.jsonl`), each
 * carrying the hash of the one before it, so an edited, deleted, reordered or truncated line
 * breaks the chain at a line `verify` can name. Tool parameters are stored as digests only.
 *
 * fsync policy: with `fsync: 'always'` (the default) every append is fdatasync'ed before its
 * promise resolves, so an acknowledged entry survives power loss; 'never' leaves flushing to
 * the OS (a crash may lose the last entries, never corrupt earlier ones). A crash mid-append
 * leaves a torn last line: `open` detects it, saves the torn bytes to `audit.torn-<ts>-<pid>`,
 * truncates them, and records a `recovery` entry, so the chain goes on verifiably.
 *
 * Anchor: given `anchorKey` (the hub's audit key, derived from the state key), the log keeps
 * `audit.anchor` (see audit-anchor.ts) signing its head, so cutting off the last entries, or
 * editing a line and recomputing the chain after it, is detected too. An anchor write (temp
 * file, two fsyncs, rename) costs several times an append, so it runs beside the appends, never
 * in their way, at most once per `anchorDelayMs` (default 50 ms: a burst shares one), and
 * always at open, `flushAnchor` and close. `append` resolves once its entry is durable; a crash
 * before the next anchor leaves the log ahead of the anchor, which verifies. An anchor
 * that does not match at open (entries removed, log rewritten, anchor forged, deleted) is
 * reported in `warnings`, kept aside (`audit.anchor.rejected-<ts>-<pid>`) and recorded in the
 * log itself as a `recovery` entry with outcome `anchor_<what>` before the log is re-anchored,
 * so restarting the hub never erases the evidence.
 *
 * One writer per file (the hub owning the state dir); readers may run any time.
 */
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { HubError, ErrorCodes } from '../errors.js';
import type { Logger } from '../log.js';
import { canonicalJson, digestOf, sha256Hex } from './canonical-json.js';
import { ensurePrivateDir, fsyncDir } from './durable-file.js';
import {
  ANCHOR_FILE,
  anchorCheckOk,
  checkAnchor,
  describeAnchorCheck,
  readAnchorText,
  removeStaleAnchorTemps,
  writeAnchor,
  type AnchorCheck,
  type ChainHead,
  type LogView,
} from './audit-anchor.js';

export const AUDIT_FILE = 'audit.jsonl';
export const GENESIS_HASH = '0'.repeat(64);

/** What happened: a tool call, an agent's state change, a delivery, a session change, … */
export type AuditKind = 'tool_call' | 'agent_state' | 'delivery' | 'session' | 'recovery' | 'hub';

const entrySchema = z.strictObject({
  seq: z.number().int().positive(),
  ts: z.string().min(1),
  prev: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  kind: z.string().regex(/^[a-z_]{1,40}$/),
  actor: z.string().min(1),
  session: z.string().exactOptional(),
  agent: z.string().exactOptional(),
  tool: z.string().exactOptional(),
  paramsDigest: z.string().exactOptional(),
  outcome: z.string().min(1),
  detail: z.string().exactOptional(),
});

export type AuditEntry = z.infer<typeof entrySchema>;

export interface AuditAppend {
  readonly kind: AuditKind;
  /** Who: `mcp:<client id>`, `cli`, `agent:<name>`, `person`, `hub`. */
  readonly actor: string;
  readonly session?: string;
  readonly agent?: string;
  readonly tool?: string;
  /** Digested (sha256 of canonical JSON); never written as such. */
  readonly params?: unknown;
  /** `ok`, `error:<CODE>`, `delivered`, `queued`, … */
  readonly outcome: string;
  /** Short, non-secret words; never message text. */
  readonly detail?: string;
}

/** Longest a lazy append (a read-only tool call) waits for others to share its write (ms). */
export const LAZY_APPEND_MS = 20;

interface PendingAppend {
  readonly input: AuditAppend;
  /** When it was appended: the entry's timestamp. */
  readonly at: Date;
  readonly resolve: (entry: AuditEntry) => void;
  readonly reject: (error: unknown) => void;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** Entries (lines) that verified before the first problem. */
  readonly entries: number;
  readonly brokenAt?: { readonly line: number; readonly reason: string };
  /** The chain head after the last verified entry. */
  readonly head: { readonly seq: number; readonly hash: string };
}

export interface AuditFilter {
  readonly session?: string;
  readonly agent?: string;
  /** ISO time or Date: entries at or after it. */
  readonly since?: string | Date;
}

export interface AuditLogOptions {
  readonly dir: string;
  readonly logger: Logger;
  readonly fsync?: 'always' | 'never';
  /** Clock for timestamps (tests). */
  readonly now?: () => Date;
  /** The audit key (`deriveAuditKey(stateKey)`): keeps `audit.anchor`. Without it, no anchor is read or written. */
  readonly anchorKey?: Buffer | null;
  /** Longest the anchor lags the log while appends go on (ms); close and `flushAnchor` anchor at once. */
  readonly anchorDelayMs?: number;
  /** Longest a lazy append waits for company (ms). Default LAZY_APPEND_MS. */
  readonly lazyWindowMs?: number;
}

export const DEFAULT_ANCHOR_DELAY_MS = 50;

/** Outcome prefix of the `recovery` entries that record an anchor problem found at open. */
export const ANCHOR_INCIDENT_PREFIX = 'anchor_';

export interface AuditTrailReport {
  readonly logPath: string;
  readonly anchorPath: string;
  readonly chain: VerifyResult;
  readonly anchor: AnchorCheck;
  /** `recovery` entries recording anchor problems the hub found (and re-anchored past) at a start. */
  readonly incidents: readonly AuditEntry[];
}

export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(entry.prev + canonicalJson(entry));
}

/** Checks a whole log text; pure. The first problem wins and names its 1-based line. */
export function verifyText(text: string): VerifyResult {
  let head = { seq: 0, hash: GENESIS_HASH };
  if (text === '') return { ok: true, entries: 0, head };
  const lines = text.split('\n');
  const torn = lines[lines.length - 1] !== '';
  if (!torn) lines.pop();
  for (let index = 0; index < lines.length; index += 1) {
    const lineNo = index + 1;
    const line = lines[index] ?? '';
    const broken = (reason: string): VerifyResult => ({ ok: false, entries: index, brokenAt: { line: lineNo, reason }, head });
    if (torn && index === lines.length - 1) return broken('torn last line: an append was interrupted (no newline at end of file)');
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return broken('not valid JSON (line edited or damaged)');
    }
    const result = entrySchema.safeParse(parsed);
    if (!result.success) return broken(`not an audit entry: ${result.error.issues[0]?.path.join('.') ?? ''} ${result.error.issues[0]?.message ?? ''}`.trim());
    const entry = result.data;
    if (canonicalJson(entry) !== line) return broken('not in canonical form (line edited)');
    const { hash, ...body } = entry;
    if (entryHash(body) !== hash) return broken('hash does not match the entry (line edited)');
    if (entry.prev !== head.hash) {
      return broken(
        index === 0
          ? 'first entry does not start the chain (lines deleted at the start)'
          : `prev does not match line ${lineNo - 1} (a line was deleted, inserted or reordered)`,
      );
    }
    if (entry.seq !== head.seq + 1) return broken(`seq ${entry.seq} where ${head.seq + 1} was expected (a line was deleted or reordered)`);
    head = { seq: entry.seq, hash: entry.hash };
  }
  return { ok: true, entries: lines.length, head };
}

/** Every line that parses as an entry (whatever the chain says), filtered. */
export function parseEntries(text: string, filter: AuditFilter = {}): AuditEntry[] {
  const since = filter.since === undefined ? null : new Date(filter.since).getTime();
  const out: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    const result = entrySchema.safeParse(parsed);
    if (!result.success) continue;
    const entry = result.data;
    if (filter.session !== undefined && entry.session !== filter.session) continue;
    if (filter.agent !== undefined && entry.agent !== filter.agent) continue;
    if (since !== null && new Date(entry.ts).getTime() < since) continue;
    out.push(entry);
  }
  return out;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new HubError(ErrorCodes.IO_ERROR, `Could not read the audit log ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Read-only check of a log file (for `claude-hub audit verify`); never repairs. */
export async function verifyAuditFile(path: string): Promise<VerifyResult> {
  return verifyText(await readText(path));
}

/** The log as the anchor check sees it: the last entry's seq and each seq's hash. Pure. */
export function logViewOf(entries: readonly AuditEntry[]): LogView {
  const hashes = new Map<number, string>([[0, GENESIS_HASH]]);
  for (const entry of entries) hashes.set(entry.seq, entry.hash);
  return { lastSeq: entries[entries.length - 1]?.seq ?? 0, hashAt: (seq) => hashes.get(seq) };
}

/**
 * Read-only check of the chain and, given the audit key, of the anchor (`claude-hub audit
 * verify`); without a key, `unchecked` says why. The anchor is read before the log: a hub
 * appending meanwhile only moves the log ahead of it, never behind.
 */
export async function verifyAuditTrail(dir: string, key: { readonly auditKey: Buffer } | { readonly unchecked: string }): Promise<AuditTrailReport> {
  const logPath = join(dir, AUDIT_FILE);
  const anchorPath = join(dir, ANCHOR_FILE);
  const anchorText = 'auditKey' in key ? await readAnchorText(anchorPath) : null;
  const text = await readText(logPath);
  const entries = parseEntries(text);
  return {
    logPath,
    anchorPath,
    chain: verifyText(text),
    anchor: 'auditKey' in key ? checkAnchor(anchorText, logViewOf(entries), key.auditKey) : { state: 'unchecked', reason: key.unchecked },
    incidents: entries.filter((e) => e.kind === 'recovery' && e.outcome.startsWith(ANCHOR_INCIDENT_PREFIX)),
  };
}

export async function readAuditFile(path: string, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  return parseEntries(await readText(path), filter);
}

/** A torn last line `open` cut off: where it was, how long, and where its bytes were kept. */
interface TornRepair {
  readonly line: number;
  readonly bytes: number;
  readonly savedTo: string;
}

/** An anchor that did not match the log at open, and where its text was kept (null: there was none). */
interface AnchorIncident {
  readonly check: AnchorCheck;
  readonly savedTo: string | null;
}

/** Where open keeps evidence it moves aside: `<dir>/<prefix>-<time>-<pid>` (unique per process and moment). */
function asidePath(dir: string, prefix: string): string {
  return join(dir, `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
}

/**
 * A crash mid-append leaves a last line without its newline: save its bytes aside, truncate them
 * (synced), and go on from the last whole line, so the chain can continue verifiably.
 */
async function repairTornLine(
  options: AuditLogOptions,
  path: string,
  text: string,
): Promise<{ readonly text: string; readonly repaired: TornRepair | null; readonly warning?: HubError }> {
  if (text === '' || text.endsWith('\n')) return { text, repaired: null };
  const cut = text.lastIndexOf('\n') + 1;
  const whole = text.slice(0, cut);
  const bytes = Buffer.byteLength(text.slice(cut), 'utf8');
  const savedTo = asidePath(options.dir, 'audit.torn');
  await writeFile(savedTo, text.slice(cut), { mode: 0o600 });
  const line = whole.split('\n').length;
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(Buffer.byteLength(whole, 'utf8'));
    await handle.sync();
  } finally {
    await handle.close();
  }
  const warning = new HubError(
    ErrorCodes.AUDIT_BROKEN,
    `The audit log ${path} ended in a torn line ${line} (${bytes} bytes, an interrupted append); it was saved to ${savedTo} and removed.`,
    { data: { line, bytes, savedTo } },
  );
  options.logger.warn(warning.message);
  return { text: whole, repaired: { line, bytes, savedTo }, warning };
}

/**
 * Where appends go on: the verified head, or past a broken chain the last entry that parses
 * (appending continues so the hub keeps auditing; the break stays for `verify` to name).
 */
function headAtOpen(options: AuditLogOptions, path: string, text: string): { readonly head: ChainHead; readonly warning?: HubError } {
  const verified = verifyText(text);
  if (verified.ok || !verified.brokenAt) return { head: verified.head };
  const warning = new HubError(
    ErrorCodes.AUDIT_BROKEN,
    `The audit log ${path} is broken at line ${verified.brokenAt.line}: ${verified.brokenAt.reason}. Appending continues; keep the file for inspection.`,
    { data: { ...verified.brokenAt } },
  );
  options.logger.error(warning.message);
  const entries = parseEntries(text);
  const last = entries[entries.length - 1];
  return { head: last ? { seq: last.seq, hash: last.hash } : verified.head, warning };
}

/** How open compared the anchor, and the incident to record when it did not match. */
interface AnchorAtOpen {
  readonly check: AnchorCheck;
  readonly incident: AnchorIncident | null;
  readonly warning?: HubError;
}

const UNANCHORED: AnchorAtOpen = { check: { state: 'unchecked', reason: 'the audit log was opened without the audit key' }, incident: null };

/**
 * Before anything is appended (each append re-anchors): compare the anchor with the log, and
 * keep a mismatching anchor aside, so re-anchoring never erases the evidence.
 */
async function compareAnchorAtOpen(options: AuditLogOptions, path: string, text: string, anchorText: string | null, anchorKey: Buffer): Promise<AnchorAtOpen> {
  const check = checkAnchor(anchorText, logViewOf(parseEntries(text)), anchorKey);
  if (anchorCheckOk(check)) {
    if (check.state === 'ahead') options.logger.info(`audit log: ${describeAnchorCheck(check)}`);
    return { check, incident: null };
  }
  const savedTo = anchorText === null ? null : asidePath(options.dir, `${ANCHOR_FILE}.rejected`);
  if (savedTo !== null) await writeFile(savedTo, anchorText ?? '', { mode: 0o600 });
  const warning = new HubError(
    ErrorCodes.AUDIT_BROKEN,
    `The audit log ${path} does not match its anchor: ${describeAnchorCheck(check)}.` +
      `${savedTo ? ` The anchor was saved to ${savedTo};` : ''} this is recorded in the log, which is anchored again from here.`,
    { data: { anchor: check, ...(savedTo ? { savedTo } : {}) } },
  );
  options.logger.error(warning.message);
  return { check, incident: { check, savedTo }, warning };
}

export class AuditLog {
  readonly path: string;
  /** AUDIT_BROKEN reports found at open (a broken chain, a repaired torn line, an anchor that does not match). */
  readonly warnings: readonly HubError[];
  /** How the anchor compared with the log at open (`unchecked` without an anchor key). */
  readonly anchorAtOpen: AnchorCheck;
  readonly #logger: Logger;
  readonly #anchorKey: Buffer | null;
  readonly #anchorPath: string;
  readonly #anchorDelayMs: number;
  /** The head the anchor file signs now; null when it must be (re)written. */
  #anchored: ChainHead | null;
  /** Anchor writes, one at a time (an older head must never land after a newer one). */
  #anchorTail: Promise<unknown> = Promise.resolve();
  #anchorTimer: NodeJS.Timeout | null = null;
  readonly #fsync: boolean;
  readonly #now: () => Date;
  #head: { seq: number; hash: string };
  #handle: import('node:fs/promises').FileHandle;
  #tail: Promise<unknown> = Promise.resolve();
  /** Appends waiting for the next group commit (null: none; the next append starts one). */
  #nextBatch: PendingAppend[] | null = null;
  /** A write of nextBatch is chained on tail and has not started yet. */
  #batchQueued = false;
  /** Set while only lazy appends wait. */
  #lazyTimer: NodeJS.Timeout | null = null;
  readonly #lazyWindowMs: number;

  private constructor(
    path: string,
    handle: import('node:fs/promises').FileHandle,
    head: { seq: number; hash: string },
    options: AuditLogOptions,
    warnings: HubError[],
    anchor: { readonly atOpen: AnchorCheck; readonly current: boolean },
  ) {
    this.path = path;
    this.#anchorKey = options.anchorKey ?? null;
    this.#anchorPath = join(options.dir, ANCHOR_FILE);
    this.anchorAtOpen = anchor.atOpen;
    this.#anchorDelayMs = options.anchorDelayMs ?? DEFAULT_ANCHOR_DELAY_MS;
    this.#lazyWindowMs = options.lazyWindowMs ?? LAZY_APPEND_MS;
    this.#anchored = anchor.current ? { ...head } : null;
    this.#handle = handle;
    this.#head = head;
    this.#logger = options.logger;
    this.#fsync = (options.fsync ?? 'always') === 'always';
    this.#now = options.now ?? (() => new Date());
    this.warnings = warnings;
  }

  /**
   * Opens (creating) the log for appending: repairs a torn last line, finds the head even past a
   * broken chain, compares the anchor, records what it found, and anchors the head. Problems are
   * `warnings`, never a refusal: the hub keeps auditing, and the evidence is kept aside.
   */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    await ensurePrivateDir(options.dir);
    const path = join(options.dir, AUDIT_FILE);
    const anchorKey = options.anchorKey ?? null;
    // The anchor before the log, as verifyAuditTrail does: the log may only be found ahead of it.
    const anchorText = anchorKey ? await readAnchorText(join(options.dir, ANCHOR_FILE)) : null;
    if (anchorKey) await removeStaleAnchorTemps(options.dir);
    const torn = await repairTornLine(options, path, await readText(path));
    const head = headAtOpen(options, path, torn.text);
    const anchor = anchorKey ? await compareAnchorAtOpen(options, path, torn.text, anchorText, anchorKey) : UNANCHORED;
    const warnings = [torn.warning, head.warning, anchor.warning].filter((w): w is HubError => w !== undefined);
    const handle = await open(path, 'a', 0o600);
    await fsyncDir(options.dir);
    const current = anchorText !== null && anchor.check.state === 'match';
    const log = new AuditLog(path, handle, head.head, options, warnings, { atOpen: anchor.check, current });
    await log.#recordOpenRecoveries(torn.repaired, anchor.incident);
    await log.flushAnchor();
    return log;
  }

  /** What open repaired or found wrong goes in the chain itself, so the evidence survives the restart. */
  async #recordOpenRecoveries(repaired: TornRepair | null, incident: AnchorIncident | null): Promise<void> {
    if (repaired) {
      await this.append({
        kind: 'recovery',
        actor: 'hub',
        outcome: 'repaired',
        detail: `torn line ${repaired.line} (${repaired.bytes} bytes) from an interrupted append was removed and saved to ${repaired.savedTo}`,
      });
    }
    if (incident) {
      await this.append({
        kind: 'recovery',
        actor: 'hub',
        outcome: `${ANCHOR_INCIDENT_PREFIX}${incident.check.state.replace(/-/g, '_')}`,
        detail: `${describeAnchorCheck(incident.check)}${incident.savedTo ? `; the anchor was saved to ${incident.savedTo}` : ''}`,
      });
    }
  }

  /** The last entry's seq and hash (e.g. to anchor the chain elsewhere). */
  getHead(): { readonly seq: number; readonly hash: string } {
    return { ...this.#head };
  }

  /**
   * Appends one entry; each is durable (see fsync policy) when its promise resolves. Appends
   * that arrive while a write is under way are group-committed: one write(2) and one fdatasync
   * for all of them, in call order, so a burst costs one sync instead of one each.
   *
   * `lazy`: the caller does not wait for the entry (a read-only tool call): it may wait up to
   * LAZY_APPEND_MS for company, so a stream of reads costs one write and one sync per interval,
   * not one each. Its timestamp is taken now; any other append, `verify`, `read` and `close`
   * flush it at once, so the log order is always the call order.
   */
  append(input: AuditAppend, options: { readonly lazy?: boolean } = {}): Promise<AuditEntry> {
    return new Promise<AuditEntry>((resolve, reject) => {
      (this.#nextBatch ??= []).push({ input, at: this.#now(), resolve, reject });
      if (!options.lazy) this.#startBatch();
      else if (this.#lazyTimer === null && !this.#batchQueued) {
        this.#lazyTimer = setTimeout(() => this.#startBatch(), this.#lazyWindowMs);
        this.#lazyTimer.unref();
      }
    });
  }

  /** Queues a write of everything waiting (once: a queued write takes what joins before it starts). */
  #startBatch(): void {
    if (this.#lazyTimer !== null) {
      clearTimeout(this.#lazyTimer);
      this.#lazyTimer = null;
    }
    if (this.#batchQueued || this.#nextBatch === null) return;
    this.#batchQueued = true;
    const run = async (): Promise<void> => {
      this.#batchQueued = false;
      const batch = this.#nextBatch ?? [];
      this.#nextBatch = null;
      if (batch.length === 0) return;
      await this.#writeBatch(batch);
      this.#scheduleAnchor();
    };
    this.#tail = this.#tail.then(run, run).catch((error: unknown) => {
      this.#logger.error('audit append failed', { error: error instanceof Error ? error.message : String(error) });
    });
  }

  /** Everything appended so far, lazy entries included, is written (or failed). */
  #settled(): Promise<unknown> {
    this.#startBatch();
    return this.#tail;
  }

  async #writeBatch(batch: readonly PendingAppend[]): Promise<void> {
    let head = this.#head;
    const accepted: { entry: AuditEntry; resolve: (entry: AuditEntry) => void; reject: (error: unknown) => void }[] = [];
    for (const { input, at, resolve, reject } of batch) {
      try {
        const entry = this.#entryAfter(head, input, at);
        accepted.push({ entry, resolve, reject });
        head = { seq: entry.seq, hash: entry.hash };
      } catch (error) {
        reject(error); // an invalid entry fails alone; the chain goes on from the last good one
      }
    }
    if (accepted.length === 0) return;
    try {
      // One write(2) of whole lines on an O_APPEND descriptor: lines never interleave.
      await this.#handle.write(accepted.map(({ entry }) => canonicalJson(entry) + '\n').join(''));
      if (this.#fsync) await this.#handle.datasync();
    } catch (error) {
      for (const { reject } of accepted) reject(error);
      throw error;
    }
    this.#head = head;
    for (const { entry, resolve } of accepted) resolve(entry);
  }

  #entryAfter(head: { readonly seq: number; readonly hash: string }, input: AuditAppend, at: Date): AuditEntry {
    const body: Omit<AuditEntry, 'hash'> = {
      seq: head.seq + 1,
      ts: at.toISOString(),
      prev: head.hash,
      kind: input.kind,
      actor: input.actor,
      ...(input.session !== undefined ? { session: input.session } : {}),
      ...(input.agent !== undefined ? { agent: input.agent } : {}),
      ...(input.tool !== undefined ? { tool: input.tool } : {}),
      ...(input.params !== undefined ? { paramsDigest: digestOf(input.params) } : {}),
      outcome: input.outcome,
      ...(input.detail !== undefined ? { detail: input.detail } : {}),
    };
    const checked = entrySchema.safeParse({ ...body, hash: entryHash(body) });
    if (!checked.success) {
      throw new HubError(
        ErrorCodes.INVALID_ARGUMENT,
        `Not a valid audit entry: ${checked.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    }
    return checked.data;
  }

  /** Throttled: the first append after an anchor starts the timer, later ones ride along. */
  #scheduleAnchor(): void {
    if (this.#anchorKey === null || this.#anchorTimer !== null) return;
    this.#anchorTimer = setTimeout(() => {
      this.#anchorTimer = null;
      this.#queueAnchor().catch((error: unknown) => {
        this.#logger.error('audit anchor write failed', { error: error instanceof Error ? error.message : String(error) });
      });
    }, this.#anchorDelayMs);
    // A process ending without close leaves the anchor lagging, which is valid: don't hold it open.
    this.#anchorTimer.unref();
  }

  #queueAnchor(): Promise<void> {
    const result = this.#anchorTail.then(() => this.#anchorHead());
    this.#anchorTail = result.catch(() => undefined);
    return result;
  }

  async #anchorHead(): Promise<void> {
    if (this.#anchorKey === null) return;
    const head = { ...this.#head };
    if (this.#anchored?.seq === head.seq && this.#anchored.hash === head.hash) return;
    await writeAnchor(this.#anchorPath, head, this.#anchorKey);
    this.#anchored = head;
  }

  /** Waits for queued appends, then makes sure the anchor signs the head (no-op without a key). */
  async flushAnchor(): Promise<void> {
    await this.#settled();
    if (this.#anchorTimer !== null) {
      clearTimeout(this.#anchorTimer);
      this.#anchorTimer = null;
    }
    await this.#queueAnchor();
  }

  verify(): Promise<VerifyResult> {
    return this.#settled().then(() => verifyAuditFile(this.path));
  }

  read(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    return this.#settled().then(() => readAuditFile(this.path, filter));
  }

  /** Waits for queued appends and anchors the head (a failed anchor write is logged, not thrown). */
  async close(): Promise<void> {
    try {
      await this.flushAnchor();
    } catch (error) {
      this.#logger.error('audit anchor write failed at close', { error: error instanceof Error ? error.message : String(error) });
    } finally {
      await this.#handle.close();
    }
  }
}
