import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditCommand } from '../../src/commands/audit.js';
import { silentLogger } from '../../src/log.js';
import { AuditLog } from '../../src/store/audit-log.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-audit-cmd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await auditCommand(argv, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env: {} });
  return { code, out, err };
}

async function seed(): Promise<void> {
  const log = await AuditLog.open({ dir, logger: silentLogger, now: () => new Date('2026-03-01T10:00:00.000Z') });
  await log.append({
    kind: 'tool_call',
    actor: 'mcp:stdio',
    session: 'web',
    agent: 'Agent_1',
    tool: 'send_message',
    params: { text: 'secret' },
    outcome: 'ok',
  });
  await log.append({ kind: 'delivery', actor: 'hub', session: 'web', agent: 'Agent_1', outcome: 'delivered', detail: 'd-1' });
  await log.append({ kind: 'agent_state', actor: 'hub', session: 'api', agent: 'Agent_2', outcome: 'exited' });
  await log.close();
}

describe('claude-hub audit', () => {
  it('verify exits 0 on an intact log', async () => {
    await seed();
    const result = await run('verify', '--state-dir', dir);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^audit log ok: 3 entries, chain intact/);
  });

  it('verify exits 1 and names the edited line', async () => {
    await seed();
    const path = join(dir, 'audit.jsonl');
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[1] = (lines[1] ?? '').replace('"delivered"', '"undelivered"');
    await writeFile(path, lines.join('\n'));
    const result = await run('verify', '--state-dir', dir);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`AUDIT_BROKEN: ${path} line 2: hash does not match the entry (line edited) (1 entries verified before it)`);
  });

  it('log prints readable lines, filtered by session and agent', async () => {
    await seed();
    const all = await run('log', '--state-dir', dir);
    expect(all.code).toBe(0);
    expect(all.out.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^#1 2026-03-01T10:00:00.000Z mcp:stdio tool_call send_message → ok \(session=web agent=Agent_1\) params=sha256:[0-9a-f]{12}$/),
      '#2 2026-03-01T10:00:00.000Z hub delivery → delivered (session=web agent=Agent_1) — d-1',
      '#3 2026-03-01T10:00:00.000Z hub agent_state → exited (session=api agent=Agent_2)',
    ]);
    expect(all.out).not.toContain('secret');
    expect((await run('log', '--state-dir', dir, '--session', 'api')).out).toMatch(/^#3 /);
    expect((await run('log', '--state-dir', dir, '--agent', 'Agent_1')).out.split('\n').filter(Boolean)).toHaveLength(2);
    const json = await run('log', '--state-dir', dir, '--json', '--session', 'web');
    expect(
      json.out
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { seq: number }).seq),
    ).toEqual([1, 2]);
  });

  it('bad flags and commands exit 2 with INVALID_ARGUMENT and touch nothing', async () => {
    await seed();
    const before = await readFile(join(dir, 'audit.jsonl'));
    for (const argv of [['log', '--nope'], ['frobnicate', '--state-dir', dir], ['log', '--state-dir', dir, '--since', 'yesterday-ish'], []]) {
      const result = await run(...argv);
      expect(result.code).toBe(2);
      if (argv.length > 0) expect(result.err).toMatch(/^INVALID_ARGUMENT: /);
    }
    expect((await readFile(join(dir, 'audit.jsonl'))).equals(before)).toBe(true);
  });

  it('a missing log is never "0 entries": no state dir or an empty one is exit 2 naming what to pass, a state without its log is AUDIT_BROKEN exit 1', async () => {
    for (const sub of ['verify', 'log']) {
      const nowhere = await run(sub, '--state-dir', join(dir, 'nope'));
      expect(nowhere).toMatchObject({ code: 2, out: '' });
      expect(nowhere.err).toMatch(/^INVALID_PATH: .*nope \(from --state-dir\) is not there: no hub has run with it; give the state dir serve uses/);
      const empty = await run(sub, '--state-dir', dir);
      expect(empty).toMatchObject({ code: 2, out: '' });
      expect(empty.err).toMatch(/^INVALID_PATH: .* has no audit log and no hub state/);
    }
    await seed();
    await writeFile(join(dir, 'state'), 'x');
    await rm(join(dir, 'audit.jsonl'));
    for (const sub of ['verify', 'log']) {
      const gone = await run(sub, '--state-dir', dir);
      expect(gone).toMatchObject({ code: 1, out: '' });
      expect(gone.err).toMatch(/^AUDIT_BROKEN: .*audit\.jsonl is missing, though .* holds the hub's state: the log was deleted or moved/);
    }
  });
});
