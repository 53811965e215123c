#!/usr/bin/env node
/**
 * `npm run bundle`: the npm tarball and the two one-step install forms built from it (Claude
 * Desktop's MCP Bundle, Claude Code's plugin), so all three carry the same files.
 *
 *   1. `npm pack` (no scripts: `npm run bundle` built dist/ first) → OUT/claude-hub-<v>.tgz
 *   2. that tarball unpacked into OUT/stage/server/, plus production dependencies only
 *      (`npm ci --omit=dev --ignore-scripts` against package-lock.json, so the versions are
 *      the locked ones; nothing is compiled or downloaded by a script).
 *   3. MCP Bundle: manifest.json (its version set to package.json's) and the icon beside the
 *      server, `mcpb validate`, `mcpb pack` → OUT/claude-hub-<v>.mcpb (Claude Desktop).
 *   4. Claude Code plugin: plugin/ (plugin.json with the same version, .mcp.json, commands,
 *      the launcher) beside the server → OUT/marketplace/agent-hub/, listed by
 *      OUT/marketplace/.claude-plugin/marketplace.json (a local marketplace:
 *      `claude plugin marketplace add OUT/marketplace`).
 *
 * Options: --out DIR (default build/), --plugin-only (skip the .mcpb), --json.
 * manifest.json's tools are kept as the server lists them by scripts/sync-manifest.mjs.
 * Sizes go to stdout as one JSON line at the end (`--json`) or as sentences; progress to stderr.
 * npm honours npm_config_offline=true (the tests set it: no network).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const WINDOWS = process.platform === 'win32';

const { values } = parseArgs({ options: { out: { type: 'string' }, json: { type: 'boolean' }, 'plugin-only': { type: 'boolean' } } });
const out = resolve(values.out ?? join(REPO, 'build'));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

const say = (line) => process.stderr.write(`bundle: ${line}\n`);
function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}
/** Runs a tool with an argument array; its output goes to stderr (stdout is this script's report). */
function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', shell: WINDOWS });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  process.stderr.write(result.stderr);
  return result.stdout;
}
const npm = (args, cwd) => run('npm', args, cwd);
const mcpbBin = join(REPO, 'node_modules', '.bin', WINDOWS ? 'mcpb.cmd' : 'mcpb');

if (!existsSync(join(REPO, 'dist', 'cli.js'))) fail('dist/cli.js is missing: run `npm run build` first (`npm run bundle` does).');
if (!existsSync(mcpbBin)) fail('@anthropic-ai/mcpb is not installed: run `npm ci`.');

rmSync(join(out, 'stage'), { recursive: true, force: true });
rmSync(join(out, 'marketplace'), { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// 1. The npm package, exactly as `npm publish` would send it (dist was built by `npm run build`).
say('npm pack');
const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', out], REPO))[0];
const tarball = join(out, packed.filename);

// 2. The server: the package's files plus its production dependencies, at the locked versions.
const server = join(out, 'stage', 'server');
mkdirSync(server, { recursive: true });
execFileSync('tar', ['-xzf', tarball, '-C', server, '--strip-components=1']);
cpSync(join(REPO, 'package-lock.json'), join(server, 'package-lock.json'));
say('npm ci --omit=dev');
npm(['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], server);
rmSync(join(server, 'package-lock.json'));

// 3. The MCP Bundle (not with --plugin-only: the plugin tests need only the plugin).
const bundle = values['plugin-only'] ? null : packBundle(server);

// 4. The Claude Code plugin in a local marketplace.
const { marketplace, pluginDir } = buildPlugin(server);

const report = {
  version: pkg.version,
  tarball,
  tarballBytes: statSync(tarball).size,
  tarballUnpackedBytes: packed.unpackedSize,
  tarballFiles: packed.entryCount,
  bundle,
  bundleBytes: bundle === null ? null : statSync(bundle).size,
  marketplace,
  plugin: pluginDir,
};
if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else {
  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
  process.stdout.write(
    `npm package  ${tarball}  ${mb(report.tarballBytes)} (${report.tarballFiles} files, ${mb(report.tarballUnpackedBytes)} unpacked)\n` +
      (bundle === null ? '' : `MCP Bundle   ${bundle}  ${mb(report.bundleBytes)}\n`) +
      `plugin       ${pluginDir}  (marketplace: claude plugin marketplace add ${marketplace})\n`,
  );
}

/** OUT/claude-hub-<v>.mcpb: the server, manifest.json (version from package.json) and the icon, validated and packed by mcpb. */
function packBundle(serverDir) {
  const mcpbDir = join(out, 'stage', 'mcpb');
  cpSync(serverDir, mcpbDir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(REPO, 'manifest.json'), 'utf8'));
  manifest.version = pkg.version;
  writeFileSync(join(mcpbDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(join(REPO, manifest.icon), join(mcpbDir, manifest.icon));
  say('mcpb validate, mcpb pack');
  run(mcpbBin, ['validate', join(mcpbDir, 'manifest.json')], REPO);
  const file = join(out, `claude-hub-${pkg.version}.mcpb`);
  run(mcpbBin, ['pack', mcpbDir, file], REPO);
  return file;
}

/**
 * OUT/marketplace/agent-hub: the server plus plugin/ (plugin.json with package.json's version),
 * listed by OUT/marketplace/.claude-plugin/marketplace.json. The plugin is "agent-hub", not
 * "claude-hub": Claude Code reserves plugin names that start with "claude-" for Anthropic's own.
 */
function buildPlugin(serverDir) {
  const marketplaceDir = join(out, 'marketplace');
  const plugin = join(marketplaceDir, 'agent-hub');
  // Type declarations and source maps serve no one running the server (mcpb pack drops them too).
  cpSync(serverDir, plugin, { recursive: true, filter: (source) => !/\.(d\.[cm]?ts|map)$/.test(source) });
  cpSync(join(REPO, 'plugin'), plugin, { recursive: true });
  rmSync(join(plugin, 'marketplace.json'));
  cpSync(join(REPO, 'assets', 'icon.png'), join(plugin, 'assets', 'icon.png'));
  const pluginJson = JSON.parse(readFileSync(join(REPO, 'plugin', '.claude-plugin', 'plugin.json'), 'utf8'));
  pluginJson.version = pkg.version;
  writeFileSync(join(plugin, '.claude-plugin', 'plugin.json'), `${JSON.stringify(pluginJson, null, 2)}\n`);
  const market = JSON.parse(readFileSync(join(REPO, 'plugin', 'marketplace.json'), 'utf8'));
  market.plugins = market.plugins.map((entry) => (entry.name === pluginJson.name ? { ...entry, version: pkg.version } : entry));
  mkdirSync(join(marketplaceDir, '.claude-plugin'), { recursive: true });
  writeFileSync(join(marketplaceDir, '.claude-plugin', 'marketplace.json'), `${JSON.stringify(market, null, 2)}\n`);
  return { marketplace: marketplaceDir, pluginDir: plugin };
}
