#!/usr/bin/env node
/**
 * `npm run bench`: builds dist/ (the benches import it or spawn dist/cli.js), then runs every
 * benchmark in bench/ in turn, one at a time (they measure this machine; two at once would
 * measure each other). Before each it prints the machine it runs on (bench/machine.mjs: Node
 * version, core count and, for a bench that drives a real Claude Code, that binary's version);
 * each bench prints the same header itself when run alone. A bench file not listed below is
 * still run (without arguments), so "every benchmark" stays true when one is added. Exits 1 if
 * any bench failed (its exit code, e.g. a guard decision that does not match its label or a
 * throughput call that returned an error), naming them.
 *
 *   npm run bench                         # build, then every bench with its default sizes
 *   node bench/run.mjs --quick            # small sizes: a smoke run, figures not comparable
 *   node bench/run.mjs --only guard,parse # some of them
 *   node bench/run.mjs --no-build         # dist/ is already built
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { printMachine } from './machine.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, 'no-build': { type: 'boolean', default: false } },
});

/** The Claude Code the tests and bench/delivery.mjs drive (test/helpers/claude-env.ts). */
const CLAUDE = process.env.CLAUDE_HUB_TEST_CLAUDE ?? join(repo, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');

/**
 * Each bench: its arguments, smaller ones for --quick, whether it prints the machine header
 * itself (`labels`; otherwise this runner prints it) and whether it drives a real claude.
 */
const KNOWN = [
  { name: 'parse', args: [], quick: [], labels: true },
  { name: 'usage', args: [], quick: ['--mb', '5', '--agents', '4'], labels: true },
  { name: 'latency', args: [], quick: ['--samples', '30', '--idle-seconds', '3'], labels: true },
  { name: 'guard', args: [], quick: [], quickEnv: { N: '8' }, labels: true },
  { name: 'logging', args: [], quick: ['--records', '500'], labels: true },
  { name: 'audit-anchor', args: [], quick: ['--appends', '50'], labels: true },
  { name: 'throughput', args: [], quick: ['--sessions', '2', '--agents', '0', '--tasks', '50', '--calls', '500'], labels: true },
  { name: 'delivery', args: [], quick: ['5'], claude: true },
  { name: 'board', args: [], quick: ['--sessions', '2', '--agents', '4', '--tasks', '50', '--samples', '5', '--renders', '1'], labels: true },
];
const NOT_BENCHES = new Set(['run.mjs', 'machine.mjs']);

const files = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && !NOT_BENCHES.has(f))
  .sort();
const benches = [
  ...KNOWN.filter((b) => files.includes(`${b.name}.mjs`)),
  ...files.filter((f) => !KNOWN.some((b) => `${b.name}.mjs` === f)).map((f) => ({ name: f.replace(/\.mjs$/, ''), args: [], quick: [] })),
];
const only = values.only
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
if (only) {
  const unknown = only.filter((name) => !benches.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(`bench/run.mjs: no bench named ${unknown.join(', ')}; there are ${benches.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
}
const selected = only ? benches.filter((b) => only.includes(b.name)) : benches;

if (!values['no-build']) {
  console.log('== npm run build ==');
  const built = spawnSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });
  if (built.status !== 0) {
    console.error(`bench/run.mjs: npm run build failed (exit ${built.status}); no bench was run`);
    process.exit(1);
  }
}

const results = [];
for (const bench of selected) {
  const args = values.quick ? bench.quick : bench.args;
  console.log(`\n== bench/${bench.name}.mjs ${args.join(' ')}${values.quick ? ' (--quick: smoke sizes)' : ''} ==`);
  if (!bench.labels) printMachine(bench.name, bench.claude ? { claude: CLAUDE } : {});
  const started = performance.now();
  const run = spawnSync(process.execPath, [join(here, `${bench.name}.mjs`), ...args], {
    cwd: repo,
    stdio: 'inherit',
    env: { ...process.env, ...(values.quick ? bench.quickEnv : {}) },
  });
  const seconds = (performance.now() - started) / 1000;
  const code = run.status ?? `signal ${run.signal}`;
  results.push({ name: bench.name, code, seconds });
  console.log(`== bench/${bench.name}.mjs: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${seconds.toFixed(1)} s ==`);
}

console.log('\n== summary ==');
printMachine('run', { claude: CLAUDE });
for (const r of results) console.log(`${r.name.padEnd(14)} ${r.code === 0 ? 'ok    ' : `FAILED (exit ${r.code})`} ${r.seconds.toFixed(1).padStart(7)} s`);
const failed = results.filter((r) => r.code !== 0);
if (failed.length > 0) {
  console.log(`${failed.length} of ${results.length} benches failed: ${failed.map((r) => r.name).join(', ')}`);
  process.exitCode = 1;
}
