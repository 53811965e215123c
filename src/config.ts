/**
 * The hub's configuration: its shape (one frozen object), its defaults, and the one state-dir
 * resolver every command uses. `commands/serve-options.ts` builds it from the defaults,
 * environment variables (CLAUDE_HUB_*) and CLI flags, in that order of precedence (flags win).
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ErrorCodes, HubError } from './errors.js';

export type SecurityLevel = 'LOW' | 'MEDIUM' | 'HIGH';
export const SECURITY_LEVELS: readonly SecurityLevel[] = ['LOW', 'MEDIUM', 'HIGH'];

export interface HubConfig {
  readonly transport: 'stdio' | 'http';
  readonly port: number;
  readonly host: string;
  readonly stateDir: string;
  readonly backend: 'auto' | 'tmux' | 'iterm2';
  readonly securityLevel: SecurityLevel;
  readonly maxAgents: number;
  readonly maxSessions: number;
  readonly logDir: string | null;
  /** argv[0] used to launch agents; `claude` on PATH by default. */
  readonly claudeCommand: string;
  /** tmux `-L` socket name; null = the default server. */
  readonly tmuxSocket: string | null;
  /** Path of the HTTP bearer tokens file (name, role, token); null = none. */
  readonly tokensFile: string | null;
  /** Reopen every exited agent with `claude --resume` on start. */
  readonly restore: boolean;
  /** Extra options for every agent's claude. */
  readonly permissionMode: string | null;
  readonly model: string | null;
  /** More variables agents get from the hub's env, beyond Claude Code's own (`--agent-env`). */
  readonly agentEnvNames: readonly string[];
  /** An HTTP session with no request (and no open stream) for this long is closed; 0 = never. */
  readonly httpSessionIdleSeconds: number;
  /** Most HTTP MCP sessions open at once. */
  readonly maxHttpSessions: number;
  /** The live board's own port while serving stdio (`--board [PORT]`); null: no board. (With http it is at `/`.) */
  readonly boardPort: number | null;
  /** `--notify-webhook`: URLs that get a JSON POST when an agent waits for a person, exits, or a task is done. */
  readonly notifyWebhooks: readonly string[];
  /** A working agent with no hook event this long is `stuck` (issue 14). */
  readonly stuckSeconds: number;
  /** The price table file (null: templates/prices.json). */
  readonly pricesFile: string | null;
  /** At a limit that names no reset time, deliveries are held this long, then tried again. */
  readonly limitWaitSeconds: number;
  /** At a limit's reset, agents whose turn it cut are told to continue. */
  readonly limitNudge: boolean;
}

/** `$XDG_STATE_HOME/claude-hub`, `~/.local/state/claude-hub`, or on macOS `~/Library/Application Support/claude-hub`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'claude-hub');
  const home = env.HOME ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'claude-hub');
  return join(home, '.local', 'state', 'claude-hub');
}

/** Where the state dir came from, for messages that name what to change. */
export type StateDirSource = '--state-dir' | 'CLAUDE_HUB_STATE_DIR' | 'XDG_STATE_HOME' | 'default';

export interface ResolvedStateDir {
  /** Absolute. */
  readonly dir: string;
  readonly source: StateDirSource;
}

/**
 * THE way every command finds the state dir, exactly as `serve` does: `--state-dir`, else
 * `CLAUDE_HUB_STATE_DIR`, else `$XDG_STATE_HOME/claude-hub`, else the platform default.
 * A relative path is taken from `cwd`. INVALID_ARGUMENT naming the source for a path with NUL.
 */
export function resolveStateDir(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string, platform: NodeJS.Platform = process.platform): ResolvedStateDir {
  const fromEnv = env.CLAUDE_HUB_STATE_DIR;
  const [given, source]: [string, StateDirSource] =
    flag !== undefined
      ? [flag, '--state-dir']
      : fromEnv !== undefined && fromEnv !== ''
        ? [fromEnv, 'CLAUDE_HUB_STATE_DIR']
        : [defaultStateDir(env, platform), env.XDG_STATE_HOME ? 'XDG_STATE_HOME' : 'default'];
  if (given === '' || given.includes('\0')) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `${source} ${JSON.stringify(given)} is not valid: use a path. See claude-hub serve --help.`, {
      data: { option: source, value: given },
    });
  }
  return { dir: isAbsolute(given) ? given : resolve(cwd, given), source };
}

export function defaultConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  return Object.freeze({
    transport: 'stdio',
    port: 7337,
    host: '127.0.0.1',
    stateDir: defaultStateDir(env),
    backend: 'auto',
    securityLevel: 'HIGH',
    maxAgents: 16,
    maxSessions: 8,
    logDir: null,
    claudeCommand: 'claude',
    tmuxSocket: null,
    tokensFile: null,
    restore: false,
    permissionMode: null,
    model: null,
    agentEnvNames: Object.freeze([]),
    httpSessionIdleSeconds: 1800,
    maxHttpSessions: 64,
    boardPort: null,
    notifyWebhooks: Object.freeze([]),
    stuckSeconds: 300,
    pricesFile: null,
    limitWaitSeconds: 900,
    limitNudge: true,
  } satisfies HubConfig);
}
