/**
 * Crash-safe file replacement for the hub's own state dir: write a temp file next to the
 * target, fsync it, rename it over the target, fsync the directory. After a crash at any
 * instant the target holds either its old or its new bytes.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessGone } from './instance-lock.js';

/** Makes a completed rename/link durable. Some platforms cannot fsync a directory: best effort. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to a unique temp file in the target's directory and fsyncs it; returns its path. */
export async function writeTempDurably(target: string, data: Buffer, mode = 0o600): Promise<string> {
  const temp = join(dirname(target), `${tempPrefix(target)}${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temp;
}

/**
 * Replaces `target` with `data`. When `keepPrevious` names a path, the target's current
 * content is first hard-linked there, so `keepPrevious` always holds the last good copy and
 * `target` itself never disappears.
 */
export async function replaceFileDurably(target: string, data: Buffer, options: { keepPrevious?: string; mode?: number } = {}): Promise<void> {
  const dir = dirname(target);
  const temp = await writeTempDurably(target, data, options.mode ?? 0o600);
  try {
    if (options.keepPrevious !== undefined) {
      const prevTemp = `${options.keepPrevious}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        await link(target, prevTemp);
        await rename(prevTemp, options.keepPrevious);
      } catch (error) {
        await unlink(prevTemp).catch(() => undefined);
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dir);
}

/** Creates a private directory (0700) if missing. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** How the temp files of writes to `target` begin (`.<name>.tmp-<pid>-<random>`). */
export function tempPrefix(target: string): string {
  return `.${basename(target)}.tmp-`;
}

/**
 * Removes from `dir` the temp files (names starting with one of `prefixes`, then `<pid>-`) of
 * writes a crash interrupted: those whose process is gone. Best effort: a leftover is clutter.
 */
export async function removeStaleTemps(dir: string, prefixes: readonly string[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const prefix = prefixes.find((p) => name.startsWith(p));
    if (prefix === undefined) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !isProcessGone(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}
