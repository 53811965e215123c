/**
 * The audit log's keyed anchor (`<stateDir>/audit.anchor`): the last entry's `{seq, hash}`
 * signed with HMAC-SHA256 under the audit key (derived from the state key, see
 * `deriveAuditKey`). The hash chain alone cannot show that its last lines were cut off, nor
 * that a line was edited and every later hash recomputed; the anchor can, because writing a
 * matching one needs the key.
 *
 * The log is always written before its anchor, so the anchor may lag the log (a crash between
 * the two): that is valid. A log shorter than its anchor, another entry at the anchored seq,
 * or a signature that does not match is not.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { HubError, ErrorCodes } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import { removeStaleTemps, replaceFileDurably, tempPrefix } from './durable-file.js';

export const ANCHOR_FILE = 'audit.anchor';
const ANCHOR_VERSION = 1;

const anchorSchema = z.strictObject({
  v: z.literal(ANCHOR_VERSION),
  seq: z.number().int().nonnegative(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});

export type AuditAnchor = z.infer<typeof anchorSchema>;

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** What the log holds, as the anchor check needs it: its last seq and each entry's hash. */
export interface LogView {
  readonly lastSeq: number;
  /** The hash of the entry with this seq (seq 0: the genesis hash); undefined when absent. */
  hashAt(seq: number): string | undefined;
}

/** The outcome of comparing a log with its anchor; `describeAnchorCheck` puts it in words. */
export type AnchorCheck =
  | { readonly state: 'match'; readonly seq: number }
  /** The log goes on past the anchor: entries appended after the last anchor write. Valid. */
  | { readonly state: 'ahead'; readonly anchoredSeq: number; readonly logSeq: number }
  | { readonly state: 'truncated'; readonly anchoredSeq: number; readonly logSeq: number }
  | { readonly state: 'rewritten'; readonly seq: number }
  | { readonly state: 'forged'; readonly keyId: string }
  | { readonly state: 'other-key'; readonly anchorKeyId: string; readonly keyId: string }
  | { readonly state: 'missing'; readonly logSeq: number }
  | { readonly state: 'damaged'; readonly reason: string }
  | { readonly state: 'unchecked'; readonly reason: string };

/** True when the anchor raises no alarm (matching, lagging, not checked, or nothing to anchor). */
export function anchorCheckOk(check: AnchorCheck): boolean {
  return check.state === 'match' || check.state === 'ahead' || check.state === 'unchecked';
}

/** A fingerprint of the audit key (hex, 16 chars) so a wrong key is told apart from a forgery. */
export function auditKeyId(auditKey: Buffer): string {
  return createHash('sha256').update('claude-hub/audit-key/v1\0').update(auditKey).digest().subarray(0, 8).toString('hex');
}

function macOf(auditKey: Buffer, body: Omit<AuditAnchor, 'mac'>): string {
  return createHmac('sha256', auditKey).update(canonicalJson(body)).digest('hex');
}

export function signAnchor(head: ChainHead, auditKey: Buffer): AuditAnchor {
  const body = { v: ANCHOR_VERSION, seq: head.seq, hash: head.hash, keyId: auditKeyId(auditKey) } as const;
  return { ...body, mac: macOf(auditKey, body) };
}

export function serializeAnchor(anchor: AuditAnchor): string {
  return canonicalJson(anchor) + '\n';
}

/** Compares the log with the anchor file's text (null: no anchor file). Pure. */
export function checkAnchor(anchorText: string | null, log: LogView, auditKey: Buffer): AnchorCheck {
  if (anchorText === null) return log.lastSeq === 0 ? { state: 'match', seq: 0 } : { state: 'missing', logSeq: log.lastSeq };
  let json: unknown;
  try {
    json = JSON.parse(anchorText);
  } catch {
    return { state: 'damaged', reason: 'not valid JSON' };
  }
  const parsed = anchorSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { state: 'damaged', reason: `not an anchor: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim() };
  }
  const anchor = parsed.data;
  const keyId = auditKeyId(auditKey);
  if (anchor.keyId !== keyId) return { state: 'other-key', anchorKeyId: anchor.keyId, keyId };
  const { mac, ...body } = anchor;
  if (!timingSafeEqual(Buffer.from(mac, 'hex'), Buffer.from(macOf(auditKey, body), 'hex'))) return { state: 'forged', keyId };
  if (log.lastSeq < anchor.seq) return { state: 'truncated', anchoredSeq: anchor.seq, logSeq: log.lastSeq };
  if (log.hashAt(anchor.seq) !== anchor.hash) return { state: 'rewritten', seq: anchor.seq };
  return log.lastSeq === anchor.seq ? { state: 'match', seq: anchor.seq } : { state: 'ahead', anchoredSeq: anchor.seq, logSeq: log.lastSeq };
}

const entries = (n: number): string => (n === 1 ? '1 entry' : `${n} entries`);

/** Plain words for a check, e.g. for `claude-hub audit verify` and the recovery entry. Pure. */
export function describeAnchorCheck(check: AnchorCheck): string {
  switch (check.state) {
    case 'match':
      return check.seq === 0 ? 'the anchor matches (empty log)' : `the anchor matches entry ${check.seq}`;
    case 'ahead':
      return (
        `${entries(check.logSeq - check.anchoredSeq)} after the last anchor (entry ${check.anchoredSeq}): appended after the hub last ` +
        'anchored the log (a crash between an append and its anchor, or the hub is writing now); not an error'
      );
    case 'truncated': {
      const removed = check.anchoredSeq - check.logSeq;
      const ends = check.logSeq === 0 ? 'the log is empty' : `the log ends at entry ${check.logSeq}`;
      return `${ends} but was anchored at entry ${check.anchoredSeq}: ${removed === 1 ? 'the last entry was' : `the last ${removed} entries were`} removed`;
    }
    case 'rewritten':
      return (
        `entry ${check.seq} is not the entry that was anchored (its hash differs): the log up to entry ${check.seq} was rewritten ` +
        '(a line edited and the chain recomputed after it, or another log put in its place)'
      );
    case 'forged':
      return "the anchor's signature does not match: the anchor was forged or edited (it names the same key as yours)";
    case 'other-key':
      return (
        `the anchor's signature does not match: it was signed with audit key ${check.anchorKeyId} but your key gives ${check.keyId} — ` +
        'the key changed (set CLAUDE_HUB_KEY to the key the hub ran with) or the anchor was forged'
      );
    case 'missing':
      return (
        `there is no anchor but the log has ${entries(check.logSeq)}: the anchor file was deleted, or the log was written ` +
        'by a claude-hub that did not anchor it yet (the hub anchors it, and records that it did, at its next start)'
      );
    case 'damaged':
      return `the anchor file is damaged (${check.reason}): it was edited or corrupted`;
    case 'unchecked':
      return `the anchor was not checked: ${check.reason}`;
  }
}

/** The anchor file's text, or null when there is none. */
export async function readAnchorText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new HubError(ErrorCodes.IO_ERROR, `Could not read the audit anchor ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Replaces the anchor atomically (temp file, fsync, rename, fsync dir), mode 0600. */
export async function writeAnchor(path: string, head: ChainHead, auditKey: Buffer): Promise<void> {
  try {
    await replaceFileDurably(path, Buffer.from(serializeAnchor(signAnchor(head, auditKey)), 'utf8'), { mode: 0o600 });
  } catch (error) {
    throw new HubError(ErrorCodes.IO_ERROR, `Could not write the audit anchor ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Removes the temp files of anchor writes a crash interrupted (see removeStaleTemps). */
export async function removeStaleAnchorTemps(dir: string): Promise<void> {
  await removeStaleTemps(dir, [tempPrefix(ANCHOR_FILE)]);
}
