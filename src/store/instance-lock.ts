/**
 * One hub per state dir: two would interleave the audit chain and overwrite each other's
 * state. The lock is a pid file created exclusively; a file naming a process that is gone
 * (a hub killed with SIGKILL, a reboot) is taken over, not obeyed.
 */
import { readFileSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HubError, ErrorCodes } from '../errors.js';

export const INSTANCE_LOCK_FILE = 'hub.pid';

/**
 * True when `pid` names no running process of this machine. A zombie counts as gone: a hub
 * killed with SIGKILL stays one until its parent reaps it, and signal 0 still reaches it.
 */
export function isProcessGone(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  return isZombie(pid);
}

/** Linux: the state field of /proc/<pid>/stat (after the parenthesised command name). */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // No /proc (macOS): signal 0 is all there is.
  }
}

/** The pid a lock file names, or null when it names none (empty: its writer is mid-create). */
export async function lockOwner(path: string): Promise<number | null> {
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Takes the state dir for this process; resolves to a release function. */
export async function acquireInstanceLock(stateDir: string): Promise<() => Promise<void>> {
  const path = join(stateDir, INSTANCE_LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        if ((await lockOwner(path)) === process.pid) await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await lockOwner(path);
      if (owner !== null && !isProcessGone(owner)) {
        throw new HubError(
          ErrorCodes.ALREADY_EXISTS,
          `Another claude-hub (pid ${owner}${owner === process.pid ? ', this very process' : ''}) is already serving the state dir ${stateDir}. Stop it, or give this one its own --state-dir.`,
          { data: { stateDir, pid: owner } },
        );
      }
      if (owner === null && attempt < 4) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      // Left by a hub that is gone: take it over.
      await unlink(path).catch(() => undefined);
    }
  }
  throw new HubError(ErrorCodes.IO_ERROR, `Could not take the lock ${path}; remove it if no claude-hub is running.`, { data: { path } });
}
