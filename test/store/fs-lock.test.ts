import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCKS_DIR, withFileLock } from '../../src/store/fs-lock.js';

let root: string;
const lockFile = (rel: string): string => join(root, LOCKS_DIR, `${createHash('sha256').update(rel).digest('hex').slice(0, 32)}.lock`);

/** The pid of a process that has exited (and so names nobody). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'hub-lock-'));
  await mkdir(join(root, LOCKS_DIR), { recursive: true });
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('withFileLock', () => {
  it('breaks at once a lock left by a writer that was killed', async () => {
    await writeFile(lockFile('TODO.md'), `${await deadPid()}\n`);
    const result = await withFileLock(root, 'TODO.md', async () => 'ran', { timeoutMs: 200 });
    expect(result).toBe('ran');
  });

  it('breaks a lock left empty by a writer killed between creating it and writing its pid', async () => {
    await writeFile(lockFile('TODO.md'), '');
    const old = new Date(Date.now() - 5000);
    await utimes(lockFile('TODO.md'), old, old);
    expect(await withFileLock(root, 'TODO.md', async () => 'ran', { timeoutMs: 200 })).toBe('ran');
  });

  it('waits for a living writer and then reports EDIT_CONFLICT, leaving its lock alone', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      await writeFile(lockFile('TODO.md'), `${holder.pid}\n`);
      await expect(withFileLock(root, 'TODO.md', async () => 'ran', { timeoutMs: 150 })).rejects.toMatchObject({ code: 'EDIT_CONFLICT' });
      expect(await readFile(lockFile('TODO.md'), 'utf8')).toBe(`${holder.pid}\n`);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('runs writers of one file one at a time, and removes its lock after', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(root, 'tasks/TASK-1.md', async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    await expect(readFile(lockFile('tasks/TASK-1.md'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
