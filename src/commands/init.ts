/**
 * `claude-hub init ROOT`: writes ROOT/TODO.md from the template when there is none (never
 * overwrites), and prints the MCP client configuration for this machine's absolute paths.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveStateDir } from '../config.js';
import { isHubError } from '../errors.js';
import { validateSessionRoot } from '../security/paths.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, commandHelp, type CommandIo } from './command-io.js';
import { cliPath, templatePath } from './package-info.js';

const USAGE = commandHelp(
  ['claude-hub init ROOT'],
  `Writes ROOT/TODO.md from the template if ROOT has none (never overwrites), and prints how to
add claude-hub to Claude Desktop and to Claude Code with this machine's paths. ROOT must be a
folder create_session accepts: not /, not your home folder (or one containing it), not the
state dir.`,
  [['ROOT', 'the codebase to coordinate (an existing folder)']],
);

export interface ClientConfig {
  readonly desktopNpx: object;
  readonly desktopNode: object;
  readonly claudeCodeNpx: string;
  readonly claudeCodeNode: string;
}

/** The configuration snippets for this machine (pure). */
export function clientConfig(nodePath: string, cli: string): ClientConfig {
  return {
    desktopNpx: { mcpServers: { 'claude-hub': { command: 'npx', args: ['-y', 'claude-hub', 'serve'] } } },
    desktopNode: { mcpServers: { 'claude-hub': { command: nodePath, args: [cli, 'serve'] } } },
    claudeCodeNpx: 'claude mcp add claude-hub -- npx -y claude-hub serve',
    claudeCodeNode: `claude mcp add claude-hub -- ${shellQuote(nodePath)} ${shellQuote(cli)} serve`,
  };
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function desktopConfigPath(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return '~/Library/Application Support/Claude/claude_desktop_config.json';
  if (platform === 'win32') return '%APPDATA%\\Claude\\claude_desktop_config.json';
  return '~/.config/Claude/claude_desktop_config.json';
}

export async function initCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let positionals: string[];
  let help: boolean | undefined;
  try {
    const parsed = parseArgs({ args: [...argv], options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
    positionals = parsed.positionals;
    help = parsed.values.help;
  } catch (error) {
    io.stderr.write(`INVALID_ARGUMENT: ${(error as Error).message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (positionals.length !== 1) {
    io.stderr.write(`INVALID_ARGUMENT: init takes exactly one ROOT folder.\n${USAGE}`);
    return EXIT_USAGE;
  }
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const root = resolve(cwd, positionals[0]!);
  if (!(await rootAccepted(root, env, cwd, io))) return EXIT_USAGE;
  const todo = join(root, 'TODO.md');
  const wrote = await writeTodoOnce(todo, io);
  if (wrote === null) return EXIT_FAILED;
  io.stdout.write(`${wrote ? `Wrote ${todo} from the template.` : `${todo} exists; left as it is.`}\n\n${clientSetup(root)}`);
  return EXIT_OK;
}

/** The rules create_session applies, so init never prepares a root the server then refuses; false once reported. */
async function rootAccepted(root: string, env: NodeJS.ProcessEnv, cwd: string, io: CommandIo): Promise<boolean> {
  try {
    const stateDir = resolveStateDir(undefined, env, cwd).dir;
    const stateExists = (await stat(stateDir).catch(() => null))?.isDirectory() ?? false;
    await validateSessionRoot(root, { existingRoots: [], home: env.HOME ?? homedir(), ...(stateExists ? { stateDir } : {}) });
    return true;
  } catch (error) {
    if (!isHubError(error)) throw error;
    io.stderr.write(`${error.code}: ${error.message.replace(/^root_path: /, 'ROOT ')}\n`);
    return false;
  }
}

/** Writes TODO.md from the template unless one exists: true written, false left as it was, null failed (reported). */
async function writeTodoOnce(todo: string, io: CommandIo): Promise<boolean | null> {
  try {
    const template = await readFile(templatePath('TODO.md'), 'utf8');
    // 'wx': create only; a TODO.md that exists (or appears meanwhile) is never overwritten.
    await writeFile(todo, template, { flag: 'wx', mode: 0o644 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    io.stderr.write(`IO_ERROR: cannot write ${todo}: ${(error as Error).message}\n`);
    return null;
  }
}

/** What to paste where, for this machine's paths: the next step after init is the client's. */
function clientSetup(root: string): string {
  const config = clientConfig(process.execPath, cliPath());
  return `Claude Desktop: add this to ${desktopConfigPath(process.platform)} and restart Claude Desktop.

Claude Desktop: add this to ${desktopConfigPath(process.platform)} and restart Claude Desktop.
With npx (installs from npm):
${JSON.stringify(config.desktopNpx, null, 2)}

With this machine's node and this checkout (no PATH lookup; works when Claude Desktop cannot find npx):
${JSON.stringify(config.desktopNode, null, 2)}

Claude Code:
  ${config.claudeCodeNpx}
or
  ${config.claudeCodeNode}

Then ask your client to create_session with root_path "${root}".
`;
}
