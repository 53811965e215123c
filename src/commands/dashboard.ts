/**
 * `claude-hub dashboard`: prints the running hub's board URL (from `<stateDir>/board.json`,
 * which serve writes when the board listens). Exit 1 when no hub with a board runs on that
 * state dir, saying how to start one. `--json` prints {url, pid, tokens}.
 */
import { parseArgs } from 'node:util';
import { resolveStateDir } from '../config.js';
import { isHubError } from '../errors.js';
import { pidAlive, readBoardFile } from '../board/board-file.js';
import { commandHelp, EXIT_FAILED, EXIT_OK, EXIT_USAGE, JSON_OPTION, STATE_DIR_OPTION, type CommandIo } from './command-io.js';

const HELP = commandHelp(
  ['claude-hub dashboard [--json] [--state-dir DIR]'],
  "Prints the URL of the running hub's live board: at / of `serve --transport http`, or on its\nown port with `serve --board [PORT]` (stdio). Open it in a browser on this machine.",
  [JSON_OPTION, STATE_DIR_OPTION],
);

export async function dashboardCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let values: { json?: boolean; 'state-dir'?: string; help?: boolean };
  try {
    values = parseArgs({
      args: [...argv],
      options: { json: { type: 'boolean' }, 'state-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr.write(`INVALID_ARGUMENT: ${(error as Error).message}. See claude-hub dashboard --help.\n`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  let stateDir: string;
  try {
    stateDir = resolveStateDir(values['state-dir'], io.env ?? process.env, io.cwd ?? process.cwd()).dir;
  } catch (error) {
    io.stderr.write(`${isHubError(error) ? `${error.code}: ${error.message}` : String(error)}\n`);
    return EXIT_USAGE;
  }
  const board = await readBoardFile(stateDir);
  if (board === null || !pidAlive(board.pid)) {
    io.stderr.write(
      `No running hub with a board on ${stateDir}: start one with claude-hub serve --transport http, or serve --board (stdio), on this state dir.\n`,
    );
    return EXIT_FAILED;
  }
  if (values.json) io.stdout.write(JSON.stringify(board) + '\n');
  else io.stdout.write(`${board.url}${board.tokens ? '#token=<your token from the tokens file>' : ''}\n`);
  return EXIT_OK;
}
