/**
 * `claude-hub serve`: build the hub from the configuration, put the MCP server in front of it
 * on stdio or Streamable HTTP, print one ready line to stderr, and shut down cleanly on
 * SIGINT/SIGTERM or when the stdio client goes away. The live board (src/board/) is at `/` of
 * the HTTP server, or on its own port with stdio and `--board`; where it is goes in
 * `<stateDir>/board.json` for `claude-hub dashboard`.
 */
import { isHubError } from '../errors.js';
import { resolveStateDir, type HubConfig } from '../config.js';
import type { Hub } from '../hub/hub.js';
import { createLogger, type FeedLogger, type LogLevel } from '../log.js';
import { createServer } from '../server/create-server.js';
import { createLogFileSink } from '../server/log-file.js';
import type { Authenticate } from '../server/http.js';
import type { AuditHook } from '../server/call-tool.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CommandIo } from './command-io.js';
import { packageVersion } from './package-info.js';
import { parseServeOptions, serveHelp } from './serve-options.js';
import { assertStateDirUsable } from './state-dir.js';

export async function serveCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(serveHelp());
    return EXIT_OK;
  }
  const env = io.env ?? process.env;
  let config: HubConfig;
  try {
    config = parseServeOptions(argv, env, io.cwd ?? process.cwd());
    // A state dir under a file can never be made: say which flag to change, before anything starts.
    const flagGiven = argv.some((arg) => arg === '--state-dir' || arg.startsWith('--state-dir='));
    await assertStateDirUsable(config.stateDir, flagGiven ? '--state-dir' : resolveStateDir(undefined, env, io.cwd ?? process.cwd()).source);
  } catch (error) {
    io.stderr.write(`${isHubError(error) ? `${error.code}: ${error.message}` : String(error)}\n`);
    return EXIT_USAGE;
  }

  const level = (['debug', 'info', 'warn', 'error'] as const).find((l) => l === env['CLAUDE_HUB_LOG_LEVEL']) ?? ('info' satisfies LogLevel);
  let logger: FeedLogger;
  try {
    logger = createLogger({ level, sinks: config.logDir === null ? [] : [createLogFileSink({ dir: config.logDir })] });
  } catch (error) {
    io.stderr.write(`CONFIG_ERROR: cannot use --log-dir ${config.logDir}: ${(error as Error).message}\n`);
    return EXIT_FAILED;
  }

  const version = packageVersion();
  // Token and bind problems are found before anything starts.
  let authenticate: Authenticate | null = null;
  try {
    if (config.transport === 'http' || config.boardPort !== null) authenticate = await checkHttpAccess(config);
  } catch (error) {
    io.stderr.write(`${isHubError(error) ? `${error.code}: ${error.message}` : String(error)}\n`);
    return EXIT_FAILED;
  }

  let hub: Hub;
  try {
    // Loaded here, not at the top, so `--help` and bad flags answer without starting anything.
    const { createHub } = await import('../hub/hub.js');
    hub = await createHub(config, logger);
  } catch (error) {
    io.stderr.write(`${isHubError(error) ? `${error.code}: ${error.message}` : `INTERNAL: the hub could not start: ${String(error)}`}\n`);
    return EXIT_FAILED;
  }

  try {
    const stop =
      config.transport === 'stdio'
        ? await serveStdio(hub, config, logger, version, io, authenticate)
        : await serveHttp(hub, config, logger, version, io, authenticate);
    await stop;
    return EXIT_OK;
  } catch (error) {
    io.stderr.write(`${isHubError(error) ? `${error.code}: ${error.message}` : String(error)}\n`);
    return EXIT_FAILED;
  } finally {
    await hub.close().catch((error: unknown) => logger.warn('hub close failed', { error: String(error) }));
  }
}

async function readyLine(version: string, transport: string, config: HubConfig, env: NodeJS.ProcessEnv): Promise<string> {
  const { selectBackend, defaultProbes } = await import('../terminal/select.js');
  let backend: string = config.backend;
  try {
    backend = selectBackend(config.backend, env, process.platform, defaultProbes(env)).backend;
  } catch {
    // The hub already refused an impossible backend; show the choice as given.
  }
  return `claude-hub ${version} ready: transport=${transport} state=${config.stateDir} backend=${backend} security=${config.securityLevel}\n`;
}

/** Refusals and bad arguments never reach the hub's methods: the server reports them here. */
function auditHook(hub: Hub): AuditHook {
  return (caller, tool, outcome, args) => hub.auditToolCall(caller, tool, outcome, args);
}

/** Resolves when the server should stop (signal or client gone). */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

async function serveStdio(
  hub: Hub,
  config: HubConfig,
  logger: FeedLogger,
  version: string,
  io: CommandIo,
  authenticate: Authenticate | null,
): Promise<Promise<void>> {
  const { startStdio } = await import('../server/stdio.js');
  // The client sees the hub's log as MCP notifications/message (logFeed), stderr as before.
  const hubServer = createServer({ hub, config, logger, logFeed: logger, version, audit: auditHook(hub) });
  // The board on its own port (--board): up before the ready line, so its URL can be in it.
  // Webhooks (--notify-webhook) run with or without it (action links only with it).
  let board: { url: string | null; close(): Promise<void> } | null = null;
  if (config.boardPort !== null || config.notifyWebhooks.length > 0) {
    const made = await makeBoard(hub, config, logger, authenticate);
    let server: { url: string; close(): Promise<void> } | null = null;
    if (config.boardPort !== null) {
      const { startBoardServer } = await import('../board/server.js');
      server = await startBoardServer({ host: config.host, port: config.boardPort, board: made.board, logger });
      made.listening(server.url);
      await announceBoard(config, server.url, authenticate !== null);
    }
    board = {
      url: server?.url ?? null,
      close: async () => {
        made.close();
        if (server) await retireBoard(config, server.close());
      },
    };
  }
  const running = await startStdio(hubServer);
  io.stderr.write(await readyLine(version, board?.url ? `stdio board=${board.url}` : 'stdio', config, io.env ?? process.env));
  return Promise.race([running.closed, stopSignal()]).then(async (why) => {
    // A client that closed stdin is gone: close its server first, so the log line below is
    // not sent to it as a notification down a dead pipe.
    if (why === undefined) await running.close();
    logger.info('stopping', { why: why ?? 'client closed stdin' });
    await running.close();
    await board?.close();
  });
}

/** The live board over this hub, behind the same ceiling, tokens and audit as the tools. */
async function makeBoard(hub: Hub, config: HubConfig, logger: FeedLogger, authenticate: Authenticate | null) {
  const { createHubBoard } = await import('../board/hub-board.js');
  return createHubBoard({ hub, config, logger, authenticate, audit: auditHook(hub) });
}

/** Writes where the board is, for `claude-hub dashboard`. */
async function announceBoard(config: HubConfig, url: string, tokens: boolean): Promise<void> {
  const { writeBoardFile } = await import('../board/board-file.js');
  await writeBoardFile(config.stateDir, { url, pid: process.pid, tokens });
}

async function retireBoard(config: HubConfig, closing: Promise<void>): Promise<void> {
  const { removeBoardFile } = await import('../board/board-file.js');
  await closing;
  await removeBoardFile(config.stateDir).catch(() => undefined);
}

async function serveHttp(
  hub: Hub,
  config: HubConfig,
  logger: FeedLogger,
  version: string,
  io: CommandIo,
  authenticate: Authenticate | null,
): Promise<Promise<void>> {
  const { startHttp } = await import('../server/http.js');
  const made = await makeBoard(hub, config, logger, authenticate);
  const running = await startHttp({
    board: made.board,
    host: config.host,
    port: config.port,
    authenticate,
    logger,
    sessionIdleMs: config.httpSessionIdleSeconds * 1000,
    maxSessions: config.maxHttpSessions,
    createServer: (caller) => createServer({ hub, config, logger, logFeed: logger, version, caller, audit: auditHook(hub) }),
  });
  const boardUrl = new URL('/', running.url).href;
  made.listening(boardUrl);
  await announceBoard(config, boardUrl, authenticate !== null);
  io.stderr.write(await readyLine(version, `http url=${running.url} board=${boardUrl}`, config, io.env ?? process.env));
  return stopSignal().then(async (why) => {
    logger.info('stopping', { why });
    made.close();
    await retireBoard(config, running.close());
  });
}

/** Loads the tokens file (if any) and refuses a non-loopback bind without one. */
async function checkHttpAccess(config: HubConfig): Promise<Authenticate | null> {
  const { requireTokensBeyondLoopback } = await import('../server/http.js');
  requireTokensBeyondLoopback(config.host, config.tokensFile !== null);
  if (config.tokensFile === null) return null;
  const { loadTokensFile } = await import('../security/tokens.js');
  const tokens = await loadTokensFile(config.tokensFile);
  return (header) => tokens.authenticate(header);
}
