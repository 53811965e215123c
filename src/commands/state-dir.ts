/**
 * What every command needs to know about the state dir before using it: where it is (one
 * resolver for all, `resolveStateDir` in config.ts) and whether it can be a folder at all.
 */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCodes, HubError } from '../errors.js';
import type { StateDirSource } from '../config.js';

export type StateDirShape =
  | { readonly kind: 'dir' }
  /** Missing; its nearest existing ancestor is a folder, so it can be created. */
  | { readonly kind: 'absent' }
  /** The path itself, or one of its ancestors (`blocker`), is not a folder. */
  | { readonly kind: 'blocked'; readonly blocker: string; readonly self: boolean };

/** Whether `dir` is a folder, can become one, or is blocked by a file on the way. Reads only. */
export async function stateDirShape(dir: string): Promise<StateDirShape> {
  for (let at = dir; ; at = dirname(at)) {
    const info = await stat(at).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOTDIR' ? 'notdir' : null));
    if (info === 'notdir') {
      // Some ancestor of `at` is a file: keep climbing to name it.
    } else if (info !== null) {
      if (info.isDirectory()) return at === dir ? { kind: 'dir' } : { kind: 'absent' };
      return { kind: 'blocked', blocker: at, self: at === dir };
    }
    if (dirname(at) === at) return { kind: 'absent' };
  }
}

/** The words for a blocked state dir: what is wrong and what to do. */
export function blockedStateDirMessage(dir: string, shape: Extract<StateDirShape, { kind: 'blocked' }>, source: StateDirSource): string {
  const what = shape.self ? `${dir} is a file, not a folder` : `${shape.blocker} is a file, so ${dir} cannot be created under it`;
  const change = source === 'default' ? 'give one with --state-dir (or CLAUDE_HUB_STATE_DIR)' : `give ${source} a folder path`;
  return `${source} ${dir}: ${what}; ${change}.`;
}

/** INVALID_ARGUMENT naming the flag (or variable) when the state dir can never be a folder. */
export async function assertStateDirUsable(dir: string, source: StateDirSource): Promise<void> {
  const shape = await stateDirShape(dir);
  if (shape.kind === 'blocked') {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, blockedStateDirMessage(dir, shape, source), {
      data: { option: source, value: dir, blocker: shape.blocker },
    });
  }
}
