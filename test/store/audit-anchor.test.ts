/**
 * The audit log's keyed anchor on real files: what the chain alone cannot see (the last lines
 * cut off; a line edited and every later hash recomputed) is caught through the anchor, a crash
 * between an append and its anchor is not an error, and the hub re-opening a log that does not
 * match its anchor records the evidence in the log instead of erasing it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import { AuditLog, verifyAuditTrail, type AuditTrailReport } from '../../src/store/audit-log.js';
import { ANCHOR_FILE, auditKeyId, checkAnchor, describeAnchorCheck, serializeAnchor, signAnchor } from '../../src/store/audit-anchor.js';
import { deriveAuditKey } from '../../src/store/state-key.js';
import { StateStore } from '../../src/store/state-store.js';
import { recomputeChain } from './audit-attacker.js';

let dir: string;
let auditKey: Buffer;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-anchor-'));
  // The key the hub would use: a real 0600 key file created by the state store.
  const store = await StateStore.open({ dir, logger: silentLogger, env: {}, platform: 'linux' });
  auditKey = store.auditKey ?? Buffer.alloc(0);
  await store.close();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const logFile = () => join(dir, 'audit.jsonl');
const anchorFile = () => join(dir, ANCHOR_FILE);

async function seed(n: number, key: Buffer | null = auditKey): Promise<void> {
  const log = await AuditLog.open({ dir, logger: silentLogger, anchorKey: key });
  for (let i = 1; i <= n; i += 1)
    await log.append({ kind: 'tool_call', actor: 'mcp:stdio', session: 's1', tool: 'send_message', params: { i }, outcome: 'ok', detail: `call ${i}` });
  await log.close();
}

async function logLines(): Promise<string[]> {
  return (await readFile(logFile(), 'utf8')).split('\n').slice(0, -1);
}

async function writeLines(lines: readonly string[]): Promise<void> {
  await writeFile(logFile(), lines.map((l) => `${l}\n`).join(''));
}

const trail = (key: Buffer = auditKey): Promise<AuditTrailReport> => verifyAuditTrail(dir, { auditKey: key });

describe('the anchor file', () => {
  it('signs the head after the appends, 0600, and a key derived from (not equal to) the state key', async () => {
    await seed(5);
    const anchor = JSON.parse(await readFile(anchorFile(), 'utf8')) as { seq: number; hash: string; keyId: string; mac: string; v: number };
    const last = JSON.parse((await logLines())[4] ?? '{}') as { seq: number; hash: string };
    expect({ seq: anchor.seq, hash: anchor.hash }).toEqual({ seq: 5, hash: last.hash });
    expect(anchor).toEqual(signAnchor({ seq: 5, hash: last.hash }, auditKey));
    expect((await stat(anchorFile())).mode & 0o777).toBe(0o600);
    const stateKey = Buffer.from((await readFile(join(dir, 'key'), 'utf8')).trim(), 'base64');
    expect(auditKey.equals(deriveAuditKey(stateKey))).toBe(true);
    expect(auditKey.equals(stateKey)).toBe(false);
    expect(auditKey).toHaveLength(32);
    expect(deriveAuditKey(randomBytes(32)).equals(auditKey)).toBe(false);
    expect(await trail()).toMatchObject({ chain: { ok: true, entries: 5 }, anchor: { state: 'match', seq: 5 }, incidents: [] });
    // No temp files left behind by the atomic replace.
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('a burst of concurrent appends ends anchored at the last entry', async () => {
    const log = await AuditLog.open({ dir, logger: silentLogger, anchorKey: auditKey });
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append({ kind: 'hub', actor: 'hub', outcome: 'ok', detail: String(i) })));
    await log.flushAnchor();
    expect((await trail()).anchor).toEqual({ state: 'match', seq: 200 });
    await log.close();
  });

  it('anchor writes never hold up appends: the anchor lags by at most the delay, and flush or close catches it up', async () => {
    const log = await AuditLog.open({ dir, logger: silentLogger, anchorKey: auditKey, anchorDelayMs: 3_600_000 });
    for (let i = 0; i < 5; i += 1) await log.append({ kind: 'hub', actor: 'hub', outcome: 'ok' });
    expect((await trail()).anchor).toEqual({ state: 'ahead', anchoredSeq: 0, logSeq: 5 });
    await log.flushAnchor();
    expect((await trail()).anchor).toEqual({ state: 'match', seq: 5 });
    await log.append({ kind: 'hub', actor: 'hub', outcome: 'ok' });
    await log.close();
    expect((await trail()).anchor).toEqual({ state: 'match', seq: 6 });
  });

  it('the throttle timer anchors on its own while the log stays open', async () => {
    const log = await AuditLog.open({ dir, logger: silentLogger, anchorKey: auditKey, anchorDelayMs: 1 });
    for (let i = 0; i < 3; i += 1) await log.append({ kind: 'hub', actor: 'hub', outcome: 'ok' });
    await vi.waitFor(async () => expect((await trail()).anchor).toEqual({ state: 'match', seq: 3 }), { timeout: 10_000, interval: 20 });
    await log.close();
  });

  it('an empty log opened with the key is anchored at entry 0, so deleting the whole log later shows', async () => {
    await seed(0);
    expect(JSON.parse(await readFile(anchorFile(), 'utf8'))).toMatchObject({ seq: 0, hash: '0'.repeat(64) });
    await seed(3);
    await writeFile(logFile(), '');
    const report = await trail();
    expect(report.anchor).toEqual({ state: 'truncated', anchoredSeq: 3, logSeq: 0 });
    expect(describeAnchorCheck(report.anchor)).toBe('the log is empty but was anchored at entry 3: the last 3 entries were removed');
  });
});

describe('what the chain alone misses, the anchor catches', () => {
  it('the last entry cut off', async () => {
    await seed(40);
    await writeLines((await logLines()).slice(0, 39));
    const report = await trail();
    expect(report.chain).toMatchObject({ ok: true, entries: 39 });
    expect(report.anchor).toEqual({ state: 'truncated', anchoredSeq: 40, logSeq: 39 });
    expect(describeAnchorCheck(report.anchor)).toBe('the log ends at entry 39 but was anchored at entry 40: the last entry was removed');
  });

  it('the last 15 entries cut off', async () => {
    await seed(40);
    await writeLines((await logLines()).slice(0, 25));
    const report = await trail();
    expect(report.chain).toMatchObject({ ok: true, entries: 25 });
    expect(describeAnchorCheck(report.anchor)).toBe('the log ends at entry 25 but was anchored at entry 40: the last 15 entries were removed');
  });

  it('a middle line edited and the whole chain recomputed after it', async () => {
    await seed(12);
    const forged = recomputeChain(await logLines(), 5, (entry) => ({ ...entry, outcome: 'error:FORBIDDEN', detail: 'never happened' }));
    await writeLines(forged);
    const report = await trail();
    expect(report.chain).toMatchObject({ ok: true, entries: 12 });
    expect(report.anchor).toEqual({ state: 'rewritten', seq: 12 });
    expect(describeAnchorCheck(report.anchor)).toMatch(
      /^entry 12 is not the entry that was anchored \(its hash differs\): the log up to entry 12 was rewritten/,
    );
  });

  it('the chain recomputed and then cut to before the anchor still shows as removed entries', async () => {
    await seed(12);
    await writeLines(recomputeChain(await logLines(), 2, (entry) => ({ ...entry, actor: 'person' })).slice(0, 10));
    expect((await trail()).anchor).toEqual({ state: 'truncated', anchoredSeq: 12, logSeq: 10 });
  });

  it('an attacker without the key cannot re-sign the anchor: a guessed key or a copied key id both fail', async () => {
    await seed(12);
    const forged = recomputeChain(await logLines(), 5, (entry) => ({ ...entry, detail: 'forged' }));
    await writeLines(forged);
    const newHead = JSON.parse(forged[11] ?? '{}') as { seq: number; hash: string };
    const guessed = randomBytes(32);
    await writeFile(anchorFile(), serializeAnchor(signAnchor(newHead, guessed)));
    const other = await trail();
    expect(other.anchor).toEqual({ state: 'other-key', anchorKeyId: auditKeyId(guessed), keyId: auditKeyId(auditKey) });
    expect(describeAnchorCheck(other.anchor)).toMatch(
      /^the anchor's signature does not match: it was signed with audit key [0-9a-f]{16} but your key gives [0-9a-f]{16} — the key changed/,
    );
    await writeFile(anchorFile(), serializeAnchor({ ...signAnchor(newHead, guessed), keyId: auditKeyId(auditKey) }));
    const forgedMac = await trail();
    expect(forgedMac.anchor).toEqual({ state: 'forged', keyId: auditKeyId(auditKey) });
    expect(describeAnchorCheck(forgedMac.anchor)).toMatch(/^the anchor's signature does not match: the anchor was forged or edited/);
  });

  it('an anchor edited by hand (seq lowered to match a cut log) fails its signature', async () => {
    await seed(10);
    const lines = (await logLines()).slice(0, 7);
    await writeLines(lines);
    const anchor = JSON.parse(await readFile(anchorFile(), 'utf8')) as Record<string, unknown>;
    await writeFile(anchorFile(), JSON.stringify({ ...anchor, seq: 7, hash: (JSON.parse(lines[6] ?? '{}') as { hash: string }).hash }));
    expect((await trail()).anchor.state).toBe('forged');
  });

  it('a damaged anchor file is reported as such', async () => {
    await seed(3);
    await writeFile(anchorFile(), '{"seq":3,');
    expect((await trail()).anchor).toEqual({ state: 'damaged', reason: 'not valid JSON' });
    await writeFile(anchorFile(), '{"seq":3}');
    expect((await trail()).anchor.state).toBe('damaged');
  });

  it('the anchor deleted is reported with the number of entries it no longer covers', async () => {
    await seed(6);
    await unlink(anchorFile());
    const report = await trail();
    expect(report.anchor).toEqual({ state: 'missing', logSeq: 6 });
    expect(describeAnchorCheck(report.anchor)).toMatch(
      /^there is no anchor but the log has 6 entries: the anchor file was deleted, or the log was written by a claude-hub that did not anchor it yet/,
    );
  });

  it('the wrong key is told apart from a forgery', async () => {
    await seed(4);
    const wrong = deriveAuditKey(randomBytes(32));
    expect((await trail(wrong)).anchor).toEqual({ state: 'other-key', anchorKeyId: auditKeyId(auditKey), keyId: auditKeyId(wrong) });
  });
});

describe('a crash between an append and its anchor', () => {
  it('leaves the log ahead of the anchor, which verifies with a note, and the next open catches up', async () => {
    await seed(10);
    // The append that the crash kept from being anchored: written by a log with no anchor key.
    await seed(1, null);
    const report = await trail();
    expect(report.chain).toMatchObject({ ok: true, entries: 11 });
    expect(report.anchor).toEqual({ state: 'ahead', anchoredSeq: 10, logSeq: 11 });
    expect(describeAnchorCheck(report.anchor)).toMatch(/^1 entry after the last anchor \(entry 10\): .*not an error$/);
    const log = await AuditLog.open({ dir, logger: silentLogger, anchorKey: auditKey });
    expect(log.warnings).toEqual([]);
    expect(log.anchorAtOpen).toEqual({ state: 'ahead', anchoredSeq: 10, logSeq: 11 });
    await log.close();
    expect((await trail()).anchor).toEqual({ state: 'match', seq: 11 });
  });

  it('with a torn last line too: the torn bytes are repaired and the anchor still only lags', async () => {
    await seed(4);
    await writeFile(logFile(), (await readFile(logFile(), 'utf8')) + '{"seq":5,"ts":"2026-');
    const log = await AuditLog.open({ dir, logger: silentLogger, anchorKey: auditKey });
    expect(log.warnings.map((w) => w.data?.line)).toEqual([5]);
    expect(log.anchorAtOpen).toEqual({ state: 'match', seq: 4 });
    await log.close();
    expect(await trail()).toMatchObject({ chain: { ok: true, entries: 5 }, anchor: { state: 'match', seq: 5 } });
  });
});

describe('the hub re-opening a log that does not match its anchor', () => {
  it('reports it, keeps the old anchor, records it in the log, and re-anchors past it', async () => {
    await seed(40);
    await writeLines((await logLines()).slice(0, 25));
    const oldAnchor = await readFile(anchorFile(), 'utf8');
    const log = await AuditLog.open({ dir, logger: silentLogger, anchorKey: auditKey });
    expect(log.warnings.map((w) => w.code)).toEqual(['AUDIT_BROKEN']);
    expect(log.warnings[0]?.message).toContain('the log ends at entry 25 but was anchored at entry 40: the last 15 entries were removed');
    const kept = (await readdir(dir)).filter((n) => n.startsWith(`${ANCHOR_FILE}.rejected-`));
    expect(kept).toHaveLength(1);
    expect(await readFile(join(dir, kept[0] ?? ''), 'utf8')).toBe(oldAnchor);
    await log.append({ kind: 'hub', actor: 'hub', outcome: 'ok' });
    await log.close();

    const report = await trail();
    expect(report).toMatchObject({ chain: { ok: true, entries: 27 }, anchor: { state: 'match', seq: 27 } });
    expect(report.incidents.map((e) => [e.seq, e.kind, e.outcome])).toEqual([[26, 'recovery', 'anchor_truncated']]);
    expect(report.incidents[0]?.detail).toMatch(
      /^the log ends at entry 25 but was anchored at entry 40: the last 15 entries were removed; the anchor was saved to /,
    );
  });

  it('a log from before anchoring (no anchor file) is anchored at the next start, and that is recorded', async () => {
    await seed(5, null);
    const log = await AuditLog.open({ dir, logger: silentLogger, anchorKey: auditKey });
    expect(log.anchorAtOpen).toEqual({ state: 'missing', logSeq: 5 });
    expect(log.warnings.map((w) => w.code)).toEqual(['AUDIT_BROKEN']);
    await log.close();
    const report = await trail();
    expect(report.anchor).toEqual({ state: 'match', seq: 6 });
    expect(report.incidents.map((e) => e.outcome)).toEqual(['anchor_missing']);
  });

  it('without the anchor key the log neither reads nor writes the anchor', async () => {
    await seed(3);
    const before = await readFile(anchorFile(), 'utf8');
    await writeLines((await logLines()).slice(0, 1));
    const log = await AuditLog.open({ dir, logger: silentLogger });
    expect(log.warnings).toEqual([]);
    expect(log.anchorAtOpen.state).toBe('unchecked');
    await log.append({ kind: 'hub', actor: 'hub', outcome: 'ok' });
    await log.close();
    expect(await readFile(anchorFile(), 'utf8')).toBe(before);
  });
});

describe('checkAnchor (pure)', () => {
  const view = (hashes: readonly string[]) => ({ lastSeq: hashes.length, hashAt: (seq: number) => (seq === 0 ? '0'.repeat(64) : hashes[seq - 1]) });
  const h = (c: string) => c.repeat(64);

  it('orders its verdicts: damage, key, signature, then the log', () => {
    const key = randomBytes(32);
    const anchor = serializeAnchor(signAnchor({ seq: 2, hash: h('b') }, key));
    expect(checkAnchor(anchor, view([h('a'), h('b')]), key)).toEqual({ state: 'match', seq: 2 });
    expect(checkAnchor(anchor, view([h('a'), h('b'), h('c')]), key)).toEqual({ state: 'ahead', anchoredSeq: 2, logSeq: 3 });
    expect(checkAnchor(anchor, view([h('a')]), key)).toEqual({ state: 'truncated', anchoredSeq: 2, logSeq: 1 });
    expect(checkAnchor(anchor, view([h('a'), h('c'), h('d')]), key)).toEqual({ state: 'rewritten', seq: 2 });
    expect(checkAnchor(null, view([]), key)).toEqual({ state: 'match', seq: 0 });
    expect(checkAnchor(null, view([h('a')]), key)).toEqual({ state: 'missing', logSeq: 1 });
    expect(checkAnchor('[]', view([h('a')]), key).state).toBe('damaged');
    expect(checkAnchor(anchor, view([h('a')]), randomBytes(32)).state).toBe('other-key');
  });
});
