import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendFile, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import { HubError } from '../../src/errors.js';
import { AuditLog, verifyAuditFile, type AuditAppend } from '../../src/store/audit-log.js';
import { digestOf } from '../../src/store/canonical-json.js';

let dir: string;
let log: AuditLog | null;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-audit-'));
  log = null;
});
afterEach(async () => {
  await log?.close();
  await rm(dir, { recursive: true, force: true });
});

const file = () => join(dir, 'audit.jsonl');
const SECRET = 'the launch codes are 0000';

async function filled(n: number): Promise<AuditLog> {
  log = await AuditLog.open({ dir, logger: silentLogger });
  for (let i = 1; i <= n; i += 1) {
    const entry: AuditAppend =
      i % 3 === 0
        ? { kind: 'delivery', actor: 'hub', session: 's1', agent: `Agent_${i % 2}`, outcome: 'delivered', detail: `d-${i}` }
        : {
            kind: 'tool_call',
            actor: 'mcp:stdio',
            session: i % 2 ? 's1' : 's2',
            agent: `Agent_${i % 2}`,
            tool: 'send_message',
            params: { text: SECRET, i },
            outcome: 'ok',
          };
    await log.append(entry);
  }
  return log;
}

async function lines(): Promise<string[]> {
  return (await readFile(file(), 'utf8')).split('\n').slice(0, -1);
}

describe('AuditLog', () => {
  it('chains entries, digests parameters and never stores them raw', async () => {
    const audit = await filled(6);
    const text = await readFile(file(), 'utf8');
    expect(text).not.toContain(SECRET);
    const entries = await audit.read();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(entries[0]?.prev).toBe('0'.repeat(64));
    expect(entries[1]?.prev).toBe(entries[0]?.hash);
    expect(entries[0]?.paramsDigest).toBe(digestOf({ i: 1, text: SECRET }));
    expect(await audit.verify()).toEqual({ ok: true, entries: 6, head: { seq: 6, hash: entries[5]?.hash } });
  });

  it('serialises concurrent appends into one unbroken chain', async () => {
    log = await AuditLog.open({ dir, logger: silentLogger, fsync: 'never' });
    const current = log;
    await Promise.all(Array.from({ length: 100 }, (_, i) => current.append({ kind: 'hub', actor: 'hub', outcome: 'ok', detail: String(i) })));
    const result = await log.verify();
    expect(result.ok).toBe(true);
    expect(result.entries).toBe(100);
    expect((await log.read()).map((e) => e.detail)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  });

  it('group-commits a burst: one write and one fdatasync, call order kept, an invalid entry failing alone', async () => {
    log = await AuditLog.open({ dir, logger: silentLogger });
    const current = log;
    await current.append({ kind: 'hub', actor: 'hub', outcome: 'ok', detail: 'first' });
    const handle = await open(file(), 'r');
    const proto = Object.getPrototypeOf(handle) as { datasync: () => Promise<void>; write: (...args: unknown[]) => Promise<unknown> };
    await handle.close();
    const syncs = vi.spyOn(proto, 'datasync');
    const writes = vi.spyOn(proto, 'write');
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          current.append(i === 20 ? { kind: 'hub', actor: '', outcome: 'ok' } : { kind: 'hub', actor: 'hub', outcome: 'ok', detail: String(i) }),
        ),
      );
      expect(syncs).toHaveBeenCalledTimes(1);
      expect(writes).toHaveBeenCalledTimes(1);
      expect(results[20]).toMatchObject({ status: 'rejected', reason: { code: 'INVALID_ARGUMENT' } });
      const seqs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.seq] : []));
      expect(seqs).toEqual(Array.from({ length: 49 }, (_, i) => i + 2));
    } finally {
      syncs.mockRestore();
      writes.mockRestore();
    }
    expect((await log.verify()).entries).toBe(50);
    expect((await log.read()).map((e) => e.detail)).toEqual(['first', ...Array.from({ length: 50 }, (_, i) => String(i)).filter((d) => d !== '20')]);
  });

  it('lazy appends (reads) share one write and sync; an act, verify, read or close flushes them at once, in call order', async () => {
    // A window no machine outlasts: what is checked is that the act flushes the reads, not the
    // window's length (a loaded machine let a 20 ms window close between the reads and the act).
    log = await AuditLog.open({ dir, logger: silentLogger, lazyWindowMs: 600_000 });
    const current = log;
    await current.append({ kind: 'hub', actor: 'hub', outcome: 'ok', detail: 'start' });
    const handle = await open(file(), 'r');
    const proto = Object.getPrototypeOf(handle) as { datasync: () => Promise<void> };
    await handle.close();
    const syncs = vi.spyOn(proto, 'datasync');
    try {
      // Reads one after another, each awaited by nobody: none is written before the window ends.
      const reads: Promise<unknown>[] = [];
      for (let i = 0; i < 5; i++) {
        reads.push(current.append({ kind: 'tool_call', actor: 'mcp:stdio', tool: 'get_session_status', outcome: 'ok', detail: `read ${i}` }, { lazy: true }));
        await new Promise((r) => setImmediate(r));
      }
      expect(syncs).not.toHaveBeenCalled();
      expect(await lines()).toHaveLength(1);
      // An act flushes them first: one sync for all six, in call order.
      await current.append({ kind: 'tool_call', actor: 'mcp:stdio', tool: 'create_task', outcome: 'ok', detail: 'act' });
      await Promise.all(reads);
      expect(syncs).toHaveBeenCalledTimes(1);
      // Alone, a lazy append is written by the window's end (or by read()).
      const lone = current.append({ kind: 'tool_call', actor: 'mcp:stdio', tool: 'list_sessions', outcome: 'ok', detail: 'lone' }, { lazy: true });
      expect((await current.read()).at(-1)?.detail).toBe('lone');
      await lone;
    } finally {
      syncs.mockRestore();
    }
    const entries = await current.read();
    expect(entries.map((e) => e.detail)).toEqual(['start', 'read 0', 'read 1', 'read 2', 'read 3', 'read 4', 'act', 'lone']);
    // Timestamps are when each call was made, so they never go backwards.
    expect(entries.map((e) => e.ts)).toEqual([...entries.map((e) => e.ts)].sort());
    expect((await current.verify()).ok).toBe(true);
    // A lazy append left waiting at close is written too.
    void current.append({ kind: 'hub', actor: 'hub', outcome: 'ok', detail: 'at close' }, { lazy: true });
    await current.close();
    log = null;
    expect((await verifyAuditFile(file())).entries).toBe(9);
  });

  it('continues the chain across reopen', async () => {
    await (await filled(3)).close();
    log = await AuditLog.open({ dir, logger: silentLogger });
    expect(log.warnings).toEqual([]);
    await log.append({ kind: 'hub', actor: 'hub', outcome: 'ok' });
    expect(await log.verify()).toMatchObject({ ok: true, entries: 4 });
  });

  it('read filters by session, agent and since', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    log = await AuditLog.open({ dir, logger: silentLogger, now: () => new Date((clock += 60_000)) });
    await log.append({ kind: 'tool_call', actor: 'cli', session: 's1', agent: 'A', outcome: 'ok' });
    await log.append({ kind: 'tool_call', actor: 'cli', session: 's2', agent: 'A', outcome: 'ok' });
    await log.append({ kind: 'tool_call', actor: 'cli', session: 's1', agent: 'B', outcome: 'ok' });
    expect((await log.read({ session: 's1' })).map((e) => e.seq)).toEqual([1, 3]);
    expect((await log.read({ agent: 'A' })).map((e) => e.seq)).toEqual([1, 2]);
    expect((await log.read({ session: 's1', since: '2026-01-01T00:02:30Z' })).map((e) => e.seq)).toEqual([3]);
  });

  it('an invalid entry is refused with INVALID_ARGUMENT and nothing is written', async () => {
    const audit = await filled(2);
    const before = await readFile(file());
    const error = await audit.append({ kind: 'hub', actor: '', outcome: 'ok' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('INVALID_ARGUMENT');
    expect((await readFile(file())).equals(before)).toBe(true);
    await audit.append({ kind: 'hub', actor: 'hub', outcome: 'ok' });
    expect((await audit.verify()).ok).toBe(true);
  });
});

describe('verify names the first bad line', () => {
  async function tampered(edit: (lines: string[]) => string[]): Promise<{ line: number; reason: string } | undefined> {
    await (await filled(8)).close();
    log = null;
    await writeFile(file(), edit(await lines()).join('\n') + '\n');
    const result = await verifyAuditFile(file());
    expect(result.ok).toBe(false);
    return result.brokenAt;
  }

  it('an edited field (outcome changed) on line 5', async () => {
    const broken = await tampered((ls) => ls.map((l, i) => (i === 4 ? l.replace('"outcome":"ok"', '"outcome":"error"') : l)));
    expect(broken).toEqual({ line: 5, reason: 'hash does not match the entry (line edited)' });
  });

  it('an edit that recomputes the hash still breaks the next line', async () => {
    const { entryHash } = await import('../../src/store/audit-log.js');
    const { canonicalJson } = await import('../../src/store/canonical-json.js');
    const broken = await tampered((ls) =>
      ls.map((l, i) => {
        if (i !== 2) return l;
        const { hash: _old, ...body } = JSON.parse(l) as Record<string, unknown> & { hash: string };
        const forged = { ...body, detail: 'forged' };
        return canonicalJson({ ...forged, hash: entryHash(forged as never) });
      }),
    );
    expect(broken?.line).toBe(4);
    expect(broken?.reason).toMatch(/prev does not match line 3/);
  });

  it('a deleted line', async () => {
    expect((await tampered((ls) => ls.filter((_, i) => i !== 3)))?.line).toBe(4);
  });

  it('two lines swapped', async () => {
    const broken = await tampered((ls) => {
      const copy = [...ls];
      [copy[5], copy[6]] = [copy[6] as string, copy[5] as string];
      return copy;
    });
    expect(broken?.line).toBe(6);
  });

  it('the first line deleted', async () => {
    expect(await tampered((ls) => ls.slice(1))).toEqual({ line: 1, reason: 'first entry does not start the chain (lines deleted at the start)' });
  });

  it('whitespace added to a line', async () => {
    expect(await tampered((ls) => ls.map((l, i) => (i === 1 ? l.replace(',', ', ') : l)))).toEqual({ line: 2, reason: 'not in canonical form (line edited)' });
  });

  it('a line that is not JSON', async () => {
    expect((await tampered((ls) => ls.map((l, i) => (i === 6 ? l.slice(0, 30) : l))))?.line).toBe(7);
  });
});

describe('a torn last line (crash mid-append)', () => {
  it('is reported by verify, repaired by open, saved aside, and the chain goes on', async () => {
    await (await filled(4)).close();
    log = null;
    const good = await readFile(file(), 'utf8');
    await appendFile(file(), '{"seq":5,"ts":"2026-');
    expect((await verifyAuditFile(file())).brokenAt).toEqual({ line: 5, reason: 'torn last line: an append was interrupted (no newline at end of file)' });

    log = await AuditLog.open({ dir, logger: silentLogger });
    expect(log.warnings.map((w) => [w.code, w.data?.line])).toEqual([['AUDIT_BROKEN', 5]]);
    const torn = (await readdir(dir)).filter((n) => n.startsWith('audit.torn-'));
    expect(torn).toHaveLength(1);
    expect(await readFile(join(dir, torn[0] ?? ''), 'utf8')).toBe('{"seq":5,"ts":"2026-');
    await log.append({ kind: 'hub', actor: 'hub', outcome: 'ok' });
    const entries = await log.read();
    expect((await readFile(file(), 'utf8')).startsWith(good)).toBe(true);
    expect(entries.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'tool_call'],
      [2, 'tool_call'],
      [3, 'delivery'],
      [4, 'tool_call'],
      [5, 'recovery'],
      [6, 'hub'],
    ]);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 6 });
  });

  it('a broken middle line is reported at open but not rewritten', async () => {
    await (await filled(4)).close();
    log = null;
    const ls = await lines();
    ls[1] = (ls[1] ?? '').replace('"actor":"mcp:stdio"', '"actor":"mcp:evil"');
    await writeFile(file(), ls.join('\n') + '\n');
    const before = await readFile(file());
    log = await AuditLog.open({ dir, logger: silentLogger });
    expect(log.warnings.map((w) => [w.code, w.data?.line])).toEqual([['AUDIT_BROKEN', 2]]);
    expect((await readFile(file())).equals(before)).toBe(true);
    await log.append({ kind: 'hub', actor: 'hub', outcome: 'ok' });
    expect((await log.verify()).brokenAt?.line).toBe(2);
    expect((await log.read()).at(-1)?.seq).toBe(5);
  });
});
