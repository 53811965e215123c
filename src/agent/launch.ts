/**
 * How an agent's `claude` process is started: argv, env and cwd, as data. The env is what the
 * agent needs from the hub's env — the basics (PATH, HOME, locale, terminal), Claude Code's own
 * configuration (its documented variables for proxies, certificates, Bedrock, Vertex, Foundry,
 * `DISABLE_*` switches, timeouts, telemetry export) and any names the person adds with
 * `--agent-env` — plus the hub's own variables. Nothing else leaks in, in particular not
 * CLAUDECODE (a nested Claude Code would think it runs inside another one) nor the hub's own
 * CLAUDE_HUB_* configuration.
 *
 * With the release's capabilities (claude-probe.ts) the argv is checked against what that
 * release accepts: a permission mode it does not list is mapped (`manual` ⇄ `default`) or
 * refused, never passed.
 */
import { HubError, ErrorCodes } from '../errors.js';
import { missingOptions, permissionModeFor, type ClaudeCapabilities } from './claude-probe.js';

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
  /** More variable names to pass through (`--agent-env`). */
  readonly passEnv?: readonly string[];
  /** Set last; wins over pass-through (e.g. a test's HOME). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** What the installed release accepts; without it the argv is not checked against a release. */
  readonly capabilities?: Pick<ClaudeCapabilities, 'options' | 'permissionModes' | 'version'>;
}

export interface LaunchSpec {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** Modes a person may ask for; `manual` (2.1.332) and `default` (2.1.197) are one mode. */
export const PERMISSION_MODES = ['acceptEdits', 'auto', 'bypassPermissions', 'default', 'manual', 'dontAsk', 'plan'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PASS_EXACT = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'TERM',
  'SHELL',
  'TMPDIR',
  'COLORTERM',
  'TZ',
  // Network: proxies and certificates (Claude Code's network-config page).
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  // Vertex AI.
  'CLOUD_ML_REGION',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CLOUD_PROJECT',
  'GCLOUD_PROJECT',
  // Limits and timeouts Claude Code reads.
  'BASH_DEFAULT_TIMEOUT_MS',
  'BASH_MAX_TIMEOUT_MS',
  'BASH_MAX_OUTPUT_LENGTH',
  'API_TIMEOUT_MS',
  'MCP_TIMEOUT',
  'MCP_TOOL_TIMEOUT',
  'MAX_MCP_OUTPUT_TOKENS',
  'MAX_THINKING_TOKENS',
  'USE_BUILTIN_RIPGREP',
  'XDG_CONFIG_HOME',
]);
// ANTHROPIC_* (keys, base URLs, Vertex/Foundry ids), CLAUDE_* (CLAUDE_CODE_USE_BEDROCK/VERTEX/FOUNDRY,
// client certificates, CLAUDE_CONFIG_DIR), AWS_* (Bedrock), AZURE_* (Foundry), VERTEX_REGION_*,
// DISABLE_* (auto-updater, telemetry, …), OTEL_* (the person's telemetry export).
const PASS_PREFIXES = ['LC_', 'ANTHROPIC_', 'CLAUDE_', 'AWS_', 'AZURE_', 'VERTEX_REGION_', 'DISABLE_', 'OTEL_'];
// Variables that tell a Claude Code it runs inside another one (or an IDE), or are the hub's own.
const NEVER_PASS = new Set(['CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT', 'CLAUDE_CODE_SSE_PORT', 'CLAUDE_HUB_AGENT', 'CLAUDE_HUB_SESSION']);
const NEVER_PASS_PREFIXES = ['CLAUDE_HUB_'];
/** A name `--agent-env` may add. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The pass-through part of `env`: Claude Code's own configuration, and `extra` names. */
export function agentPassThroughEnv(env: Readonly<Record<string, string | undefined>>, extra: readonly string[] = []): Record<string, string> {
  const wanted = new Set(extra);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || NEVER_PASS.has(key) || NEVER_PASS_PREFIXES.some((prefix) => key.startsWith(prefix))) continue;
    if (wanted.has(key) || PASS_EXACT.has(key) || PASS_PREFIXES.some((prefix) => key.startsWith(prefix))) out[key] = value;
  }
  return out;
}

export function buildLaunchSpec(input: LaunchSpecInput): LaunchSpec {
  if (!UUID.test(input.claudeSessionId)) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Claude session id ${JSON.stringify(input.claudeSessionId)} is not a UUID.`, {
      data: { claudeSessionId: input.claudeSessionId },
    });
  }
  if (input.claudeCommand.trim() === '')
    throw new HubError(ErrorCodes.CONFIG_ERROR, 'The claude command is empty; set --claude-command or CLAUDE_HUB_CLAUDE_COMMAND.');
  if (input.permissionMode && !(PERMISSION_MODES as readonly string[]).includes(input.permissionMode)) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Permission mode ${JSON.stringify(input.permissionMode)} is not one of ${PERMISSION_MODES.join(', ')}.`, {
      data: { permissionMode: input.permissionMode },
    });
  }
  const caps = input.capabilities;
  if (caps) {
    const missing = missingOptions(caps);
    if (missing.length > 0) {
      throw new HubError(
        ErrorCodes.CONFIG_ERROR,
        `Claude Code ${caps.version ?? '(unknown version)'} does not accept ${missing.join(', ')}, which the hub needs to manage an agent; install a newer release (npm install -g @anthropic-ai/claude-code@latest).`,
        {
          data: { missing, version: caps.version },
        },
      );
    }
  }
  const permissionMode = input.permissionMode && caps ? permissionModeFor(input.permissionMode, caps) : (input.permissionMode ?? null);
  const argv = [
    input.claudeCommand,
    ...(input.resume ? ['--resume', input.claudeSessionId] : ['--session-id', input.claudeSessionId]),
    '-n',
    input.agentName,
    '--append-system-prompt-file',
    input.promptFile,
    '--settings',
    input.settingsFile,
    ...(permissionMode ? ['--permission-mode', permissionMode] : []),
    ...(input.model ? ['--model', input.model] : []),
    ...(input.extraArgs ?? []),
  ];
  const forbidden = (input.extraArgs ?? []).find((arg) => arg === '--bare' || arg === '--safe-mode');
  if (forbidden) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `${forbidden} turns hooks off, and the hub needs them to see what the agent does; remove it.`, {
      data: { arg: forbidden },
    });
  }
  const env = {
    // An agent must not replace the binary under the other agents mid-run (seen in tests);
    // the person updates Claude Code, and `doctor` says whether the hub was tested with it.
    DISABLE_AUTOUPDATER: '1',
    ...agentPassThroughEnv(input.baseEnv, input.passEnv),
    ...(input.extraEnv ?? {}),
    CLAUDE_HUB_AGENT: input.agentName,
    CLAUDE_HUB_SESSION: input.hubSession,
  };
  return { argv, env, cwd: input.root };
}
