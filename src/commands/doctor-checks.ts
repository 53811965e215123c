/**
 * What `doctor` checks and what it tells the user to do. The probing (running tools, reading
 * the state dir) is injected, so the judgement here is pure and tested without a machine.
 */
import type { SandboxSupport } from '../security/guard.js';
import { styleFor, type Style } from './command-io.js';
import { missingOptions, parseOptions, parseVersion } from '../agent/claude-probe.js';
import { compatibilityOf, TESTED_RELEASES } from '../agent/compat.js';

export type CheckStatus = 'ok' | 'missing' | 'warn' | 'skip';

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  /** A missing required check makes doctor exit non-zero. */
  readonly required: boolean;
  readonly version?: string;
  readonly detail: string;
  /** Exactly what to install or change. */
  readonly fix?: string;
}

export interface Probes {
  readonly platform: NodeJS.Platform;
  readonly nodeVersion: string;
  readonly home: string;
  /** The first line of `command args`'s output (trimmed), or null when it cannot run. */
  run(command: string, args: readonly string[]): Promise<string | null>;
  /** The whole output (time-limited), or null when it cannot run; without it, `--help` is not read. */
  output?(command: string, args: readonly string[]): Promise<string | null>;
  pathExists(path: string): Promise<boolean>;
  /** The state dir's mode bits, whether it is a folder and writable; null when it does not exist. */
  stateDir(path: string): Promise<{ mode: number; directory: boolean; writable: boolean } | null>;
  /** The nearest existing ancestor of `path`: is it a folder, and writable (so the dir can be created)? */
  nearestParent(path: string): Promise<{ path: string; directory: boolean; writable: boolean }>;
}

export interface DoctorOptions {
  readonly claudeCommand: string;
  readonly stateDir: string;
  readonly backend: 'auto' | 'tmux' | 'iterm2';
}

const MIN_NODE = [20, 19] as const;

function install(platform: NodeJS.Platform, what: { apt: string; brew: string }): string {
  return platform === 'darwin' ? `brew install ${what.brew}` : `sudo apt-get install ${what.apt} (or your distribution's package manager)`;
}

export function checkNode(version: string): Check {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { name: 'node', status: 'ok', required: true, version, detail: `Node.js ${version}` }
    : {
        name: 'node',
        status: 'missing',
        required: true,
        version,
        detail: `Node.js ${version} is too old; claude-hub needs ${MIN_NODE.join('.')} or newer.`,
        fix: 'Install Node.js 20.19+ (https://nodejs.org, or `nvm install 20`).',
      };
}

/** Whether agents' Bash runs in Claude Code's sandbox here (not required: the guard still checks Bash commands). */
export function checkSandbox(support: SandboxSupport, platform: NodeJS.Platform): Check {
  if (support.available) return { name: 'sandbox', status: 'ok', required: false, detail: `agents' Bash runs in Claude Code's sandbox (${support.reason})` };
  const detail = `${support.reason}. Agents' Bash can then reach every file you can; only commands that name another session's root are refused.`;
  if (platform !== 'linux') return { name: 'sandbox', status: 'warn', required: false, detail };
  return {
    name: 'sandbox',
    status: 'warn',
    required: false,
    detail,
    fix:
      support.missing.length > 0
        ? `sudo apt-get install ${support.missing.join(' ')} (or your distribution's package manager)`
        : 'Enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run claude-hub where bubblewrap works.',
  };
}

export async function runChecks(probes: Probes, options: DoctorOptions): Promise<Check[]> {
  const { platform } = probes;
  const checks: Check[] = [checkNode(probes.nodeVersion)];

  const usesTmux = options.backend === 'tmux' || (options.backend === 'auto' && platform !== 'darwin');
  const tmux = await probes.run('tmux', ['-V']);
  checks.push(
    tmux !== null
      ? { name: 'tmux', status: 'ok', required: usesTmux, version: tmux.replace(/^tmux\s*/, ''), detail: tmux }
      : {
          name: 'tmux',
          status: usesTmux ? 'missing' : 'warn',
          required: usesTmux,
          detail: usesTmux ? 'tmux is not on PATH; agents run in tmux windows.' : 'tmux is not on PATH (only needed with --backend tmux).',
          fix: install(platform, { apt: 'tmux', brew: 'tmux' }),
        },
  );

  if (platform === 'darwin') {
    const usesIterm = options.backend !== 'tmux';
    const osascript = await probes.run('osascript', ['-e', 'return "ok"']);
    const iterm = (await probes.pathExists('/Applications/iTerm.app')) || (await probes.pathExists(`${probes.home}/Applications/iTerm.app`));
    checks.push(
      osascript !== null && iterm
        ? {
            name: 'iterm2',
            status: 'ok',
            required: false,
            detail:
              'iTerm2 and osascript found. On first use macOS asks to let claude-hub control iTerm2: allow it (System Settings → Privacy & Security → Automation).',
          }
        : {
            name: 'iterm2',
            status: usesIterm && options.backend === 'iterm2' ? 'missing' : 'warn',
            required: options.backend === 'iterm2',
            detail: osascript === null ? 'osascript cannot run.' : 'iTerm2 is not installed in /Applications.',
            fix: 'Install iTerm2 (brew install --cask iterm2) or use --backend tmux.',
          },
    );
  } else {
    checks.push({ name: 'iterm2', status: 'skip', required: false, detail: `not macOS (${platform}): the tmux backend is used.` });
  }

  checks.push(await checkClaude(probes, options.claudeCommand));

  const git = await probes.run('git', ['--version']);
  checks.push(
    git !== null
      ? { name: 'git', status: 'ok', required: true, version: git.replace(/^git version\s*/, ''), detail: git }
      : {
          name: 'git',
          status: 'missing',
          required: true,
          detail: 'git is not on PATH; the hub records changes in git.',
          fix: install(platform, { apt: 'git', brew: 'git' }),
        },
  );

  checks.push(await checkStateDir(probes, options.stateDir));
  return checks;
}

async function checkStateDir(probes: Probes, path: string): Promise<Check> {
  const other = 'choose another with --state-dir (or CLAUDE_HUB_STATE_DIR)';
  const info = await probes.stateDir(path);
  if (info === null) {
    const parent = await probes.nearestParent(path);
    if (!parent.directory) {
      return {
        name: 'state-dir',
        status: 'missing',
        required: true,
        detail: `${parent.path} is a file, so ${path} cannot be created under it.`,
        fix: `${other[0]!.toUpperCase()}${other.slice(1)}: a folder path.`,
      };
    }
    return parent.writable
      ? { name: 'state-dir', status: 'ok', required: true, detail: `${path} does not exist yet; it will be created (mode 700) on first start.` }
      : {
          name: 'state-dir',
          status: 'missing',
          required: true,
          detail: `${path} does not exist and ${parent.path} is not writable, so it cannot be created.`,
          fix: `mkdir -p -m 700 '${path}' or ${other}.`,
        };
  }
  if (!info.directory)
    return {
      name: 'state-dir',
      status: 'missing',
      required: true,
      detail: `${path} is a file, not a folder.`,
      fix: `${other[0]!.toUpperCase()}${other.slice(1)}: a folder path.`,
    };
  const mode = (info.mode & 0o777).toString(8).padStart(3, '0');
  if (!info.writable)
    return { name: 'state-dir', status: 'missing', required: true, detail: `${path} is not writable.`, fix: `chmod u+rwx '${path}' or ${other}.` };
  if ((info.mode & 0o077) !== 0) {
    return {
      name: 'state-dir',
      status: 'warn',
      required: true,
      detail: `${path} is writable but group/others can access it (mode ${mode}); it holds the state key and audit log.`,
      fix: `chmod 700 '${path}'`,
    };
  }
  return { name: 'state-dir', status: 'ok', required: true, detail: `${path} (mode ${mode}, writable)` };
}

export function doctorFailed(checks: readonly Check[]): boolean {
  return checks.some((check) => check.required && check.status === 'missing');
}

export function formatChecks(checks: readonly Check[], style: Style = styleFor({}, {})): string {
  const mark: Record<CheckStatus, string> = { ok: style.green('ok  '), missing: style.red('FAIL'), warn: style.yellow('warn'), skip: style.dim('skip') };
  return checks.map((check) => `[${mark[check.status]}] ${check.name.padEnd(9)} ${check.detail}${check.fix ? `\n       fix: ${check.fix}` : ''}`).join('\n');
}

/**
 * Which Claude Code agents would run: is it Claude Code at all, does it accept what the hub
 * passes, and is it a release the hub was tested with (docs/compatibility.md)? Outside the
 * tested range is a warning with what to do, never a failure.
 */
async function checkClaude(probes: Probes, command: string): Promise<Check> {
  const install = 'Install Claude Code (npm install -g @anthropic-ai/claude-code) or point at it with --claude-command PATH (CLAUDE_HUB_CLAUDE_COMMAND).';
  const printed = await probes.run(command, ['--version']);
  if (printed === null)
    return { name: 'claude', status: 'missing', required: true, detail: `${command} --version did not run; agents are Claude Code processes.`, fix: install };
  const version = parseVersion(printed);
  if (version === null) {
    return {
      name: 'claude',
      status: 'missing',
      required: true,
      detail: `${command} is not Claude Code: --version printed ${JSON.stringify(printed.slice(0, 120))}.`,
      fix: install,
    };
  }
  const help = probes.output ? await probes.output(command, ['--help']) : null;
  const missing = help === null ? [] : missingOptions({ options: parseOptions(help) });
  if (missing.length > 0) {
    return {
      name: 'claude',
      status: 'missing',
      required: true,
      version,
      detail: `Claude Code ${version} does not accept ${missing.join(', ')}, which the hub passes to every agent.`,
      fix: 'npm install -g @anthropic-ai/claude-code@latest',
    };
  }
  const compat = compatibilityOf(version);
  const tested = `tested: ${TESTED_RELEASES.oldest} and ${TESTED_RELEASES.current}`;
  if (compat.status === 'tested' || compat.status === 'between')
    return { name: 'claude', status: 'ok', required: true, version, detail: `${command}: ${compat.message}` };
  return {
    name: 'claude',
    status: 'warn',
    required: true,
    version,
    detail: `${command}: ${compat.message}`,
    fix:
      compat.status === 'older'
        ? 'npm install -g @anthropic-ai/claude-code@latest'
        : `nothing needed (${tested}); to stay on a tested release: npm install -g @anthropic-ai/claude-code@${TESTED_RELEASES.current}`,
  };
}
