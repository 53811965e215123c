import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireInstanceLock, INSTANCE_LOCK_FILE } from '../../src/store/instance-lock.js';
import { createHub } from '../../src/hub/hub.js';
import { defaultConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-instance-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('one hub per state dir', () => {
  it('refuses a second hub while the first runs, names its pid, and lets the next one in after release', async () => {
    const release = await acquireInstanceLock(dir);
    await expect(acquireInstanceLock(dir)).rejects.toMatchObject({ code: 'ALREADY_EXISTS', data: { pid: process.pid } });
    expect(await readFile(join(dir, INSTANCE_LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    await release();
    const again = await acquireInstanceLock(dir);
    await again();
  });

  it('takes over the lock of a hub that was killed', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.on('exit', resolve));
    await writeFile(join(dir, INSTANCE_LOCK_FILE), `${child.pid}\n`);
    const release = await acquireInstanceLock(dir);
    expect(await readFile(join(dir, INSTANCE_LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    await release();
  });

  it('takes over the lock of a killed hub that is still a zombie (not yet reaped by its parent)', async () => {
    // The child forks a grandchild that exits at once; perl never reaps it, so it stays a zombie.
    const parent = spawn('perl', ['-e', '$| = 1; my $pid = fork(); exit 0 unless $pid; print "$pid\\n"; sleep 30;'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (b: Buffer) => resolve(b.toString().trim()))));
      const state = async (): Promise<string | undefined> => (await readFile(`/proc/${zombie}/stat`, 'utf8')).split(') ')[1]?.[0];
      for (let i = 0; i < 100 && (await state()) !== 'Z'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await state()).toBe('Z');
      await writeFile(join(dir, INSTANCE_LOCK_FILE), `${zombie}\n`);
      const release = await acquireInstanceLock(dir);
      expect(await readFile(join(dir, INSTANCE_LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
      await release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('createHub on a state dir another hub serves fails with ALREADY_EXISTS and leaves it serving', async () => {
    const config = { ...defaultConfig({}), stateDir: join(dir, 'state'), backend: 'tmux' as const };
    const backend = new TmuxBackend({ socket: `hub-lock-${process.pid}` });
    const first = await createHub(config, silentLogger, { backend, env: { HOME: dir }, gitAudit: false });
    try {
      await expect(createHub(config, silentLogger, { backend, env: { HOME: dir }, gitAudit: false })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      expect(await first.listSessions({ kind: 'cli', id: 'test' })).toEqual([]);
    } finally {
      await first.close();
    }
    const second = await createHub(config, silentLogger, { backend, env: { HOME: dir }, gitAudit: false });
    await second.close();
  });
});
