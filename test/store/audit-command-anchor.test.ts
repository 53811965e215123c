/**
 * `claude-hub audit verify` with the keyed anchor, on state dirs laid out as the hub leaves
 * them (the state store's real key file, or CLAUDE_HUB_KEY): the key is found as `serve`
 * finds it; without one the chain alone is checked and the output says so. Verify only reads:
 * every case checks that no file in the state dir changed or appeared.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditCommand } from '../../src/commands/audit.js';
import { silentLogger } from '../../src/log.js';
import { AuditLog } from '../../src/store/audit-log.js';
import { auditKeyId } from '../../src/store/audit-anchor.js';
import { deriveAuditKey } from '../../src/store/state-key.js';
import { StateStore } from '../../src/store/state-store.js';
import { recomputeChain } from './audit-attacker.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-audit-anchor-cmd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const logFile = () => join(dir, 'audit.jsonl');
const anchorFile = () => join(dir, 'audit.anchor');

async function run(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await auditCommand(argv, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env });
  return { code, out, err };
}

/** What the hub does: the state store resolves (or creates) the key, the audit log anchors with the key derived from it. */
async function hubWrites(n: number, env: NodeJS.ProcessEnv = {}, withAnchor = true): Promise<void> {
  const store = await StateStore.open({ dir, logger: silentLogger, env, platform: 'linux' });
  const log = await AuditLog.open({ dir, logger: silentLogger, anchorKey: withAnchor ? store.auditKey : null });
  for (let i = 1; i <= n; i += 1) await log.append({ kind: 'tool_call', actor: 'mcp:stdio', tool: 'list_sessions', params: { i }, outcome: 'ok' });
  await log.close();
  await store.close();
}

async function logLines(): Promise<string[]> {
  return (await readFile(logFile(), 'utf8')).split('\n').slice(0, -1);
}

async function keepOnly(count: number): Promise<void> {
  await writeFile(
    logFile(),
    (await logLines())
      .slice(0, count)
      .map((l) => `${l}\n`)
      .join(''),
  );
}

/** Every file in the state dir with its bytes: verify must leave this exactly as it was. */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = (await readFile(join(dir, name))).toString('base64');
  return out;
}

async function verify(env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const before = await snapshot();
  const result = await run(env, 'verify', '--state-dir', dir);
  expect(await snapshot()).toEqual(before);
  return result;
}

describe('audit verify with the anchor', () => {
  it('an intact log is verified against its anchor with the key file the hub created', async () => {
    await hubWrites(3);
    const result = await verify();
    expect(result).toEqual({ code: 0, out: `audit log ok: 3 entries, chain intact, anchored at entry 3 (${logFile()})\n`, err: '' });
  });

  it('with CLAUDE_HUB_KEY, as serve would use it', async () => {
    const env = { CLAUDE_HUB_KEY: randomBytes(32).toString('hex') };
    await hubWrites(4, env);
    expect((await verify(env)).out).toBe(`audit log ok: 4 entries, chain intact, anchored at entry 4 (${logFile()})\n`);
  });

  it('the last entry removed: exit 1 with the numbers', async () => {
    await hubWrites(40);
    await keepOnly(39);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.out).toBe(
      `AUDIT_BROKEN: ${anchorFile()}: the log ends at entry 39 but was anchored at entry 40: the last entry was removed (the chain itself is intact: 39 entries)\n`,
    );
  });

  it('the last 15 entries removed: exit 1 with the numbers', async () => {
    await hubWrites(40);
    await keepOnly(25);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.out).toContain('the log ends at entry 25 but was anchored at entry 40: the last 15 entries were removed');
  });

  it('a middle line edited and the whole chain recomputed: exit 1 through the anchor', async () => {
    await hubWrites(12);
    const forged = recomputeChain(await logLines(), 6, (entry) => ({ ...entry, outcome: 'error:FORBIDDEN' }));
    await writeFile(logFile(), forged.map((l) => `${l}\n`).join(''));
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /^AUDIT_BROKEN: .*audit\.anchor: entry 12 is not the entry that was anchored \(its hash differs\): the log up to entry 12 was rewritten .*\(the chain itself is intact: 12 entries\)\n$/,
    );
  });

  it('a crash between an append and its anchor verifies, with a note', async () => {
    await hubWrites(10);
    await hubWrites(1, {}, false);
    const result = await verify();
    expect(result.code).toBe(0);
    expect(result.out.split('\n')).toEqual([
      `audit log ok: 11 entries, chain intact, anchored at entry 10 (${logFile()})`,
      expect.stringMatching(/^note: 1 entry after the last anchor \(entry 10\): appended after the hub last anchored the log .*; not an error$/),
      '',
    ]);
  });

  it('the wrong key: exit 1, the signature does not match and the key ids say why', async () => {
    const hubKey = randomBytes(32).toString('hex');
    await hubWrites(5, { CLAUDE_HUB_KEY: hubKey });
    const wrongKey = randomBytes(32);
    const result = await verify({ CLAUDE_HUB_KEY: wrongKey.toString('hex') });
    expect(result.code).toBe(1);
    const signedWith = auditKeyId(deriveAuditKey(Buffer.from(hubKey, 'hex')));
    const given = auditKeyId(deriveAuditKey(wrongKey));
    expect(result.out).toBe(
      `AUDIT_BROKEN: ${anchorFile()}: the anchor's signature does not match: it was signed with audit key ${signedWith} but your key gives ${given} — ` +
        'the key changed (set CLAUDE_HUB_KEY to the key the hub ran with) or the anchor was forged (the chain itself is intact: 5 entries)\n',
    );
  });

  it('no key: the chain is checked, and the output says the anchor was not and why (even a cut tail passes)', async () => {
    await hubWrites(8, { CLAUDE_HUB_KEY: randomBytes(32).toString('hex') });
    await keepOnly(5);
    const result = await verify({});
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      `audit log ok: 5 entries, chain intact (${logFile()})\n` +
        `note: the anchor was not checked: no usable state key (There is no key file ${join(dir, 'key')}; set CLAUDE_HUB_KEY to the key the state was written with); ` +
        'without it, entries removed from the end of the log, or a line edited and the chain recomputed after it, cannot be detected\n',
    );
  });

  it('a passphrase the hub never used here is not checked (and verify creates no salt)', async () => {
    await hubWrites(2);
    const result = await verify({ CLAUDE_HUB_KEY: 'correct horse battery staple' });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/\nnote: the anchor was not checked: CLAUDE_HUB_KEY is a passphrase but .*key\.salt does not exist/);
  });

  it('the anchor deleted: exit 1, reported with the entries it no longer covers', async () => {
    await hubWrites(6);
    await unlink(anchorFile());
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /^AUDIT_BROKEN: .*audit\.anchor: there is no anchor but the log has 6 entries: the anchor file was deleted, or the log was written by a claude-hub that did not anchor it yet/,
    );
  });

  it('a problem the hub found at a start stays visible as a note after the hub re-anchored', async () => {
    await hubWrites(40);
    await keepOnly(25);
    await hubWrites(1);
    const result = await verify();
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toBe(`audit log ok: 27 entries, chain intact, anchored at entry 27 (${logFile()})`);
    expect(lines[1]).toMatch(
      /^note: entry #26 \(.*\) records an anchor problem the hub found when it started: the log ends at entry 25 but was anchored at entry 40: the last 15 entries were removed; the anchor was saved to /,
    );
  });

  it('a broken chain and a cut tail are both reported', async () => {
    await hubWrites(10);
    const lines = (await logLines()).slice(0, 8);
    lines[2] = (lines[2] ?? '').replace('"outcome":"ok"', '"outcome":"no"');
    await writeFile(logFile(), lines.map((l) => `${l}\n`).join(''));
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.out.split('\n')).toEqual([
      `AUDIT_BROKEN: ${logFile()} line 3: hash does not match the entry (line edited) (2 entries verified before it)`,
      `AUDIT_BROKEN: ${anchorFile()}: the log ends at entry 8 but was anchored at entry 10: the last 2 entries were removed`,
      '',
    ]);
  });
});
