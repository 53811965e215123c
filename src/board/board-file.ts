/**
 * Where the running hub's board is: `<stateDir>/board.json` ({url, pid, tokens}), written
 * when the board starts listening and removed when it stops; `claude-hub dashboard` reads it.
 * A file left by a hub that died names a pid that no longer runs: the reader says so.
 * Nothing secret in it (no token: the person adds theirs as #token=…).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface BoardFile {
  readonly url: string;
  readonly pid: number;
  /** Whether the board needs a token (the hub has a tokens file). */
  readonly tokens: boolean;
}

export const BOARD_FILE = 'board.json';

export async function writeBoardFile(stateDir: string, file: BoardFile): Promise<void> {
  await writeFile(join(stateDir, BOARD_FILE), JSON.stringify(file) + '\n', { mode: 0o600 });
}

export async function removeBoardFile(stateDir: string, pid = process.pid): Promise<void> {
  const current = await readBoardFile(stateDir);
  if (current?.pid === pid) await rm(join(stateDir, BOARD_FILE), { force: true });
}

/** The file as written, or null when there is none or it is not one of ours. */
export async function readBoardFile(stateDir: string): Promise<BoardFile | null> {
  try {
    const value = JSON.parse(await readFile(join(stateDir, BOARD_FILE), 'utf8')) as Partial<BoardFile>;
    if (typeof value.url !== 'string' || !/^http:\/\//.test(value.url) || typeof value.pid !== 'number') return null;
    return { url: value.url, pid: value.pid, tokens: value.tokens === true };
  } catch {
    return null;
  }
}

/** Whether a process with this pid runs (signal 0: a permission error still means it exists). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
