#!/usr/bin/env node
// Thin entry point: parse argv, run one command from src/commands/. Commands load lazily so
// `--help` and `doctor` answer without loading the MCP SDK or starting anything.
import { EXIT_USAGE } from './commands/command-io.js';
import { packageVersion } from './commands/package-info.js';

const USAGE = `usage: claude-hub [command] [options]

commands:
  serve                  run the MCP server (default; stdio unless --transport http)
  status [ROOT] [--json] what each agent and task of a root is doing (ROOT: default .)
  watch [ROOT] [--json]  follow a root's agents, tasks and TODO.md live (ROOT: default .)
  audit verify|log       read and check the audit log
  dashboard [--json]     print the running hub's live board URL
  doctor [--json]        check this machine for tmux, claude, git, … and say what to fix
  init ROOT              write ROOT/TODO.md and print the Claude Desktop / Claude Code config

  claude-hub <command> --help   options of one command
  claude-hub --version

exit codes: 0 ok, 1 a failure found or a runtime error, 2 usage or bad input (e.g. a missing ROOT)
`;

/** Every command gets the real streams, environment and working directory. */
const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
type Command = (argv: string[], commandIo: typeof io) => Promise<number>;

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  watch: async () => (await import('./commands/watch.js')).watchCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  dashboard: async () => (await import('./commands/dashboard.js')).dashboardCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  init: async () => (await import('./commands/init.js')).initCommand,
};

/**
 * A reader that stops early (`claude-hub status | head`) closes the pipe: the output is no
 * longer wanted, so stop quietly (exit 0) instead of dying on EPIPE with a stack trace. Not for
 * `serve`, whose stdout is the MCP protocol and whose transport handles a client going away.
 */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
}

/**
 * The oldest Node.js claude-hub runs on (package.json engines). Checked before any command
 * loads: an older Node (Claude Desktop may start servers with whatever `node` it finds) would
 * otherwise fail somewhere inside a dependency with a message that names nothing to do.
 */
const MIN_NODE = [20, 19] as const;

function nodeTooOld(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1]);
}

async function main(argv: string[]): Promise<number> {
  if (nodeTooOld(process.versions.node)) {
    process.stderr.write(
      `CONFIG_ERROR: claude-hub needs Node.js ${MIN_NODE.join('.')} or newer; ${process.execPath} is ${process.versions.node}. Install a current Node.js (https://nodejs.org) and point your MCP client's command at it.\n`,
    );
    return EXIT_USAGE;
  }
  const [first, ...rest] = argv;
  if (first !== undefined && first !== 'serve' && !first.startsWith('-')) quietOnClosedPipe();
  else if (first === '--help' || first === '-h' || first === '--version' || first === '-v') quietOnClosedPipe();
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  // No command, or options first: serve.
  if (first === undefined || first.startsWith('-')) return (await COMMANDS['serve']!())(argv, io);
  const load = COMMANDS[first];
  if (load === undefined) {
    process.stderr.write(`INVALID_ARGUMENT: unknown command "${first}".\n${USAGE}`);
    return EXIT_USAGE;
  }
  return (await load())(rest, io);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`INTERNAL: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
