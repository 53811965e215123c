/**
 * A short-lived advisory lock between hub processes writing the same protocol file: a lock
 * file created with O_EXCL under `.claude-hub/locks/`. It only closes the gap between "still
 * the bytes we read" and the rename; people's editors do not take it, which is why the write
 * itself is compare-and-swap. A lock whose writer process is gone (a hub killed mid-write) is
 * broken at once; one older than `staleMs` is broken too (a writer on another machine, or a pid
 * that was reused).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '../sleep.js';
import { HubError, ErrorCodes } from '../errors.js';
import { isProcessGone, lockOwner } from './instance-lock.js';

export const LOCKS_DIR = '.claude-hub/locks';

export interface LockOptions {
  readonly timeoutMs?: number;
  readonly staleMs?: number;
}

export async function withFileLock<T>(root: string, relPath: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const dir = join(root, LOCKS_DIR);
  await mkdir(dir, { recursive: true });
  const lock = join(dir, `${createHash('sha256').update(relPath).digest('hex').slice(0, 32)}.lock`);
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const staleMs = options.staleMs ?? 30_000;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > staleMs || (await ownerIsGone(lock, age))) {
        await unlink(lock).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new HubError(ErrorCodes.EDIT_CONFLICT, `${relPath} is being written by another claude-hub process; try again.`, {
          data: { file: relPath, lock },
        });
      }
      await sleep(Math.min(50, 2 + attempt * 3) + Math.random() * 5);
    }
  }
  try {
    return await work();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/** How long a lock may stay empty: its writer creates it and writes its pid right after. */
const EMPTY_LOCK_GRACE_MS = 1000;

/** True when the lock was left by a writer that is gone (killed, or killed mid-create). */
async function ownerIsGone(lock: string, ageMs: number): Promise<boolean> {
  const pid = await lockOwner(lock);
  // No pid: fine for a moment (the writer is about to write it); longer means it died in between.
  if (pid === null) return ageMs > EMPTY_LOCK_GRACE_MS;
  return pid !== process.pid && isProcessGone(pid);
}
