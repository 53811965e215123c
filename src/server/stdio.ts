/** stdio transport: what Claude Desktop runs. stdout carries only the protocol. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { HubServer } from './create-server.js';

export interface RunningStdio {
  /** Resolves when the client closes stdin (or the transport closes). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export async function startStdio(hubServer: HubServer): Promise<RunningStdio> {
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await hubServer.server.connect(transport);
  return {
    closed,
    async close() {
      await hubServer.close();
    },
  };
}
