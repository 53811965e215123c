/**
 * How an agent's `claude` process is started: argv, env and cwd, as data. The env is an
 * explicit allow-list of what the agent needs from the hub's env, plus the hub's own
 * variables; nothing else leaks in (in particular not CLAUDECODE, which would make a nested
 * Claude Code think it runs inside another one).
 */
import { HubError, ErrorCodes } from '../errors.js';

export interface LaunchSpecInput {
  /** argv[0]: `claude` on PATH or an absolute path. */
  readonly claudeCommand: string;
  readonly agentName: string;
  readonly hubSession: string;
  /** Conversation id: new (`--session-id`) or resumed (`--resume`). */
  readonly claudeSessionId: string;
  readonly resume?: boolean;
  /**
   * File holding the appended system prompt (assembled by prompt.ts). A file, not the text:
   * a terminal backend passes argv through its own command line (tmux refuses ~16 KB ones).
   */
  readonly promptFile: string;
  readonly settingsFile: string;
  /** Session root: the agent's cwd. */
  readonly root: string;
  readonly permissionMode?: string | null;
  readonly model?: string | null;
  readonly extraArgs?: readonly string[];
  /** Where pass-through variables come from (the hub's env). */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Set last; wins over pass-through (e.g. a test's HOME). */
  readonly extraEnv?: Readonly<Record<string, string>>;
}

export interface LaunchSpec {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

export const PERMISSION_MODES = ['acceptEdits', 'auto', 'bypassPermissions', 'default', 'dontAsk', 'plan'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PASS_EXACT = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'TERM', 'SHELL', 'TMPDIR', 'COLORTERM', 'TZ']);
const PASS_PREFIXES = ['LC_', 'ANTHROPIC_', 'CLAUDE_'];
// Variables that tell a Claude Code it runs inside another one, or would make it misreport.
const NEVER_PASS = new Set(['CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT', 'CLAUDE_HUB_AGENT', 'CLAUDE_HUB_SESSION']);

/** The allow-listed part of `env`. */
export function agentPassThroughEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || NEVER_PASS.has(key)) continue;
    if (PASS_EXACT.has(key) || PASS_PREFIXES.some((prefix) => key.startsWith(prefix))) out[key] = value;
  }
  return out;
}

export function buildLaunchSpec(input: LaunchSpecInput): LaunchSpec {
  if (!UUID.test(input.claudeSessionId)) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Claude session id ${JSON.stringify(input.claudeSessionId)} is not a UUID.`, { data: { claudeSessionId: input.claudeSessionId } });
  }
  if (input.claudeCommand.trim() === '') throw new HubError(ErrorCodes.CONFIG_ERROR, 'The claude command is empty; set --claude-command or CLAUDE_HUB_CLAUDE_COMMAND.');
  if (input.permissionMode && !(PERMISSION_MODES as readonly string[]).includes(input.permissionMode)) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Permission mode ${JSON.stringify(input.permissionMode)} is not one of ${PERMISSION_MODES.join(', ')}.`, {
      data: { permissionMode: input.permissionMode },
    });
  }
  const argv = [
    input.claudeCommand,
    ...(input.resume ? ['--resume', input.claudeSessionId] : ['--session-id', input.claudeSessionId]),
    '-n', input.agentName,
    '--append-system-prompt-file', input.promptFile,
    '--settings', input.settingsFile,
    ...(input.permissionMode ? ['--permission-mode', input.permissionMode] : []),
    ...(input.model ? ['--model', input.model] : []),
    ...(input.extraArgs ?? []),
  ];
  const forbidden = (input.extraArgs ?? []).find((arg) => arg === '--bare' || arg === '--safe-mode');
  if (forbidden) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `${forbidden} turns hooks off, and the hub needs them to see what the agent does; remove it.`, { data: { arg: forbidden } });
  }
  const env = {
    ...agentPassThroughEnv(input.baseEnv),
    ...(input.extraEnv ?? {}),
    CLAUDE_HUB_AGENT: input.agentName,
    CLAUDE_HUB_SESSION: input.hubSession,
  };
  return { argv, env, cwd: input.root };
}
