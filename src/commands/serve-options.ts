/**
 * `serve` options: flags win over CLAUDE_HUB_* environment variables, which win over the
 * defaults. Pure: argv and env in, a frozen HubConfig out, or INVALID_ARGUMENT naming the
 * flag, the bad value and what is allowed.
 */
import { parseArgs } from 'node:util';
import { isAbsolute, resolve } from 'node:path';
import { defaultConfig, resolveStateDir, SECURITY_LEVELS, type HubConfig, type SecurityLevel } from '../config.js';
import { ErrorCodes, HubError } from '../errors.js';
import { ENV_NAME } from '../agent/launch.js';
import { EXIT_CODES } from './command-io.js';

/** Flag name → what `--help` says about it. The env variable is CLAUDE_HUB_<FLAG_IN_CAPS>. */
export const SERVE_FLAGS = {
  transport: 'stdio (default; what Claude Desktop runs) or http',
  port: 'HTTP port (default 7337; 0 picks a free one)',
  host: 'HTTP bind address (default 127.0.0.1; beyond loopback needs --tokens-file)',
  'state-dir': 'where state, audit log and agent event files live',
  backend: 'auto (default), tmux or iterm2',
  'security-level': 'LOW (reads only), MEDIUM (acts) or HIGH (default: creates and deletes agents)',
  'max-agents': 'most agents across the hub (default 16)',
  'max-sessions': 'most sessions (default 8)',
  'log-dir': 'also log to rotating files in this folder',
  'claude-command': 'the claude executable agents run (default: claude on PATH)',
  'tmux-socket': 'tmux -L socket name (default: your tmux server)',
  'tokens-file': 'HTTP bearer tokens file (name, role, token)',
  'permission-mode': "agents' claude --permission-mode",
  model: "agents' claude --model",
  'agent-env':
    "more variables agents get from this env, comma-separated (Claude Code's own proxy, certificate, Bedrock/Vertex/Foundry and DISABLE_* variables always pass)",
  restore: 'reopen exited agents with claude --resume on start (boolean)',
  'http-session-idle': 'close an HTTP session idle this many seconds (default 1800; 0 = never)',
  'max-http-sessions': 'most HTTP sessions open at once (default 64)',
  board: `with stdio, also serve the live board on this port (--board alone: ${7338}; 0 picks a free one); with http it is at /`,
  'notify-webhook': 'POST a JSON notice here when an agent waits for you, exits, or a task is done (repeatable; env: comma-separated)',
  'stuck-after': 'a working agent with no hook event this many seconds is stuck (default 300)',
  prices: 'the price table file for cost estimates (default: templates/prices.json)',
  'limit-wait': 'at a usage limit that names no reset, hold deliveries this many seconds (default 900)',
  'limit-nudge': 'at a limit reset, tell agents whose turn it cut to continue (boolean, default true)',
} as const;

/** The board's port when `--board` is given without one. */
export const DEFAULT_BOARD_PORT = 7338;

type Flag = keyof typeof SERVE_FLAGS;
const BOOLEAN_FLAGS: ReadonlySet<Flag> = new Set(['restore', 'limit-nudge']);
const MULTIPLE_FLAGS: ReadonlySet<Flag> = new Set(['notify-webhook']);

export function envName(flag: string): string {
  return `CLAUDE_HUB_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** The serve configuration: each field read by its kind's reader, with its limits and default. */
export function parseServeOptions(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): HubConfig {
  const values = parseServeFlags(argv);
  const { oneOf, integer, path, text, envNames, boolean } = valueReaders(values, env, cwd);
  const integerOrNull = (flag: Flag, min: number, max: number): number | null =>
    rawValue(values, env, flag) === undefined ? null : integer(flag, min, max, 0);
  const defaults = defaultConfig(env);
  const config: HubConfig = {
    transport: oneOf('transport', ['stdio', 'http'] as const, defaults.transport),
    port: integer('port', 0, 65535, defaults.port),
    host: text('host', /^[A-Za-z0-9.:[\]-]{1,255}$/, 'an IP address or host name', defaults.host) ?? defaults.host,
    stateDir: resolveStateDir(values['state-dir'] as string | undefined, env, cwd).dir,
    backend: oneOf('backend', ['auto', 'tmux', 'iterm2'] as const, defaults.backend),
    securityLevel: oneOf<SecurityLevel>('security-level', SECURITY_LEVELS, defaults.securityLevel),
    maxAgents: integer('max-agents', 1, 256, defaults.maxAgents),
    maxSessions: integer('max-sessions', 1, 64, defaults.maxSessions),
    logDir: path('log-dir', defaults.logDir),
    claudeCommand: text('claude-command', /^[^\0\n]{1,4096}$/, 'a command name or path', defaults.claudeCommand) ?? defaults.claudeCommand,
    tmuxSocket: text('tmux-socket', /^[A-Za-z0-9_.-]{1,64}$/, 'a socket name of letters, digits, _ . -', defaults.tmuxSocket),
    tokensFile: path('tokens-file', defaults.tokensFile),
    restore: boolean('restore', defaults.restore),
    permissionMode: text('permission-mode', /^[A-Za-z]{1,32}$/, 'a Claude Code permission mode, e.g. acceptEdits', defaults.permissionMode),
    model: text('model', /^[A-Za-z0-9._:-]{1,100}$/, 'a model name', defaults.model),
    agentEnvNames: envNames('agent-env', defaults.agentEnvNames),
    // A week at most: longer is what 0 (never) is for, and it stays within setTimeout's range.
    httpSessionIdleSeconds: integer('http-session-idle', 0, 604800, defaults.httpSessionIdleSeconds),
    maxHttpSessions: integer('max-http-sessions', 1, 1024, defaults.maxHttpSessions),
    boardPort: values['board'] === '' ? DEFAULT_BOARD_PORT : integerOrNull('board', 0, 65535),
    notifyWebhooks: webhookUrls(values['notify-webhook'], env),
    stuckSeconds: integer('stuck-after', 10, 86400, defaults.stuckSeconds),
    pricesFile: path('prices', defaults.pricesFile),
    limitWaitSeconds: integer('limit-wait', 10, 86400, defaults.limitWaitSeconds),
    limitNudge: boolean('limit-nudge', defaults.limitNudge),
  };
  return Object.freeze(config);
}

/** `--notify-webhook` (repeatable) or CLAUDE_HUB_NOTIFY_WEBHOOK (comma-separated): http(s) URLs, at most 8. */
function webhookUrls(given: FlagValues[string], env: NodeJS.ProcessEnv): readonly string[] {
  const fromEnv = env[envName('notify-webhook')];
  const [urls, source] = Array.isArray(given)
    ? [given, '--notify-webhook']
    : fromEnv
      ? [
          fromEnv
            .split(',')
            .map((u) => u.trim())
            .filter(Boolean),
          envName('notify-webhook'),
        ]
      : [[], ''];
  for (const url of urls) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(url).protocol);
    } catch {
      ok = false;
    }
    if (!ok || urls.length > 8)
      throw new HubError(
        ErrorCodes.INVALID_ARGUMENT,
        `${source} ${JSON.stringify(url.slice(0, 200))} is not valid: use up to 8 http(s) URLs. See claude-hub serve --help.`,
        {
          data: { option: source },
        },
      );
  }
  return Object.freeze([...new Set(urls)]);
}

type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** The flags as given (strict: an unknown flag is INVALID_ARGUMENT pointing at the help). */
function parseServeFlags(argv: readonly string[]): FlagValues {
  // `--board` may come without a port: give it an empty one (the default port).
  const args = argv.map((arg, i) => (arg === '--board' && (i + 1 >= argv.length || argv[i + 1]!.startsWith('-')) ? '--board=' : arg));
  try {
    const options = Object.fromEntries(
      (Object.keys(SERVE_FLAGS) as Flag[]).map((flag) => [
        flag,
        { type: BOOLEAN_FLAGS.has(flag) ? ('boolean' as const) : ('string' as const), ...(MULTIPLE_FLAGS.has(flag) ? { multiple: true } : {}) },
      ]),
    );
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as FlagValues;
  } catch (error) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `${(error as Error).message}. See claude-hub serve --help.`);
  }
}

/**
 * One reader per kind of value: each takes the flag, else its environment variable, else the
 * default, and refuses a bad value naming where it came from (`--port` or `CLAUDE_HUB_PORT`).
 */
/** The flag's value, else its environment variable's, as a string; undefined when neither is set. */
function rawValue(values: FlagValues, env: NodeJS.ProcessEnv, flag: Flag): { value: string; source: string } | undefined {
  const given = values[flag];
  if (given !== undefined) return { value: String(given), source: `--${flag}` };
  const fromEnv = env[envName(flag)];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: envName(flag) };
  return undefined;
}

function valueReaders(values: FlagValues, env: NodeJS.ProcessEnv, cwd: string) {
  const raw = (flag: Flag) => rawValue(values, env, flag);
  const bad = (source: string, value: string, allowed: string): HubError =>
    new HubError(ErrorCodes.INVALID_ARGUMENT, `${source} ${JSON.stringify(value)} is not valid: use ${allowed}. See claude-hub serve --help.`, {
      data: { option: source, value },
    });
  const oneOf = <T extends string>(flag: Flag, allowed: readonly T[], fallback: T): T => {
    const got = raw(flag);
    if (got === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(got.value)) throw bad(got.source, got.value, allowed.join(', '));
    return got.value as T;
  };
  const integer = (flag: Flag, min: number, max: number, fallback: number): number => {
    const got = raw(flag);
    if (got === undefined) return fallback;
    if (!/^\d+$/.test(got.value) || Number(got.value) < min || Number(got.value) > max)
      throw bad(got.source, got.value, `a whole number from ${min} to ${max}`);
    return Number(got.value);
  };
  const path = (flag: Flag, fallback: string | null): string | null => {
    const got = raw(flag);
    if (got === undefined) return fallback;
    if (got.value.includes('\0')) throw bad(got.source, got.value, 'a path');
    return isAbsolute(got.value) ? got.value : resolve(cwd, got.value);
  };
  const text = (flag: Flag, pattern: RegExp, allowed: string, fallback: string | null): string | null => {
    const got = raw(flag);
    if (got === undefined) return fallback;
    if (!pattern.test(got.value)) throw bad(got.source, got.value, allowed);
    return got.value;
  };
  const envNames = (flag: Flag, fallback: readonly string[]): readonly string[] => {
    const got = raw(flag);
    if (got === undefined) return fallback;
    const names = got.value
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    const wrong = names.find((n) => !ENV_NAME.test(n) || n.startsWith('CLAUDE_HUB_') || n === 'CLAUDECODE');
    if (wrong !== undefined || names.length > 64) throw bad(got.source, got.value, 'up to 64 variable names, comma-separated (not CLAUDECODE or CLAUDE_HUB_*)');
    return Object.freeze([...new Set(names)]);
  };
  const boolean = (flag: Flag, fallback: boolean): boolean => {
    const got = raw(flag);
    if (got === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(got.value)) return true;
    if (/^(0|false|no|off)$/i.test(got.value)) return false;
    throw bad(got.source, got.value, 'true or false');
  };
  return { oneOf, integer, path, text, envNames, boolean };
}

export function serveHelp(): string {
  const width = Math.max(...Object.keys(SERVE_FLAGS).map((f) => f.length)) + 4;
  const lines = (Object.entries(SERVE_FLAGS) as [Flag, string][]).map(
    ([flag, what]) => `  --${flag.padEnd(width - 2)}${what}\n  ${' '.repeat(width)}env ${envName(flag)}`,
  );
  return `usage: claude-hub serve [options]

Runs the MCP server (the default command). stdout carries only the MCP protocol; logs go to
stderr (and --log-dir). One ready line is printed to stderr when it is listening.

options (each also from its environment variable; flags win):
${lines.join('\n')}
  -h, --help${' '.repeat(width - 8)}this help

${EXIT_CODES}
`;
}
