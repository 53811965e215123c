import { parseArgs } from 'node:util';
import { ErrorCodes } from '../errors.js';
/** What a command gets instead of touching process globals: its streams and environment. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/**
 * Exit codes of every command (README "Exit codes"): 0 done, nothing wrong found; 1 a failure
 * found or a runtime error (a broken audit log, errors in the files, a missing requirement);
 * 2 usage or bad input (unknown flag, bad value, a ROOT or state dir that cannot be used).
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export const EXIT_CODES = 'exit codes: 0 ok, 1 a failure found or a runtime error, 2 usage or bad input (e.g. a missing ROOT)';

/**
 * The one help shape of every command: usage lines, what it does, its options, exit codes.
 * `options` are [flag, what] pairs; `-h, --help` is added.
 */
export function commandHelp(usage: readonly string[], description: string, options: readonly (readonly [string, string])[]): string {
  const all = [...options, ['-h, --help', 'this help'] as const];
  const width = Math.max(...all.map(([flag]) => flag.length)) + 2;
  const lines = all.map(([flag, what]) => `  ${flag.padEnd(width)}${what.replace(/\n/g, `\n  ${' '.repeat(width)}`)}`);
  return `usage: ${usage.join(`\n       `)}

${description.trim()}

options:
${lines.join('\n')}

${EXIT_CODES}
`;
}

/** The shared flags, worded once: the same flag means the same thing in every command. */
export const STATE_DIR_OPTION = [
  '--state-dir DIR',
  "the hub's state dir, found as serve finds it: --state-dir, else\n$CLAUDE_HUB_STATE_DIR, else $XDG_STATE_HOME/claude-hub, else the platform default",
] as const;
export const JSON_OPTION = ['--json', 'machine-readable output'] as const;

/** Colour for a person at a terminal: only on a TTY, never with NO_COLOR set (https://no-color.org). */
export interface Style {
  readonly enabled: boolean;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function styleFor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): Style {
  const enabled = stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
  const wrap =
    (open: number, close: number) =>
    (text: string): string =>
      enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return { enabled, red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** The flags every ROOT-taking command reads (`status`, `watch`): --json, --all, --state-dir, --help. */
export interface RootCommandArgs {
  readonly values: { readonly json?: boolean; readonly all?: boolean; readonly 'state-dir'?: string; readonly help?: boolean };
  readonly positionals: readonly string[];
}

/**
 * Parses a ROOT-taking command's arguments. Prints the usage (--help) or what is wrong with them
 * and answers the exit code to return; otherwise answers the flags and at most one ROOT.
 */
export function parseRootCommand(
  io: CommandIo,
  argv: readonly string[],
  command: { readonly name: string; readonly usage: string; readonly all?: boolean },
): RootCommandArgs | number {
  let parsed: RootCommandArgs;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        json: { type: 'boolean' },
        ...(command.all ? { all: { type: 'boolean' } } : {}),
        'state-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }) as RootCommandArgs;
  } catch (error) {
    io.stderr.write(`${ErrorCodes.INVALID_ARGUMENT}: ${(error as Error).message}\n${command.usage}`);
    return EXIT_USAGE;
  }
  if (parsed.values.help) {
    io.stdout.write(command.usage);
    return EXIT_OK;
  }
  if (parsed.positionals.length > 1) {
    io.stderr.write(`${ErrorCodes.INVALID_ARGUMENT}: ${command.name} takes one ROOT, got ${parsed.positionals.length}.\n${command.usage}`);
    return EXIT_USAGE;
  }
  return parsed;
}
