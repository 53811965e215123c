/**
 * The MCP Bundle as Claude Desktop installs and starts it: `scripts/bundle.mjs` builds the
 * .mcpb (offline: production dependencies from the npm cache `npm ci` filled), the official
 * `@anthropic-ai/mcpb` unpacks it into a folder whose path has spaces and non-ASCII letters (as
 * a user's Application Support folder can), and the server is started with the manifest's
 * command and args after `${__dirname}` and `user_config` substitution by mcpb's own
 * `getMcpConfigForManifest` (the reference implementation of what Claude Desktop does). The one
 * stand-in: the manifest's `node` is this test's Node, as Claude Desktop puts its built-in (or
 * the system's) Node there.
 *
 * Also: the manifest agrees with package.json and with what the server lists; bad `user_config`
 * values stop the server with exit code 2 and a message on stderr (Claude Desktop's log) before
 * it speaks any protocol; the plugin's launcher says so when there is no Node at all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getMcpConfigForManifest, unpackExtension, type McpbManifestAny } from '@anthropic-ai/mcpb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_LEVELS, toolsAllowedAt } from '../../src/server/tool-levels.js';
import { buildBundle, listToolsOf, REPO, runUntilExit, type BundleReport } from './install-helpers.js';

interface Manifest {
  readonly version: string;
  readonly tools: readonly { name: string; description: string }[];
  readonly user_config: Record<string, { type: string; default?: unknown }>;
  readonly server: { mcp_config: { command: string; args: string[]; env: Record<string, string> } };
}

const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
const repoManifest = JSON.parse(await readFile(join(REPO, 'manifest.json'), 'utf8')) as Manifest;

let base = '';
let report: BundleReport;
/** Where Claude Desktop would unpack the extension. */
let extensionPath = '';
let manifest: Manifest;
let home = '';

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'hub-mcpb-')));
  report = buildBundle(join(base, 'build'));
  extensionPath = join(base, 'Application Support', 'Claude', 'Claude Extensions', 'claude-hub ünï 日本');
  await mkdir(extensionPath, { recursive: true });
  if (report.bundle === null) throw new Error('scripts/bundle.mjs made no .mcpb');
  expect(await unpackExtension({ mcpbPath: report.bundle, outputDir: extensionPath, silent: true })).toBe(true);
  manifest = JSON.parse(await readFile(join(extensionPath, 'manifest.json'), 'utf8')) as Manifest;
  home = join(base, 'home');
  await mkdir(home);
}, 240_000);

afterAll(async () => {
  if (base !== '') await rm(base, { recursive: true, force: true });
});

/** What Claude Desktop runs for these form values: command, args and env after substitution. */
async function desktopCommand(userConfig: Record<string, string>): Promise<{ command: string; args: string[]; env: Record<string, string> }> {
  const config = await getMcpConfigForManifest({
    manifest: manifest as unknown as McpbManifestAny,
    extensionPath,
    systemDirs: { HOME: home, DESKTOP: join(home, 'Desktop'), DOCUMENTS: join(home, 'Documents'), DOWNLOADS: join(home, 'Downloads') },
    userConfig,
    pathSeparator: '/',
  });
  if (config === undefined) throw new Error('getMcpConfigForManifest gave no config: a required user_config value is missing');
  expect(config.command).toBe('node');
  // Claude Desktop's environment for a server: a short PATH, the user's HOME, the config's env.
  return { command: process.execPath, args: config.args ?? [], env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, ...(config.env ?? {}) } };
}

/** Form values every start gets: its own state dir and tmux socket, so nothing of the user's is touched. */
function form(extra: Record<string, string> = {}): Record<string, string> {
  return { state_dir: join(base, 'state ü', String(Math.random()).slice(2)), tmux_socket: `hub-mcpb-${process.pid}`, ...extra };
}

describe('the MCP Bundle', () => {
  it("is built, validated and packed by the official tool, and keeps package.json's version", () => {
    expect(existsSync(report.bundle ?? '')).toBe(true);
    expect(report.bundle?.endsWith(`claude-hub-${pkg.version}.mcpb`)).toBe(true);
    expect(manifest.version).toBe(pkg.version);
    const sync = 'run `npm run sync-manifest`';
    expect(repoManifest.version, `manifest.json: ${sync}`).toBe(pkg.version);
    // The plugin's sources say the same version as the package they are built with.
    expect(JSON.parse(readFileSync(join(REPO, 'plugin', '.claude-plugin', 'plugin.json'), 'utf8')), `plugin.json: ${sync}`).toMatchObject({
      version: pkg.version,
    });
    expect(JSON.parse(readFileSync(join(REPO, 'plugin', 'marketplace.json'), 'utf8')), `marketplace.json: ${sync}`).toMatchObject({
      plugins: [{ version: pkg.version }],
    });
    console.log(`bundle: ${((report.bundleBytes ?? 0) / 1024 / 1024).toFixed(2)} MB; npm tarball: ${(report.tarballBytes / 1024).toFixed(0)} KB`);
  });

  it('carries production dependencies only', () => {
    const modules = join(extensionPath, 'node_modules');
    expect(existsSync(join(modules, '@modelcontextprotocol', 'sdk'))).toBe(true);
    for (const dev of ['vitest', 'typescript', '@anthropic-ai/claude-code', 'claude-code-current', '@anthropic-ai/mcpb', 'fast-check'])
      expect(existsSync(join(modules, dev)), dev).toBe(false);
  });

  it('starts as Claude Desktop would, from a path with spaces and non-ASCII letters, and lists the tools its manifest names', async () => {
    const { command, args, env } = await desktopCommand(form());
    expect(args[0]).toBe(join(extensionPath, 'dist', 'cli.js'));
    const started = await listToolsOf(command, args, env, home);
    expect(started.stderr).toMatch(/ ready: transport=stdio .* security=HIGH/);
    // The manifest's tools are exactly the server's (at HIGH, its default, it lists every tool).
    expect(manifest.tools, 'manifest.json tools differ from the server: run `npm run sync-manifest`').toEqual(
      started.tools.map((t) => ({ name: t.name, description: t.description })),
    );
    expect(started.tools.map((t) => t.name).sort()).toEqual(Object.keys(TOOL_LEVELS).sort());
    console.log(`cold start from the unpacked bundle to ready: ${Math.round(started.readyMs)} ms`);
  });

  it('maps each user_config value to the server setting it names', async () => {
    const stateDir = join(base, 'my state dir ü');
    const { args, command, env } = await desktopCommand(
      form({ state_dir: stateDir, security_level: 'LOW', backend: 'tmux', claude_command: '/opt/claude code/claude' }),
    );
    expect(env).toMatchObject({
      CLAUDE_HUB_STATE_DIR: stateDir,
      CLAUDE_HUB_SECURITY_LEVEL: 'LOW',
      CLAUDE_HUB_BACKEND: 'tmux',
      CLAUDE_HUB_CLAUDE_COMMAND: '/opt/claude code/claude',
      CLAUDE_HUB_TMUX_SOCKET: `hub-mcpb-${process.pid}`,
    });
    const started = await listToolsOf(command, args, env, home);
    expect(started.stderr).toContain(`ready: transport=stdio state=${stateDir} backend=tmux security=LOW`);
    expect(started.tools.map((t) => t.name).sort()).toEqual([...toolsAllowedAt('LOW')].sort());
    // Every user_config key is used by the command, and every one has a default (an optional
    // value without one would reach the server as the literal "${user_config.key}").
    const wiring = JSON.stringify(manifest.server.mcp_config);
    for (const [key, option] of Object.entries(manifest.user_config)) {
      expect(wiring, key).toContain(`\${user_config.${key}}`);
      expect(option.default, key).toBeDefined();
    }
  });

  it('left empty, the form gives the server its own defaults', async () => {
    const { env } = await desktopCommand({});
    expect(env).toMatchObject({
      CLAUDE_HUB_STATE_DIR: '',
      CLAUDE_HUB_SECURITY_LEVEL: 'HIGH',
      CLAUDE_HUB_BACKEND: 'auto',
      CLAUDE_HUB_CLAUDE_COMMAND: 'claude',
      CLAUDE_HUB_TMUX_SOCKET: '',
    });
  });

  describe("bad user_config values: a message in Claude Desktop's log, exit code 2, no server", () => {
    const cases: [string, () => Promise<Record<string, string>>, RegExp][] = [
      [
        'a security level that does not exist',
        async () => form({ security_level: 'ULTRA' }),
        /^INVALID_ARGUMENT: CLAUDE_HUB_SECURITY_LEVEL "ULTRA" is not valid: use LOW, MEDIUM, HIGH\./,
      ],
      [
        'a state dir that is a file',
        async () => {
          const file = join(base, 'a file ü');
          await writeFile(file, 'not a folder');
          return form({ state_dir: file });
        },
        /^INVALID_ARGUMENT: CLAUDE_HUB_STATE_DIR .*a file ü: .*is a file, not a folder; give CLAUDE_HUB_STATE_DIR a folder path\./,
      ],
      [
        'a backend that does not exist',
        async () => form({ backend: 'screen' }),
        /^INVALID_ARGUMENT: CLAUDE_HUB_BACKEND "screen" is not valid: use auto, tmux, iterm2\./,
      ],
      [
        'a tmux socket with a space',
        async () => form({ tmux_socket: 'my socket' }),
        /^INVALID_ARGUMENT: CLAUDE_HUB_TMUX_SOCKET "my socket" is not valid: use a socket name/,
      ],
    ];
    it.each(cases)('%s', async (_what, values, message) => {
      const { command, args, env } = await desktopCommand(await values());
      const run = await runUntilExit(command, args, env);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toContain(' ready: ');
      expect(run.stdout).toBe('');
    });
  });

  it('on a Node older than 20.19 (what Claude Desktop may find on PATH), it says which Node it needs and exits 2', async () => {
    const { command, args, env } = await desktopCommand(form());
    // This Node, told it is 18.20: the check reads process.versions.node before loading anything.
    const pretendOld = `data:text/javascript,Object.defineProperty(process, "versions", { value: { ...process.versions, node: "18.20.0" } });`;
    const run = await runUntilExit(command, ['--import', pretendOld, ...args], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^CONFIG_ERROR: claude-hub needs Node\.js 20\.19 or newer; .* is 18\.20\.0\. Install a current Node\.js/);
    expect(run.stdout).toBe('');
  });

  it("the plugin's launcher, with no Node on PATH, says what to install and exits 2", async () => {
    // It also looks where macOS installers put node; a machine with one there cannot show this.
    if (existsSync('/opt/homebrew/bin/node') || existsSync('/usr/local/bin/node')) return;
    const bareBin = join(base, 'bare bin');
    await mkdir(bareBin);
    await symlink('/bin/sh', join(bareBin, 'sh'));
    const run = await runUntilExit(join(bareBin, 'sh'), [join(report.plugin, 'launch', 'claude-hub-serve'), 'serve'], { PATH: bareBin, HOME: home });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^CONFIG_ERROR: claude-hub needs Node\.js 20\.19 or newer and found no node on PATH \(.*bare bin\).*Install it/);
    expect(run.stdout).toBe('');
  });
});
