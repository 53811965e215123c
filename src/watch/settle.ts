/**
 * Settling a file by its content: read it until two consecutive reads agree, then hash it.
 * This replaces a long `awaitWriteFinish`: an editor's half-written file reads differently
 * twice in a row and is read again, while a finished save settles at once.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { sleep } from '../sleep.js';
import { humanBytes } from '../format.js';
import { HubError, ErrorCodes } from '../errors.js';

export interface SettledContent {
  /** The file's text, or null when the file does not exist (or is not a regular file). */
  readonly text: string | null;
  /** sha1 of the bytes (hex), or null when absent. */
  readonly hash: string | null;
  /** size and mtime seen BEFORE the reads, so a later rescan notices any write after them. */
  readonly size: number;
  readonly mtimeMs: number;
  /** How many reads it took (2 when the file was quiet). */
  readonly reads: number;
}

export interface SettleOptions {
  /** Reads before giving up and taking the last one (a file rewritten non-stop). */
  readonly maxReads: number;
  /** A file absent or empty is read again after this pause: editors delete, then create. */
  readonly absentGraceMs: number;
  readonly maxBytes: number;
}

export function contentHash(data: Buffer | string): string {
  return createHash('sha1').update(data).digest('hex');
}

async function readOnce(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw new HubError(ErrorCodes.IO_ERROR, `Could not read ${path}: ${(error as Error).message}`, { data: { path, errno: code }, cause: error });
  }
}

function same(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

/**
 * Reads `path` until two reads agree (bounded by `maxReads`). Absent and empty files get one
 * pause of `absentGraceMs` first, so vim's "rename away, then create" settles on the new file.
 * Throws HubError IO_ERROR (unreadable) or TOO_LARGE; never for a missing file.
 */
export async function readSettled(path: string, options: SettleOptions): Promise<SettledContent> {
  let size = 0;
  let mtimeMs = 0;
  try {
    const st = await stat(path);
    if (st.isFile()) {
      size = st.size;
      mtimeMs = st.mtimeMs;
      if (st.size > options.maxBytes) {
        throw new HubError(
          ErrorCodes.TOO_LARGE,
          `${path} is ${humanBytes(st.size)}, over the ${humanBytes(options.maxBytes)} limit for protocol files; split it.`,
          {
            data: { path, size: st.size, limit: options.maxBytes },
          },
        );
      }
    }
  } catch (error) {
    if (error instanceof HubError) throw error;
    // Missing: the reads below report it as absent.
  }
  let previous = await readOnce(path);
  let reads = 1;
  for (;;) {
    if ((previous === null || previous.length === 0) && reads === 1) await sleep(options.absentGraceMs);
    const current = await readOnce(path);
    reads += 1;
    if (same(previous, current) || reads >= options.maxReads) {
      previous = current;
      break;
    }
    previous = current;
  }
  if (previous === null) return { text: null, hash: null, size: 0, mtimeMs: 0, reads };
  if (previous.length > options.maxBytes) {
    throw new HubError(ErrorCodes.TOO_LARGE, `${path} grew over the ${options.maxBytes}-byte limit for protocol files; split it.`, {
      data: { path, size: previous.length, limit: options.maxBytes },
    });
  }
  return { text: previous.toString('utf8'), hash: contentHash(previous), size, mtimeMs, reads };
}
