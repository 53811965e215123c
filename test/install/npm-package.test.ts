/**
 * The npm package as a user gets it: `npm pack` of this checkout, installed into a temporary
 * project (`npm ci --offline`: no build step, no dev dependency, and never the user's global
 * prefix), then the installed `claude-hub` answers `--version`, `doctor` and `tools/list` over
 * stdio.
 *
 * What is honest here and what is not: the tarball is the one `npm publish` sends (pack runs
 * with --ignore-scripts only because `npm test` has just built dist/, which is all `prepare`
 * does), and only what its package.json declares as dependencies is installed, so a runtime
 * import of a dev dependency, a file missing from `files`, a `bin` or `exports` path that
 * points nowhere, or a step that needs a build all fail here. The dependency versions are the ones package-lock.json
 * locks (the ones every other test ran with), as a shrinkwrapped install would get them: a
 * plain `npm install -g claude-hub` picks the newest versions the ranges allow, which needs the
 * registry's package lists, and the test has no network. With --offline npm takes the
 * tarballs from the cache `npm ci` filled; a missing one fails with ENOTCACHED, not a download.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_LEVELS } from '../../src/server/tool-levels.js';
import { listToolsOf, offlineNpmEnv, REPO } from './install-helpers.js';

interface PackageJson {
  readonly version: string;
  readonly bin: Record<string, string>;
  readonly main?: string;
  readonly exports?: Record<string, string>;
  readonly engines: Record<string, string>;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}
type LockEntry = Record<string, unknown> & { readonly dev?: boolean; readonly devOptional?: boolean };
const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as PackageJson;

/**
 * package-lock.json for a project whose one dependency is the tarball: the tarball as
 * node_modules/claude-hub, and the locked production entries (never dev ones) where npm hoists
 * them, the same paths they have in this checkout's lock.
 */
const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

function lockFor(tarballName: string): Record<string, unknown> {
  const production = Object.entries(lock.packages).filter(
    ([path, entry]) => path.startsWith('node_modules/') && entry.dev !== true && entry.devOptional !== true,
  );
  return {
    name: 'claude-hub-install-test',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'claude-hub-install-test', dependencies: { 'claude-hub': `file:${tarballName}` } },
      'node_modules/claude-hub': {
        version: pkg.version,
        resolved: `file:${tarballName}`,
        license: 'MIT',
        dependencies: pkg.dependencies,
        bin: pkg.bin,
        engines: pkg.engines,
      },
      ...Object.fromEntries(production),
    },
  };
}

let base = '';
let prefix = '';
let tarball = '';
let files: string[] = [];
let bin = '';
let installed = '';
/** The environment a person's shell gives the installed command: node on PATH, a HOME of its own. */
let userEnv: Record<string, string> = {};

function npm(args: string[], cwd: string): string {
  const run = spawnSync('npm', args, { cwd, env: offlineNpmEnv(), encoding: 'utf8' });
  if (run.status !== 0)
    throw new Error(
      `npm ${args.join(' ')} failed (exit ${run.status}):\n${run.stderr}\n(an offline install needs the npm cache that \`npm ci\` fills: run it first)`,
    );
  return run.stdout;
}

beforeAll(async () => {
  if (!existsSync(join(REPO, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does).');
  // A prefix with a space and a non-ASCII letter: where people's home folders often are.
  base = await realpath(await mkdtemp(join(tmpdir(), 'hub-npm-')));
  prefix = join(base, 'install here ü');
  await mkdir(prefix);
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', base], REPO)) as [{ filename: string; files: { path: string }[] }];
  tarball = join(base, packed[0].filename);
  files = packed[0].files.map((f) => f.path);
  await writeFile(
    join(prefix, 'package.json'),
    JSON.stringify({ name: 'claude-hub-install-test', private: true, dependencies: { 'claude-hub': `file:${packed[0].filename}` } }),
  );
  await writeFile(join(prefix, 'package-lock.json'), JSON.stringify(lockFor(packed[0].filename)));
  await cp(tarball, join(prefix, packed[0].filename));
  npm(['ci', '--no-audit', '--no-fund'], prefix);
  bin = join(prefix, 'node_modules', '.bin', 'claude-hub');
  installed = join(prefix, 'node_modules', 'claude-hub');
  const home = join(base, 'home');
  await mkdir(home);
  userEnv = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, XDG_STATE_HOME: join(home, 'state'), LANG: 'C.UTF-8' };
}, 180_000);

afterAll(async () => {
  if (base !== '') await rm(base, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds what it needs and nothing it should not', () => {
    for (const needed of [
      'package.json',
      'README.md',
      'dist/cli.js',
      'dist/protocol/index.js',
      'dist/protocol/index.d.ts',
      'templates/TODO.md',
      'templates/agent-protocol.md',
      'templates/hooks/emit.sh',
      'templates/hooks/guard.pl',
      'docs/protocol.md',
      'docs/security.md',
    ]) {
      expect(files, needed).toContain(needed);
    }
    // Tests, fixtures, sources, scripts, bench, the bundle's and plugin's sources, and source
    // maps (they point at src/, which is not shipped, so they would only add weight).
    const unwanted = files.filter(
      (f) => /^(test|fixtures|src|scripts|bench|plugin|assets|build)\//.test(f) || f.endsWith('.map') || f === 'manifest.json' || f.endsWith('.tgz'),
    );
    expect(unwanted).toEqual([]);
  });

  it('holds every file its package.json points at (bin, main, exports)', () => {
    const targets = [...Object.values(pkg.bin), ...(pkg.main === undefined ? [] : [pkg.main]), ...Object.values(pkg.exports ?? {})].map((t) =>
      t.replace(/^\.\//, ''),
    );
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(files, target).toContain(target);
  });

  it('installs with no build step and no dev dependency', () => {
    expect(existsSync(join(installed, 'dist', 'cli.js'))).toBe(true);
    const deps = join(prefix, 'node_modules');
    // A dev dependency that a production one also needs (e.g. @types/mdast under remark) is installed as the latter's.
    for (const dev of Object.keys(pkg.devDependencies).filter((name) => lock.packages[`node_modules/${name}`]?.dev === true))
      expect(existsSync(join(deps, dev)), dev).toBe(false);
    for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(deps, dep)), dep).toBe(true);
  });

  it('claude-hub --version prints the package version', () => {
    const run = spawnSync(bin, ['--version'], { env: userEnv, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`${pkg.version}\n`);
    expect(run.status).toBe(0);
  });

  it("claude-hub doctor runs its checks (pass or fail is this machine's business)", () => {
    const run = spawnSync(bin, ['doctor', '--json'], { env: userEnv, encoding: 'utf8' });
    expect([0, 1], run.stderr).toContain(run.status);
    const report = JSON.parse(run.stdout) as { checks: { name: string; status: string }[] };
    expect(report.checks.find((c) => c.name === 'node')).toMatchObject({ status: 'ok' });
    expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['tmux', 'claude', 'git']));
  });

  it('answers tools/list over stdio with every tool', async () => {
    const state = join(base, 'state dir');
    const started = await listToolsOf(bin, ['serve', '--state-dir', state, '--backend', 'tmux', '--tmux-socket', `hub-npm-${process.pid}`], userEnv);
    expect(started.tools.map((t) => t.name).sort()).toEqual(Object.keys(TOOL_LEVELS).sort());
    expect(started.stderr).toContain(`claude-hub ${pkg.version} ready: transport=stdio state=${state}`);
    console.log(`npm package: ${tarball.split('/').pop()}, ${files.length} files; installed server ready in ${Math.round(started.readyMs)} ms`);
  });
});
