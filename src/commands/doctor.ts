/** `claude-hub doctor [--json]`: checks this machine for what claude-hub needs and says what to fix. */
import { access, constants, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { exec } from '../exec.js';
import { isHubError } from '../errors.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, STATE_DIR_OPTION, commandHelp, styleFor, type CommandIo } from './command-io.js';
import { checkSandbox, doctorFailed, formatChecks, runChecks, type Check, type Probes } from './doctor-checks.js';
import { sandboxSupport } from '../security/guard.js';
import { parseServeOptions } from './serve-options.js';

const USAGE = commandHelp(
  ['claude-hub doctor [--json] [--claude-command CMD] [--state-dir DIR] [--backend auto|tmux|iterm2]'],
  `Checks node, tmux, iTerm2/osascript (macOS), claude and its version, git, the state directory,
the terminal backend and the Bash sandbox, and says exactly what to install or change.
Exits 1 if something required is missing.`,
  [
    ['--json', 'one JSON object: {ok, checks: [{name, status, required, version?, detail, fix?}]}'],
    ['--claude-command CMD', 'the claude executable to check (as for serve)'],
    STATE_DIR_OPTION,
    ['--backend B', 'auto, tmux or iterm2 (as for serve)'],
  ],
);

export async function doctorCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let values: {
    json?: boolean | undefined;
    help?: boolean | undefined;
    'claude-command'?: string | undefined;
    'state-dir'?: string | undefined;
    backend?: string | undefined;
  };
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        'claude-command': { type: 'string' },
        'state-dir': { type: 'string' },
        backend: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    io.stderr.write(`INVALID_ARGUMENT: ${(error as Error).message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  const env = io.env ?? process.env;
  let options;
  try {
    const forwarded = (['claude-command', 'state-dir', 'backend'] as const).flatMap((flag) => (values[flag] === undefined ? [] : [`--${flag}`, values[flag]!]));
    options = parseServeOptions(forwarded, env, io.cwd ?? process.cwd());
  } catch (error) {
    io.stderr.write(`${isHubError(error) ? `${error.code}: ${error.message}` : String(error)}\n`);
    return EXIT_USAGE;
  }

  const probes = machineProbes(env);
  const checks = await runChecks(probes, { claudeCommand: options.claudeCommand, stateDir: options.stateDir, backend: options.backend });
  checks.push(await backendCheck(options.backend, env));
  checks.push(checkSandbox(await sandboxSupport(process.platform, env, exec), process.platform));
  const failed = doctorFailed(checks);
  if (values.json) io.stdout.write(JSON.stringify({ ok: !failed, checks }, null, 2) + '\n');
  else
    io.stdout.write(
      `${formatChecks(checks, styleFor(io.stdout, env))}\n\n${failed ? 'Something required is missing: see the fix lines above.' : 'All required checks passed.'}\n`,
    );
  return failed ? EXIT_FAILED : EXIT_OK;
}

/**
 * The doctor's eyes on this machine (doctor-checks.ts judges what they see): each probe answers
 * null or false instead of throwing, so one missing tool never hides the other checks.
 */
function machineProbes(env: NodeJS.ProcessEnv): Probes {
  // Tools are found on the user's PATH; nothing else of the environment is passed on.
  const childEnv: NodeJS.ProcessEnv = { PATH: env['PATH'] ?? '/usr/bin:/bin', HOME: env['HOME'] ?? '', LANG: env['LANG'] ?? 'C.UTF-8' };
  return {
    platform: process.platform,
    nodeVersion: process.versions.node,
    home: env['HOME'] ?? '',
    async run(command, args) {
      try {
        const result = await exec(command, args, { env: childEnv, timeoutMs: 15_000 });
        return (result.stdout.trim() || result.stderr.trim()).split('\n')[0] ?? '';
      } catch {
        return null;
      }
    },
    async output(command, args) {
      try {
        // A `--help` that hangs is a broken claude, not a reason for doctor to hang.
        const result = await exec(command, args, { env: { ...childEnv, DISABLE_AUTOUPDATER: '1' }, timeoutMs: 10_000 });
        return `${result.stdout}\n${result.stderr}`;
      } catch {
        return null;
      }
    },
    async pathExists(path) {
      return access(path).then(
        () => true,
        () => false,
      );
    },
    async stateDir(path) {
      try {
        const info = await stat(path);
        if (!info.isDirectory()) return { mode: info.mode, directory: false, writable: false };
        const writable = await access(path, constants.W_OK).then(
          () => true,
          () => false,
        );
        return { mode: info.mode, directory: true, writable };
      } catch {
        return null;
      }
    },
    async nearestParent(path) {
      let dir = dirname(path);
      for (;;) {
        const info = await stat(dir).catch(() => null);
        if (info !== null) {
          const writable =
            info.isDirectory() &&
            (await access(dir, constants.W_OK).then(
              () => true,
              () => false,
            ));
          return { path: dir, directory: info.isDirectory(), writable };
        }
        if (dirname(dir) === dir) return { path: dir, directory: false, writable: false };
        dir = dirname(dir);
      }
    },
  };
}

/** Which terminal backend `serve` would use here, and why (the terminal module decides). */
async function backendCheck(choice: 'auto' | 'tmux' | 'iterm2', env: NodeJS.ProcessEnv): Promise<Check> {
  const { selectBackend, defaultProbes } = await import('../terminal/select.js');
  try {
    const selection = selectBackend(choice, env, process.platform, defaultProbes(env));
    return { name: 'backend', status: 'ok', required: true, version: selection.backend, detail: selection.why };
  } catch (error) {
    return {
      name: 'backend',
      status: 'missing',
      required: true,
      detail: isHubError(error) ? error.message : String(error),
      fix: 'Use --backend tmux (or auto).',
    };
  }
}
