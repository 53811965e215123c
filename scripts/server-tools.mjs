/**
 * The tools a built claude-hub server lists (at HIGH, its default: every tool), asked over
 * stdio with the MCP SDK's client, in a throwaway state dir. For `bundle.mjs --sync-manifest`:
 * the manifest's tools are what the server says, not a copy kept by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export async function listServerTools(cliPath) {
  const stateDir = mkdtempSync(join(tmpdir(), 'claude-hub-tools-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, 'serve', '--state-dir', stateDir, '--security-level', 'HIGH', '--backend', 'tmux', '--tmux-socket', `hub-tools-${process.pid}`],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? stateDir },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'claude-hub-bundle', version: '0' });
  try {
    await client.connect(transport);
    return (await client.listTools()).tools;
  } finally {
    await client.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
