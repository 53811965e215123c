/**
 * What the installed `claude` is and accepts, learned from the release itself: its version
 * (`--version`), its options and permission modes (`--help`), and the hook events it knows
 * (their names in its own binary). Claude Code ships about a release a day: the hub never
 * passes an option, a permission mode or a hook event the release would refuse — an unknown
 * hook event, for one, stops the agent at a settings-error dialog before it starts.
 *
 * Each probe is time-limited (a `--help` that hangs is an error that says so) and cached per
 * binary (path, size, mtime), in memory and in the state dir, so a hub start costs nothing
 * after the first.
 */
import { open, readFile, realpath, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { HubError, ErrorCodes, toHubError } from '../errors.js';
import type { Exec } from '../exec.js';
import { replaceFileDurably } from '../store/durable-file.js';
import { compareVersions, TESTED_RELEASES } from './compat.js';
import { AGENT_HOOK_EVENTS, BASE_HOOK_EVENTS } from './settings.js';

export interface ClaudeCapabilities {
  /** The binary the command resolved to (symlinks followed). */
  readonly path: string;
  /** `2.1.332`; null when `--version` did not name Claude Code. */
  readonly version: string | null;
  /** Long options listed by `--help` (and the ones its text names, like `--append-system-prompt[-file]`). */
  readonly options: readonly string[];
  /** `--permission-mode` choices from `--help`; null when it lists none. */
  readonly permissionModes: readonly string[] | null;
  /** Hook events found in the binary among those the hub may use; null when it could not be read. */
  readonly hookEvents: readonly string[] | null;
}

/** Hook events the hub can make use of (settings.ts owns the list): looked for in the binary. */
export const KNOWN_HOOK_EVENTS = AGENT_HOOK_EVENTS;

export interface ProbeOptions {
  readonly exec: Exec;
  /** The agents' environment: PATH to look the command up on, HOME for claude itself. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Per call to `claude`. Default 10 s. */
  readonly timeoutMs?: number;
  /** A JSON file that keeps probes across hub starts. */
  readonly cacheFile?: string;
}

const memory = new Map<string, Promise<ClaudeCapabilities>>();

/** Probes `command` once per binary; later calls (and later hub starts, with a cache file) reuse it. */
export async function probeClaude(command: string, options: ProbeOptions): Promise<ClaudeCapabilities> {
  const path = await resolveCommand(command, options.env.PATH ?? '');
  const info = await stat(path);
  const key = `${path}\u0000${info.size}\u0000${info.mtimeMs}`;
  let probe = memory.get(key);
  if (!probe) {
    probe = fromCache(options.cacheFile, key).then(
      (cached) =>
        cached ??
        probeFresh(command, path, options).then(async (caps) => {
          await toCache(options.cacheFile, key, caps);
          return caps;
        }),
    );
    memory.set(key, probe);
    probe.catch(() => memory.delete(key));
  }
  return probe;
}

/** Forgets in-memory probes (tests). */
export function forgetProbes(): void {
  memory.clear();
}

async function resolveCommand(command: string, pathVar: string): Promise<string> {
  const candidates = command.includes('/')
    ? [command]
    : pathVar
        .split(delimiter)
        .filter((dir) => isAbsolute(dir))
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      const real = await realpath(candidate);
      if ((await stat(real)).isFile()) return real;
    } catch {
      // Not there: try the next folder on PATH.
    }
  }
  throw new HubError(
    ErrorCodes.CONFIG_ERROR,
    `Claude Code was not found: ${JSON.stringify(command)} is not ${command.includes('/') ? 'a file' : "on the agents' PATH"}. Install it (npm install -g @anthropic-ai/claude-code) or set --claude-command PATH (CLAUDE_HUB_CLAUDE_COMMAND).`,
    {
      data: { command },
    },
  );
}

async function probeFresh(command: string, path: string, options: ProbeOptions): Promise<ClaudeCapabilities> {
  const run = async (args: string[]): Promise<string> => {
    const env = Object.fromEntries(Object.entries({ ...options.env, DISABLE_AUTOUPDATER: '1' }).filter((e): e is [string, string] => e[1] !== undefined));
    try {
      const out = await options.exec(path, args, { env, timeoutMs: options.timeoutMs ?? 10_000, allowFailure: true });
      return `${out.stdout}\n${out.stderr}`;
    } catch (error) {
      const hub = toHubError(error);
      throw new HubError(
        hub.code === ErrorCodes.TIMEOUT ? ErrorCodes.TIMEOUT : ErrorCodes.CONFIG_ERROR,
        `${command} ${args.join(' ')} did not answer: ${hub.message} Check that --claude-command names Claude Code.`,
        { data: { command, args } },
      );
    }
  };
  const versionText = await run(['--version']);
  const version = parseVersion(versionText);
  if (version === null) {
    throw new HubError(
      ErrorCodes.CONFIG_ERROR,
      `${command} is not Claude Code: \`--version\` printed ${JSON.stringify(versionText.trim().slice(0, 200))}. Set --claude-command to Claude Code's \`claude\`.`,
      { data: { command } },
    );
  }
  const help = await run(['--help']);
  return { path, version, options: parseOptions(help), permissionModes: parsePermissionModes(help), hookEvents: await findHookEvents(path) };
}

/** `2.1.332 (Claude Code)` → `2.1.332`. */
export function parseVersion(text: string): string | null {
  return /(\d+\.\d+\.\d+)\s*\(Claude Code\)/.exec(text)?.[1] ?? null;
}

/** Every `--long-option` the help text names; `--x[-file]` names both `--x` and `--x-file`. */
export function parseOptions(help: string): string[] {
  const found = new Set<string>();
  for (const match of help.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)(\[(-[a-z0-9-]+)\])?/g)) {
    found.add(match[1]!);
    if (match[3]) found.add(`${match[1]}${match[3]}`);
  }
  return [...found].sort();
}

/** The `(choices: "a", "b")` listed under `--permission-mode`. */
export function parsePermissionModes(help: string): string[] | null {
  const at = help.indexOf('--permission-mode');
  if (at < 0) return null;
  const choices = /\(choices:\s*([^)]*)\)/.exec(help.slice(at, at + 600))?.[1];
  if (!choices) return null;
  return [...choices.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

/** Which of KNOWN_HOOK_EVENTS appear, quoted, in the binary (or script); null when it cannot be read. */
async function findHookEvents(path: string): Promise<string[] | null> {
  const wanted = KNOWN_HOOK_EVENTS.map((name) => ({ name, needle: Buffer.from(`"${name}"`) }));
  const found = new Set<string>();
  let handle;
  try {
    handle = await open(path, 'r');
    const chunk = Buffer.alloc(8 * 1024 * 1024);
    const overlap = 64;
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      const view = chunk.subarray(0, bytesRead);
      for (const w of wanted) if (!found.has(w.name) && view.includes(w.needle)) found.add(w.name);
      if (found.size === wanted.length || bytesRead < chunk.length) break;
      position += bytesRead - overlap;
    }
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
  return found.size === 0 ? null : KNOWN_HOOK_EVENTS.filter((name) => found.has(name));
}

async function fromCache(file: string | undefined, key: string): Promise<ClaudeCapabilities | null> {
  if (!file) return null;
  try {
    const all = JSON.parse(await readFile(file, 'utf8')) as Record<string, ClaudeCapabilities>;
    const hit = all[key];
    return hit && typeof hit.path === 'string' && Array.isArray(hit.options) ? hit : null;
  } catch {
    return null;
  }
}

async function toCache(file: string | undefined, key: string, caps: ClaudeCapabilities): Promise<void> {
  if (!file) return;
  try {
    let all: Record<string, ClaudeCapabilities> = {};
    try {
      all = JSON.parse(await readFile(file, 'utf8')) as Record<string, ClaudeCapabilities>;
    } catch {
      // No cache yet (or unreadable): start a new one.
    }
    // Keep the few newest binaries only: a cache, not a history.
    const kept = Object.entries(all).slice(-7);
    await replaceFileDurably(file, Buffer.from(JSON.stringify(Object.fromEntries([...kept, [key, caps]]), null, 2) + '\n', 'utf8'), { mode: 0o600 });
  } catch {
    // A cache that cannot be written costs one probe per start, nothing more.
  }
}

/** The mode to pass for `wanted`: `manual` and `default` are one mode under two names (2.1.332 renamed it). */
export function permissionModeFor(wanted: string, caps: Pick<ClaudeCapabilities, 'permissionModes' | 'version'>): string {
  const offered = caps.permissionModes;
  if (offered === null || offered.includes(wanted)) return wanted;
  const alias = wanted === 'manual' ? 'default' : wanted === 'default' ? 'manual' : null;
  if (alias !== null && offered.includes(alias)) return alias;
  throw new HubError(
    ErrorCodes.INVALID_ARGUMENT,
    `Claude Code ${caps.version ?? ''} has no permission mode ${JSON.stringify(wanted)}; it offers ${offered.join(', ')}.`,
    {
      data: { permissionMode: wanted, offered },
    },
  );
}

/** Hook events to register: the ones the release knows (or, unread, the ones every supported release knows). */
export function hookEventsFor(caps: Pick<ClaudeCapabilities, 'hookEvents' | 'version'>, wanted: readonly string[]): string[] {
  if (caps.hookEvents !== null) return wanted.filter((event) => caps.hookEvents!.includes(event));
  const base = new Set<string>(BASE_HOOK_EVENTS);
  const supported = caps.version !== null && compareVersions(caps.version, TESTED_RELEASES.oldest) >= 0;
  return wanted.filter((event) => base.has(event) || (supported && (KNOWN_HOOK_EVENTS as readonly string[]).includes(event)));
}

/** Options the hub passes at every launch; a release without them cannot be managed. */
export const REQUIRED_OPTIONS = ['--session-id', '--resume', '--name', '--append-system-prompt-file', '--settings'] as const;

export function missingOptions(caps: Pick<ClaudeCapabilities, 'options'>, needed: readonly string[] = REQUIRED_OPTIONS): string[] {
  return needed.filter((option) => !caps.options.includes(option));
}
