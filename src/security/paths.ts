/**
 * Paths checked against session roots. Every comparison is between REAL paths: `..` and
 * symlinks are resolved the way the kernel would (a symlink before a `..` is followed first),
 * and a path that does not exist yet is resolved through its nearest existing ancestor, so a
 * file about to be created is judged by where it would really land.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep, dirname, join } from 'node:path';
import { HubError, ErrorCodes } from '../errors.js';
import { LIMITS, printable } from './validate.js';

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** Components of an absolute path, keeping `..` (it must be applied after symlinks). */
function components(path: string): string[] {
  return path.split(sep).filter((part) => part !== '' && part !== '.');
}

function checkInputPath(path: unknown, field: string): string {
  if (typeof path !== 'string' || path === '') {
    throw new HubError(ErrorCodes.INVALID_PATH, `${field}: expected a non-empty absolute path.`, { data: { field } });
  }
  if (path.length > LIMITS.path) {
    throw new HubError(ErrorCodes.TOO_LARGE, `${field}: a path of ${path.length} characters is longer than the ${LIMITS.path} allowed.`, {
      data: { field, limit: LIMITS.path },
    });
  }
  if (/[\u0000-\u001F\u007F]/.test(path)) {
    throw new HubError(ErrorCodes.INVALID_PATH, `${field}: "${printable(path)}" contains a control character (NUL, newline, …); no real directory needs one.`, {
      data: { field },
    });
  }
  return path;
}

function loopError(path: string): HubError {
  return new HubError(ErrorCodes.INVALID_PATH, `${printable(path)} cannot be resolved: too many levels of symbolic links (a symlink loop?).`, {
    data: { path },
  });
}

/**
 * Normalises `path` (resolved against `base`, default the process cwd), follows `..` and every
 * symlink, and returns the real absolute path, whether or not the path exists yet.
 * Throws INVALID_PATH on a symlink loop or a control character.
 */
export async function resolveReal(path: string, base: string = process.cwd()): Promise<string> {
  checkInputPath(path, 'path');
  // Walk from "/": each step is realpath'd while it exists; `..` only ever applies to a real path.
  let current: string = sep;
  for (const part of components(resolveLexicalKeepDots(path, base))) {
    if (part === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    try {
      current = await realpath(next);
    } catch (error) {
      if (errnoOf(error) === 'ELOOP') throw loopError(path);
      current = next;
    }
  }
  return current;
}

/** Makes a path absolute without collapsing `..` (path.resolve would, before symlinks). */
function resolveLexicalKeepDots(path: string, base: string): string {
  return isAbsolute(path) ? path : `${resolve(base)}${sep}${path}`;
}

/** True when `child` is `root` or below it. Both must be real, absolute paths. */
export function isInside(child: string, root: string): boolean {
  if (root === sep) return child.startsWith(sep);
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep);
}

export interface SessionRootRules {
  /** Real roots of the sessions that exist now. */
  readonly existingRoots: readonly string[];
  /** The user's home folder (refused itself, and so are its ancestors). */
  readonly home: string;
  /** The hub's state directory: a root may neither contain it nor sit inside it. */
  readonly stateDir?: string;
}

/**
 * The real path of a directory that may become a session root, or a HubError:
 * INVALID_PATH when it is relative, missing, not a directory, `/`, a home folder (or one of
 * its ancestors), or overlaps the state directory; ROOT_OVERLAP when it contains, equals or
 * sits inside another session's root (judged on real paths, so symlinks cannot hide it).
 */
export async function validateSessionRoot(path: unknown, rules: SessionRootRules): Promise<string> {
  const given = checkInputPath(path, 'root_path');
  await requireDirectory(given);
  const real = await resolveReal(given);
  await refuseTooWide(given, real, rules);
  await refuseOverlap(given, real, rules.existingRoots);
  return real;
}

/** An absolute path to a directory that exists and the hub can read (each failure says which and what to do). */
async function requireDirectory(given: string): Promise<void> {
  if (!isAbsolute(given)) {
    throw new HubError(
      ErrorCodes.INVALID_PATH,
      `root_path: "${printable(given)}" is relative; give the absolute path of the project folder${given.startsWith('~') ? ' (~ is not expanded: write the full path)' : ''}.`,
      { data: { path: given } },
    );
  }
  let info;
  try {
    info = await stat(given);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ELOOP') throw loopError(given);
    throw new HubError(
      ErrorCodes.INVALID_PATH,
      code === 'EACCES'
        ? `root_path: ${printable(given)} cannot be read by the hub (permission denied); fix its permissions or pick another folder.`
        : `root_path: ${printable(given)} does not exist; create the folder first or check the spelling.`,
      { data: { path: given, errno: code } },
    );
  }
  if (!info.isDirectory()) {
    throw new HubError(ErrorCodes.INVALID_PATH, `root_path: ${printable(given)} is a file, not a directory; give the project's folder.`, {
      data: { path: given },
    });
  }
}

/** Not `/`, not the home folder or above it, not overlapping the state dir: agents would reach far more than a project. */
async function refuseTooWide(given: string, real: string, rules: SessionRootRules): Promise<void> {
  if (real === sep) {
    throw new HubError(
      ErrorCodes.INVALID_PATH,
      `root_path: ${printable(given)} is the filesystem root "/"; agents would reach every file. Give a project folder.`,
      {
        data: { path: given, real },
      },
    );
  }
  const home = await resolveReal(rules.home);
  if (isInside(home, real)) {
    throw new HubError(
      ErrorCodes.INVALID_PATH,
      real === home
        ? `root_path: ${printable(given)} is your home folder itself; agents would reach every file you own. Give a project folder inside it.`
        : `root_path: ${printable(given)} contains your home folder (${home}); give a project folder instead.`,
      { data: { path: given, real, home } },
    );
  }
  if (rules.stateDir !== undefined) {
    const state = await resolveReal(rules.stateDir);
    if (isInside(state, real) || isInside(real, state)) {
      throw new HubError(
        ErrorCodes.INVALID_PATH,
        `root_path: ${printable(given)} overlaps claude-hub's state directory (${state}), which holds its key and audit log; pick another folder or move the state dir with --state-dir.`,
        { data: { path: given, real, stateDir: state } },
      );
    }
  }
}

/** No two sessions share files: a root may neither equal, contain nor sit inside another session's root. */
async function refuseOverlap(given: string, real: string, existingRoots: SessionRootRules['existingRoots']): Promise<void> {
  for (const existing of existingRoots) {
    const other = await resolveReal(existing);
    if (isInside(real, other) || isInside(other, real)) {
      const how = real === other ? 'is already the root of' : isInside(real, other) ? 'is inside the root of' : 'contains the root of';
      throw new HubError(
        ErrorCodes.ROOT_OVERLAP,
        `root_path: ${printable(given)}${real === given ? '' : ` (really ${real})`} ${how} another session (${other}). Session roots must not overlap, so agents of one session cannot reach another's files; pick a folder outside it.`,
        { data: { path: given, real, other } },
      );
    }
  }
}

/**
 * The real path of `relative` inside `root` (a real session root), for task files and other
 * paths a client names. OUTSIDE_ROOT when it escapes, by `..`, an absolute path or a symlink.
 */
export async function resolveInsideRoot(root: string, relative: unknown): Promise<string> {
  const rel = checkInputPath(relative, 'path');
  const realRoot = await resolveReal(root);
  const real = await resolveReal(rel, realRoot);
  if (!isInside(real, realRoot)) {
    throw new HubError(ErrorCodes.OUTSIDE_ROOT, `${printable(rel)} resolves to ${real}, outside the session root ${realRoot}; use a path inside the session.`, {
      data: { path: rel, real, root: realRoot },
    });
  }
  return real;
}
