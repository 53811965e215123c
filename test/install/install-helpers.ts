/**
 * What the install tests share: building the bundle and the plugin with `scripts/bundle.mjs`
 * (offline), starting a server from an installed copy the way a client does and listing its
 * tools over stdio, and running a server that must refuse to start.
 *
 * Offline: every npm run here has npm_config_offline=true, so production dependencies come from
 * the npm cache that `npm ci` filled; a missing one fails with ENOTCACHED instead of reaching a
 * registry. The tests use no network but 127.0.0.1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** npm with no registry: the cache `npm ci` filled, no update check, no audit. */
export function offlineNpmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false', ...extra };
}

export interface BundleReport {
  readonly version: string;
  readonly tarball: string;
  readonly tarballBytes: number;
  readonly tarballUnpackedBytes: number;
  readonly tarballFiles: number;
  /** null with pluginOnly. */
  readonly bundle: string | null;
  readonly bundleBytes: number | null;
  readonly marketplace: string;
  readonly plugin: string;
}

/** `node scripts/bundle.mjs --out OUT` (dist/ must be built: `npm test` builds first). */
export function buildBundle(out: string, options: { readonly pluginOnly?: boolean } = {}): BundleReport {
  const args = ['scripts/bundle.mjs', '--out', out, '--json', ...(options.pluginOnly ? ['--plugin-only'] : [])];
  const run = spawnSync(process.execPath, args, { cwd: REPO, env: offlineNpmEnv(), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`scripts/bundle.mjs failed (exit ${run.status}):\n${run.stderr}\n${run.stdout}`);
  const last = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as BundleReport;
}

export interface Started {
  readonly tools: Tool[];
  readonly stderr: string;
  /** Milliseconds from spawning the server to its ready line on stderr (a figure, never asserted). */
  readonly readyMs: number;
}

/** Starts `command args` with exactly `env` as an MCP stdio server, lists its tools, closes it. */
export async function listToolsOf(command: string, args: readonly string[], env: Record<string, string>, cwd?: string): Promise<Started> {
  const transport = new StdioClientTransport({ command, args: [...args], env, stderr: 'pipe', ...(cwd === undefined ? {} : { cwd }) });
  let stderr = '';
  let readyMs = Number.NaN;
  const started = performance.now();
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (Number.isNaN(readyMs) && / ready: transport=stdio /.test(stderr)) readyMs = performance.now() - started;
  });
  const client = new Client({ name: 'install-test', version: '1.0.0' });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    return { tools, stderr, readyMs };
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} did not answer tools/list: ${String(error)}\nits stderr:\n${stderr}`);
  } finally {
    await client.close();
  }
}

export interface Exited {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a server that should refuse to start, with stdin open as a client would keep it. */
export function runUntilExit(command: string, args: readonly string[], env: Record<string, string>): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    // A server that did start would wait on stdin: the test's timeout names it.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
