/**
 * The pieces of an agent's Claude Code settings that keep it inside its session root:
 * the PreToolUse guard hook (templates/hooks/guard.pl, the enforcement that is always right
 * because it reads the live roots file), the `permissions.deny` rules (a second layer, fixed
 * at launch), and, where Claude Code's sandbox can run, `sandbox` settings that fence Bash.
 * Plus the roots file itself, which the hub rewrites atomically whenever sessions change.
 */
import type { HookEntry } from '../agent/settings.js';
import { constants } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { HubError, ErrorCodes } from '../errors.js';
import { shellQuote } from './sanitize.js';
import type { Exec } from '../exec.js';

/** The tools the guard checks: the file tools by path, Bash by text (Claude Code's hook matcher: names joined by `|`). */
export const GUARDED_TOOLS = ['Read', 'Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'Glob', 'Grep', 'LS', 'Bash'] as const;

/** One entry of settings `hooks.PreToolUse` (the shape agent/settings.ts puts in every agent's settings). */
export type GuardHookEntry = HookEntry & { readonly matcher: string };

export interface GuardHookOptions {
  /** Absolute path of guard.pl (default: the one shipped in templates/hooks). */
  readonly guardPath?: string;
  /** The agent's own session root (real path). */
  readonly root: string;
  /** The live roots file (`<stateDir>/roots.txt`). */
  readonly rootsFile: string;
  /** The hub's state dir: always denied to agents. */
  readonly stateDir?: string;
  /** Let read tools reach outside the root (never other sessions' roots nor the state dir). */
  readonly readsOutside?: boolean;
  /** The perl to run (default `perl` from the agent's PATH). */
  readonly perl?: string;
}

/** templates/hooks/guard.pl, found from this module in src/ (tests) and in dist/ (installed). */
export function defaultGuardPath(): string {
  return fileURLToPath(new URL('../../templates/hooks/guard.pl', import.meta.url));
}

/**
 * The `hooks.PreToolUse` entry that runs the guard on every file tool call. Claude Code runs a
 * hook's `command` through a shell, so every path in it is single-quoted (state dirs often have
 * spaces: `~/Library/Application Support/claude-hub`).
 */
export function buildGuardHook(options: GuardHookOptions): GuardHookEntry {
  for (const [field, value] of [
    ['root', options.root],
    ['rootsFile', options.rootsFile],
    ['stateDir', options.stateDir],
  ] as const) {
    if (value !== undefined && !value.startsWith('/')) {
      throw new HubError(ErrorCodes.INVALID_PATH, `guard ${field} must be an absolute path, got "${value}".`, { data: { field, value } });
    }
  }
  const words = [
    options.perl ?? 'perl',
    options.guardPath ?? defaultGuardPath(),
    `--root=${options.root}`,
    `--roots-file=${options.rootsFile}`,
    ...(options.stateDir === undefined ? [] : [`--state-dir=${options.stateDir}`]),
    ...(options.readsOutside ? ['--reads-outside'] : []),
  ];
  // A hook that exits non-zero (other than 2) does NOT block the call. So if perl is missing,
  // the script is gone, or it dies, exit 2: Claude Code then blocks and shows stderr to the model.
  const failClosed = `|| { echo 'claude-hub: the file-access guard could not run, so this call is blocked; tell the person running claude-hub.' >&2; exit 2; }`;
  return {
    matcher: GUARDED_TOOLS.join('|'),
    hooks: [{ type: 'command', command: `${words.map(shellQuote).join(' ')} ${failClosed}`, timeout: 10 }],
  };
}

/**
 * `permissions.deny` rules for the other sessions' roots. Claude Code checks paths only in
 * `Read(...)` (every read tool) and `Edit(...)` (every editing tool) rules; `//` starts an
 * absolute path. Each root is denied itself and everything below it.
 */
export function buildDenyRules(otherRoots: readonly string[]): string[] {
  const rules: string[] = [];
  for (const root of otherRoots) {
    if (!root.startsWith('/')) continue;
    const trimmed = root.replace(/\/+$/, '');
    for (const tool of ['Read', 'Edit']) {
      rules.push(`${tool}(/${trimmed})`, `${tool}(/${trimmed}/**)`);
    }
  }
  return rules;
}

export interface SandboxSupport {
  readonly available: boolean;
  /** What to install (Linux: bubblewrap, socat) when it is not. */
  readonly missing: readonly string[];
  readonly reason: string;
}

async function onPath(command: string, pathVar: string | undefined): Promise<boolean> {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      await access(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * The namespaces Claude Code 2.1.197 asks bubblewrap for when it wraps a Bash command
 * (read-only `/`, new pid and net namespaces, fresh /proc and /dev). Claude Code itself only
 * checks that `bwrap` is on PATH, so in a container without user namespaces every sandboxed
 * command would fail; running this once tells us beforehand.
 */
export const BWRAP_PROBE_ARGS = [
  '--new-session',
  '--die-with-parent',
  '--ro-bind',
  '/',
  '/',
  '--dev',
  '/dev',
  '--unshare-pid',
  '--unshare-net',
  '--proc',
  '/proc',
  '--',
  'true',
] as const;

/**
 * Whether Claude Code's Bash sandbox can run here: macOS has it built in (Seatbelt); Linux
 * needs bubblewrap and socat on the agents' PATH (`env.PATH`), and, when `run` is given,
 * bubblewrap must really be able to build the sandbox; Windows has none.
 */
export async function sandboxSupport(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, run?: Exec): Promise<SandboxSupport> {
  if (platform === 'darwin') return { available: true, missing: [], reason: 'macOS Seatbelt (built in)' };
  if (platform !== 'linux') return { available: false, missing: [], reason: `Claude Code has no Bash sandbox on ${platform}` };
  const missing: string[] = [];
  if (!(await onPath('bwrap', env.PATH))) missing.push('bubblewrap');
  if (!(await onPath('socat', env.PATH))) missing.push('socat');
  if (missing.length > 0) {
    return { available: false, missing, reason: `Bash is not sandboxed: install ${missing.join(' and ')} (e.g. apt-get install ${missing.join(' ')})` };
  }
  if (run) {
    const probe = await run('bwrap', BWRAP_PROBE_ARGS, { env: { PATH: env.PATH ?? '' }, allowFailure: true, timeoutMs: 10_000 }).catch((error: unknown) => ({
      exitCode: null,
      stderr: error instanceof Error ? error.message : String(error),
    }));
    if (probe.exitCode !== 0) {
      const why = probe.stderr.trim().split('\n')[0] ?? '';
      return {
        available: false,
        missing,
        reason: `Bash is not sandboxed: bubblewrap is installed but cannot build a sandbox here (${why || `exit ${String(probe.exitCode)}`}); user namespaces may be disabled`,
      };
    }
  }
  return { available: true, missing, reason: 'bubblewrap and socat found' };
}

export interface SandboxOptions {
  /** The agent's own session root (real path). */
  readonly root: string;
  /** Every other session's real root. */
  readonly otherRoots: readonly string[];
  /** The hub's state dir (holds the key): never readable from Bash. */
  readonly stateDir?: string;
}

/**
 * Settings `sandbox` that fence Bash like the file tools (Claude Code 2.1.197, verified in its
 * bundled code and with a real agent: test/security/sandbox-claude.test.ts):
 * - writes: Claude Code allows only the cwd (the root), its own temp dir (`$TMPDIR/claude-<uid>`)
 *   and a few device files, plus `allowWrite`: here the root, explicitly;
 * - reads: everywhere except `denyRead` (other sessions' roots, the state dir), which bubblewrap
 *   hides behind an empty tmpfs (Seatbelt denies them on macOS);
 * - `denyWrite` repeats them in case one of them is ever inside a writable path;
 * - `allowUnsandboxedCommands: false`: the model's `dangerouslyDisableSandbox: true` is ignored;
 * - `failIfUnavailable`: if the sandbox cannot start, Claude Code refuses to start instead of
 *   running Bash bare;
 * - `autoAllowBashIfSandboxed: false`: the sandbox adds a fence, it does not take away the
 *   person's Bash permission prompts.
 * `//` starts an absolute path (one slash would be relative to the settings file's folder).
 * Only add it when sandboxSupport() says the sandbox is available.
 */
export function buildSandboxSettings(options: SandboxOptions): Record<string, unknown> {
  if (!options.root.startsWith('/')) {
    throw new HubError(ErrorCodes.INVALID_PATH, `sandbox root must be an absolute path, got "${options.root}".`, {
      data: { field: 'root', value: options.root },
    });
  }
  const absolute = (p: string): string => `/${p.replace(/\/+$/, '')}`;
  const denied = [...options.otherRoots, ...(options.stateDir === undefined ? [] : [options.stateDir])].filter((p) => p.startsWith('/')).map(absolute);
  return {
    enabled: true,
    failIfUnavailable: true,
    allowUnsandboxedCommands: false,
    autoAllowBashIfSandboxed: false,
    filesystem: {
      allowWrite: [absolute(options.root)],
      denyRead: denied,
      denyWrite: denied,
    },
  };
}

/** The roots file's text: one real absolute root per line. Refuses paths a line cannot hold. */
export function formatRootsFile(roots: readonly string[]): string {
  for (const root of roots) {
    if (!root.startsWith('/') || /[\r\n\u0000]/.test(root)) {
      throw new HubError(ErrorCodes.INVALID_PATH, `a session root must be absolute and one line to be enforced; got "${root.replace(/[\r\n\u0000]/g, '?')}".`, {
        data: { root },
      });
    }
  }
  return roots.map((root) => `${root}\n`).join('');
}

/**
 * Writes the roots file atomically (temp file + rename in the same directory), so a guard
 * running at that moment reads either the old list or the new one, never half of one.
 */
export async function writeRootsFile(file: string, roots: readonly string[]): Promise<void> {
  const text = formatRootsFile(roots);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o644 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw new HubError(ErrorCodes.IO_ERROR, `could not write the session roots file ${file}: ${(error as Error).message}`, {
      data: { file },
      cause: error,
    });
  }
}
