/**
 * The board's own HTTP server, for a hub serving stdio (`serve --board [PORT]`): the same
 * routes and gates as at `/` of the Streamable HTTP server, nothing else (no MCP endpoint).
 * Binds loopback unless the hub has a tokens file (the caller checks, as for --transport http).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCodes, HubError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Board } from './routes.js';

export interface RunningBoard {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startBoardServer(options: { host: string; port: number; board: Board; logger: Logger }): Promise<RunningBoard> {
  const server = createServer((req, res) => {
    options.board
      .handle(req, res)
      .then((handled) => {
        if (handled) return;
        res.statusCode = 404;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('Not found: the board is at /.\n');
      })
      .catch((error: unknown) => {
        options.logger.error('board request failed', { error: String(error) });
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
  });
  const port = await listen(server, options.host, options.port);
  const shown = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: async () => {
      options.board.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new HubError(
          ErrorCodes.CONFIG_ERROR,
          error.code === 'EADDRINUSE'
            ? `The board's port ${port} on ${host} is in use: pick another with --board PORT (0 picks a free one).`
            : `The board cannot listen on ${host}:${port}: ${error.message}`,
          { data: { host, port }, cause: error },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
