/**
 * The hub's wiring of the anchor, end to end: a real hub (private tmux socket, no agents)
 * anchors its audit log with the key derived from its state key, `claude-hub audit verify`
 * finds that key as `serve` does and checks it, a tail cut while the hub is stopped is caught,
 * and the hub's next start records the finding in the log rather than erasing it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditCommand } from '../../src/commands/audit.js';
import { defaultConfig } from '../../src/config.js';
import { exec } from '../../src/exec.js';
import { createHub } from '../../src/hub/hub.js';
import { silentLogger } from '../../src/log.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';

const socket = `hub-anchor-${process.pid}`;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-anchor-hub-'));
});
afterAll(async () => {
  await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
  await rm(dir, { recursive: true, force: true });
});

async function verify(env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await auditCommand(['verify', '--state-dir', join(dir, 'state')], {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (out += t) },
    env,
  });
  return { code, out };
}

describe('the hub anchors its audit log', () => {
  it('verify checks the anchor with the hub key, catches a cut tail, and the next start records it', async () => {
    const env = { HOME: dir, CLAUDE_HUB_KEY: randomBytes(32).toString('hex') };
    const config = { ...defaultConfig({}), stateDir: join(dir, 'state'), backend: 'tmux' as const };
    const backend = new TmuxBackend({ socket });
    const caller = { kind: 'cli', id: 'test' } as const;

    const hub = await createHub(config, silentLogger, { backend, env, gitAudit: false });
    for (let i = 0; i < 4; i += 1) await hub.listSessions(caller);
    await hub.close();
    const logPath = join(config.stateDir, 'audit.jsonl');
    const lines = (await readFile(logPath, 'utf8')).split('\n').slice(0, -1);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(await verify(env)).toEqual({
      code: 0,
      out: `audit log ok: ${lines.length} entries, chain intact, anchored at entry ${lines.length} (${logPath})\n`,
    });

    await writeFile(
      logPath,
      lines
        .slice(0, -2)
        .map((l) => `${l}\n`)
        .join(''),
    );
    const cut = await verify(env);
    expect(cut.code).toBe(1);
    expect(cut.out).toContain(`the log ends at entry ${lines.length - 2} but was anchored at entry ${lines.length}: the last 2 entries were removed`);

    const again = await createHub(config, silentLogger, { backend, env, gitAudit: false });
    await again.close();
    expect((await readdir(config.stateDir)).filter((n) => n.startsWith('audit.anchor.rejected-'))).toHaveLength(1);
    const after = await verify(env);
    expect(after.code).toBe(0);
    expect(after.out).toMatch(
      new RegExp(
        `\\nnote: entry #${lines.length - 1} \\(.*\\) records an anchor problem the hub found when it started: the log ends at entry ${lines.length - 2} but was anchored at entry ${lines.length}: the last 2 entries were removed`,
      ),
    );
  });
});
