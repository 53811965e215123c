#!/usr/bin/env node
// Runs the unit project on Node 24 (the current LTS; users run 20, 22 and 24), with the binary
// node24.mjs installs from the npm registry. Elsewhere than Linux x64 it says so and stops.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { node24, node24Unavailable, REPO } from './node24.mjs';

const why = node24Unavailable();
if (why) {
  console.log(`test:node24: skipped (${why}); run \`npm run test:unit\` with your own Node 24.`);
  process.exit(0);
}
const node = node24();
console.log(`test:node24: ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}`);
try {
  execFileSync(node, [join(REPO, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit'], { stdio: 'inherit', cwd: REPO });
} catch (error) {
  process.exit(typeof error.status === 'number' ? error.status : 1);
}
