/**
 * The protocol files on disk: confined reads (size limit, binary check, no symlink leaving the
 * root), atomic writes, and compare-and-swap updates that never overwrite someone else's edit.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { humanBytes } from '../format.js';
import { HubError, ErrorCodes } from '../errors.js';
import { MAX_PROTOCOL_FILE_BYTES, TASKS_DIR, renderTask, taskFileName, taskNumber, taskIdFromFileName } from '../protocol/index.js';
import type { NewTask } from '../protocol/index.js';
import { fsyncDir, writeTempDurably } from './durable-file.js';
import { withFileLock } from './fs-lock.js';

export interface ProtocolFile {
  readonly text: string;
  /** sha256 of the bytes, hex. */
  readonly hash: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export const IDS_DIR = '.claude-hub/ids';

export function hashText(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Absolute path of `relPath` inside `root`, refusing absolute paths and `..` escapes. */
export function resolveInRoot(root: string, relPath: string): string {
  if (typeof relPath !== 'string' || relPath === '' || isAbsolute(relPath) || relPath.includes('\0')) {
    throw new HubError(ErrorCodes.INVALID_PATH, `"${String(relPath)}" must be a path relative to the session root.`, { data: { root, path: relPath } });
  }
  const absolute = resolve(root, relPath);
  if (!isInside(resolve(root), absolute)) {
    throw new HubError(ErrorCodes.OUTSIDE_ROOT, `${relPath} leaves the session root ${root}.`, { data: { root, path: relPath } });
  }
  return absolute;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/** The real path of a file in the root; a symlink (anywhere on the way) resolving outside is OUTSIDE_ROOT. */
async function confinedPath(root: string, relPath: string, knownRealRoot?: string): Promise<string> {
  const absolute = resolveInRoot(root, relPath);
  const realRoot =
    knownRealRoot ??
    (await realpath(root).catch((error: unknown) => {
      throw new HubError(ErrorCodes.SESSION_NOT_FOUND, `Session root ${root} is not readable: ${(error as Error).message}`, { data: { root }, cause: error });
    }));
  const real = await realpath(absolute).catch((error: NodeJS.ErrnoException) => {
    throw ioError(error, relPath);
  });
  if (!isInside(realRoot, real)) {
    throw new HubError(ErrorCodes.OUTSIDE_ROOT, `${relPath} is a link to ${real}, outside the session root; the hub does not follow it.`, {
      data: { root, path: relPath, target: real },
    });
  }
  return real;
}

function ioError(error: NodeJS.ErrnoException, relPath: string): HubError {
  return new HubError(ErrorCodes.IO_ERROR, error.code === 'ENOENT' ? `${relPath} does not exist.` : `${relPath} could not be read: ${error.message}`, {
    data: { path: relPath, errno: error.code },
    cause: error,
  });
}

export function isMissing(error: unknown): boolean {
  return error instanceof HubError && error.code === ErrorCodes.IO_ERROR && error.data?.errno === 'ENOENT';
}

export interface ReadOptions {
  /** The root's real path, when the caller reads many files and has resolved it once. */
  readonly realRoot?: string;
  /**
   * The caller already confined the file's directory (realpath inside the root): the file is
   * opened with O_NOFOLLOW instead of being resolved, and only a symlink is resolved and checked.
   */
  readonly directoryConfined?: boolean;
}

/** Reads a protocol file as UTF-8 (BOM kept). TOO_LARGE over 5 MB, BINARY_FILE on NUL bytes or invalid UTF-8. */
export async function readProtocolFile(root: string, relPath: string, options: ReadOptions = {}): Promise<ProtocolFile> {
  let handle: FileHandle;
  try {
    if (options.directoryConfined !== true) throw Object.assign(new Error('resolve first'), { code: 'ELOOP' });
    handle = await open(resolveInRoot(root, relPath), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ELOOP' && code !== 'EMLINK') throw error instanceof HubError ? error : ioError(error as NodeJS.ErrnoException, relPath);
    const real = await confinedPath(root, relPath, options.realRoot);
    handle = await open(real, 'r').catch((failure: NodeJS.ErrnoException) => {
      throw ioError(failure, relPath);
    });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new HubError(ErrorCodes.INVALID_PATH, `${relPath} is not a regular file.`, { data: { path: relPath } });
    const tooLarge = (size: number): HubError =>
      new HubError(
        ErrorCodes.TOO_LARGE,
        `${relPath} is ${humanBytes(size)}, over the ${humanBytes(MAX_PROTOCOL_FILE_BYTES)} limit for protocol files; split or archive it.`,
        {
          data: { path: relPath, size, limit: MAX_PROTOCOL_FILE_BYTES },
        },
      );
    if (info.size > MAX_PROTOCOL_FILE_BYTES) throw tooLarge(info.size);
    // One fstat, then read to EOF (the file may have grown since): never more than the limit + 1.
    let buffer = Buffer.allocUnsafe(Math.max(info.size + 1, 4096));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > MAX_PROTOCOL_FILE_BYTES) throw tooLarge(length);
        const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, MAX_PROTOCOL_FILE_BYTES + 1));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_PROTOCOL_FILE_BYTES) throw tooLarge(length);
    const bytes = buffer.subarray(0, length);
    if (bytes.includes(0))
      throw new HubError(ErrorCodes.BINARY_FILE, `${relPath} contains NUL bytes (binary content); the hub does not read it.`, { data: { path: relPath } });
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch (error) {
      throw new HubError(ErrorCodes.BINARY_FILE, `${relPath} is not valid UTF-8; save it as UTF-8.`, { data: { path: relPath }, cause: error });
    }
    return { text, hash: createHash('sha256').update(bytes).digest('hex'), size: length, mtimeMs: info.mtimeMs };
  } finally {
    await handle.close();
  }
}

/** Like readProtocolFile, but null when the file does not exist. */
export async function readProtocolFileIfExists(root: string, relPath: string, options: ReadOptions = {}): Promise<ProtocolFile | null> {
  try {
    return await readProtocolFile(root, relPath, options);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/** Replaces `path` atomically (temp in the same directory, fsync, rename, fsync dir), keeping its mode. */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const mode = await stat(path).then(
    (info) => info.mode & 0o7777,
    () => 0o644,
  );
  const temp = await writeTempDurably(path, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, mode);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dirname(path));
}

export interface UpdateOptions {
  /** The hash the caller's edit was based on; if the file differs, the edit is re-applied to what is there now. */
  readonly expectHash?: string;
  readonly maxRetries?: number;
  /** Called with the path and new hash just before the rename, so a watcher can recognise its own write. */
  readonly beforeWrite?: (path: string, hash: string) => void;
}

export interface UpdateResult {
  readonly text: string;
  readonly hash: string;
  /** How many times the edit was re-applied because the file changed underneath it. */
  readonly retries: number;
  readonly changed: boolean;
}

/**
 * Compare-and-swap: read, edit, and write only if the file still holds the bytes that were
 * edited; otherwise re-read and re-apply the edit (up to `maxRetries`, then EDIT_CONFLICT).
 * An edit that throws aborts with nothing written.
 */
export async function updateProtocolFile(root: string, relPath: string, edit: (text: string) => string, options: UpdateOptions = {}): Promise<UpdateResult> {
  const maxRetries = options.maxRetries ?? 8;
  let retries = 0;
  for (;;) {
    const current = await readProtocolFile(root, relPath);
    if (options.expectHash !== undefined && retries === 0 && current.hash !== options.expectHash) retries++;
    const next = edit(current.text);
    if (next === current.text) return { text: current.text, hash: current.hash, retries, changed: false };
    const hash = hashText(next);
    const real = await confinedPath(root, relPath);
    const written = await withFileLock(root, relPath, async () => {
      const temp = await writeTempDurably(
        real,
        Buffer.from(next, 'utf8'),
        await stat(real).then(
          (info) => info.mode & 0o7777,
          () => 0o644,
        ),
      );
      try {
        const now = await readProtocolFile(root, relPath).catch(() => null);
        if (now?.hash !== current.hash) return false;
        options.beforeWrite?.(resolveInRoot(root, relPath), hash);
        await rename(temp, real);
      } finally {
        await unlink(temp).catch(() => undefined);
      }
      await fsyncDir(dirname(real));
      return true;
    });
    if (written) return { text: next, hash, retries, changed: true };
    retries++;
    if (retries > maxRetries) {
      throw new HubError(ErrorCodes.EDIT_CONFLICT, `${relPath} kept changing while the hub tried to edit it (${retries} attempts); try again.`, {
        data: { path: relPath, retries },
      });
    }
  }
}

/**
 * Writes a new protocol file that must not exist yet (temp + fsync, then link: never over a
 * file someone made meanwhile). False when it exists; the caller then edits it instead.
 */
export async function createProtocolFile(
  root: string,
  relPath: string,
  text: string,
  options: { readonly beforeWrite?: (path: string, hash: string) => void } = {},
): Promise<boolean> {
  const path = resolveInRoot(root, relPath);
  await confinedPath(root, dirname(relPath) === '.' ? '.' : dirname(relPath));
  options.beforeWrite?.(path, hashText(text));
  const temp = await writeTempDurably(path, Buffer.from(text, 'utf8'), 0o644);
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await fsyncDir(dirname(path));
  return true;
}

export interface CreatedTask {
  readonly id: string;
  /** Relative to the root. */
  readonly file: string;
  readonly text: string;
  readonly hash: string;
}

/**
 * Allocates the next task id and writes its file. Ids are claimed with an exclusive create of
 * `.claude-hub/ids/TASK-<n>`, so two writers (two processes) never get the same id.
 */
export async function createTaskFile(
  root: string,
  task: Omit<NewTask, 'id'>,
  template: string,
  options: { readonly beforeWrite?: (path: string, hash: string) => void } = {},
): Promise<CreatedTask> {
  const tasksDir = resolveInRoot(root, TASKS_DIR);
  const idsDir = resolveInRoot(root, IDS_DIR);
  await mkdir(tasksDir, { recursive: true });
  await mkdir(idsDir, { recursive: true });
  await confinedPath(root, TASKS_DIR);
  await confinedPath(root, IDS_DIR);
  // Render once with a placeholder id first: bad input fails before any id is claimed.
  renderTask(template, { ...task, id: 'TASK-1' });
  let next = (await highestTaskNumber(tasksDir, idsDir)) + 1;
  for (;;) {
    const id = `TASK-${next}`;
    try {
      const claim = await open(join(idsDir, id), 'wx');
      await claim.writeFile(`${process.pid}\n`);
      await claim.close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        next++;
        continue;
      }
      throw error;
    }
    const text = renderTask(template, { ...task, id });
    const file = `${TASKS_DIR}/${taskFileName(id, task.title)}`;
    const path = join(tasksDir, taskFileName(id, task.title));
    const hash = hashText(text);
    options.beforeWrite?.(path, hash);
    // Complete and durable before it appears (temp + fsync), and never over a file someone
    // made by hand meanwhile: link() fails if the name exists, rename() would not.
    const temp = await writeTempDurably(path, Buffer.from(text, 'utf8'), 0o644);
    try {
      await link(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      next++;
      continue;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    await fsyncDir(tasksDir);
    return { id, file, text, hash };
  }
}

async function highestTaskNumber(tasksDir: string, idsDir: string): Promise<number> {
  let highest = 0;
  for (const name of [...(await readdir(tasksDir)), ...(await readdir(idsDir))]) {
    const id = taskIdFromFileName(name.endsWith('.md') ? name : `${name}.md`);
    const n = id === null ? null : taskNumber(id);
    if (n !== null && n > highest) highest = n;
  }
  return highest;
}
