#!/usr/bin/env node
/**
 * `npm run sync-manifest`: manifest.json's version and tools from package.json and what the
 * built server lists at HIGH (its default: every tool), and the plugin's version (plugin.json,
 * its marketplace entry) from package.json. The bundle build stamps the version anyway; this
 * keeps the committed files saying the same, and test/install/mcpb-bundle.test.ts fails until
 * they do. The tools are asked over stdio with the MCP SDK's client, in a throwaway state dir.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

async function listServerTools(cliPath) {
  const stateDir = mkdtempSync(join(tmpdir(), 'claude-hub-tools-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, 'serve', '--state-dir', stateDir, '--security-level', 'HIGH', '--backend', 'tmux', '--tmux-socket', `hub-tools-${process.pid}`],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? stateDir },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'claude-hub-sync-manifest', version: '0' });
  try {
    await client.connect(transport);
    return (await client.listTools()).tools;
  } finally {
    await client.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

for (const file of [join(REPO, 'plugin', '.claude-plugin', 'plugin.json'), join(REPO, 'plugin', 'marketplace.json')]) {
  writeFileSync(file, readFileSync(file, 'utf8').replace(/"version": "[^"]*"/g, `"version": "${pkg.version}"`));
}
const manifestPath = join(REPO, 'manifest.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const tools = await listServerTools(join(REPO, 'dist', 'cli.js'));
writeFileSync(
  manifestPath,
  `${JSON.stringify({ ...manifest, version: pkg.version, tools: tools.map(({ name, description }) => ({ name, description })) }, null, 2)}\n`,
);
// In the project's own style (biome ci checks it), not JSON.stringify's.
const biome = spawnSync(join(REPO, 'node_modules', '.bin', 'biome'), ['format', '--write', manifestPath], { encoding: 'utf8' });
if (biome.status !== 0) throw new Error(`biome format manifest.json failed: ${biome.stderr || biome.error}`);
process.stderr.write(`sync-manifest: manifest.json version ${pkg.version}, ${tools.length} tools; plugin version ${pkg.version}\n`);
