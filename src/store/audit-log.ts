/**
 * The tamper-evident audit log: one JSON entry per line (`<stateDir>/audit.jsonl`), each
 * carrying the hash of the one before it, so an edited, deleted, reordered or truncated line
 * breaks the chain at a line `verify` can name. Tool parameters are stored as digests only.
 *
 * fsync policy: with `fsync: 'always'` (the default) every append is fdatasync'ed before its
 * promise resolves, so an acknowledged entry survives power loss; 'never' leaves flushing to
 * the OS (a crash may lose the last entries, never corrupt earlier ones). A crash mid-append
 * leaves a torn last line: `open` detects it, saves the torn bytes to `audit.torn-<ts>`,
 * truncates them, and records a `recovery` entry, so the chain goes on verifiably.
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
      return broken(index === 0 ? 'first entry does not start the chain (lines deleted at the start)' : `prev does not match line ${lineNo - 1} (a line was deleted, inserted or reordered)`);
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

export async function readAuditFile(path: string, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  return parseEntries(await readText(path), filter);
}

export class AuditLog {
  readonly path: string;
  /** AUDIT_BROKEN reports found at open (a broken chain, a repaired torn line). */
  readonly warnings: readonly HubError[];
  private readonly logger: Logger;
  private readonly fsync: boolean;
  private readonly now: () => Date;
  private head: { seq: number; hash: string };
  private handle: import('node:fs/promises').FileHandle;
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(path: string, handle: import('node:fs/promises').FileHandle, head: { seq: number; hash: string }, options: AuditLogOptions, warnings: HubError[]) {
    this.path = path;
    this.handle = handle;
    this.head = head;
    this.logger = options.logger;
    this.fsync = (options.fsync ?? 'always') === 'always';
    this.now = options.now ?? (() => new Date());
    this.warnings = warnings;
  }

  static async open(options: AuditLogOptions): Promise<AuditLog> {
    await ensurePrivateDir(options.dir);
    const path = join(options.dir, AUDIT_FILE);
    const warnings: HubError[] = [];
    let text = await readText(path);
    let repairedTorn: { line: number; bytes: number; savedTo: string } | null = null;
    if (text !== '' && !text.endsWith('\n')) {
      const cut = text.lastIndexOf('\n') + 1;
      const tornBytes = Buffer.byteLength(text.slice(cut), 'utf8');
      const savedTo = join(options.dir, `audit.torn-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
      await writeFile(savedTo, text.slice(cut), { mode: 0o600 });
      const line = text.slice(0, cut).split('\n').length;
      const handle = await open(path, 'r+');
      try {
        await handle.truncate(Buffer.byteLength(text.slice(0, cut), 'utf8'));
        await handle.sync();
      } finally {
        await handle.close();
      }
      text = text.slice(0, cut);
      repairedTorn = { line, bytes: tornBytes, savedTo };
      const warning = new HubError(
        ErrorCodes.AUDIT_BROKEN,
        `The audit log ${path} ended in a torn line ${line} (${tornBytes} bytes, an interrupted append); it was saved to ${savedTo} and removed.`,
        { data: { line, bytes: tornBytes, savedTo } },
      );
      warnings.push(warning);
      options.logger.warn(warning.message);
    }
    const verified = verifyText(text);
    let head = verified.head;
    if (!verified.ok && verified.brokenAt) {
      const warning = new HubError(
        ErrorCodes.AUDIT_BROKEN,
        `The audit log ${path} is broken at line ${verified.brokenAt.line}: ${verified.brokenAt.reason}. Appending continues; keep the file for inspection.`,
        { data: { ...verified.brokenAt } },
      );
      warnings.push(warning);
      options.logger.error(warning.message);
      const entries = parseEntries(text);
      const last = entries[entries.length - 1];
      if (last) head = { seq: last.seq, hash: last.hash };
    }
    const handle = await open(path, 'a', 0o600);
    await fsyncDir(options.dir);
    const log = new AuditLog(path, handle, head, options, warnings);
    if (repairedTorn) {
      await log.append({
        kind: 'recovery',
        actor: 'hub',
        outcome: 'repaired',
        detail: `torn line ${repairedTorn.line} (${repairedTorn.bytes} bytes) from an interrupted append was removed and saved to ${repairedTorn.savedTo}`,
      });
    }
    return log;
  }

  /** The last entry's seq and hash (e.g. to anchor the chain elsewhere). */
  getHead(): { readonly seq: number; readonly hash: string } {
    return { ...this.head };
  }

  /** Appends one entry; calls are serialised, each one durable (see fsync policy) on resolve. */
  append(input: AuditAppend): Promise<AuditEntry> {
    const run = async (): Promise<AuditEntry> => {
      const body: Omit<AuditEntry, 'hash'> = {
        seq: this.head.seq + 1,
        ts: this.now().toISOString(),
        prev: this.head.hash,
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
        throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Not a valid audit entry: ${checked.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
      }
      const entry = checked.data;
      // One write(2) of the whole line on an O_APPEND descriptor: lines never interleave.
      await this.handle.write(canonicalJson(entry) + '\n');
      if (this.fsync) await this.handle.datasync();
      this.head = { seq: entry.seq, hash: entry.hash };
      return entry;
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch((error: unknown) => {
      this.logger.error('audit append failed', { error: error instanceof Error ? error.message : String(error) });
    });
    return result;
  }

  verify(): Promise<VerifyResult> {
    return this.tail.then(() => verifyAuditFile(this.path));
  }

  read(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    return this.tail.then(() => readAuditFile(this.path, filter));
  }

  async close(): Promise<void> {
    await this.tail;
    await this.handle.close();
  }
}
