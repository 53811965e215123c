import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO, isolatedEnv, runCli } from './run-cli.js';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'hub-cli-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('claude-hub CLI (built dist/cli.js)', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version'], { env: isolatedEnv(home) });
    expect(result).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('--help lists every command, and every command has its own --help', async () => {
    const top = await runCli(['--help'], { env: isolatedEnv(home) });
    expect(top.code).toBe(0);
    for (const command of ['serve', 'status', 'watch', 'audit', 'doctor', 'init']) expect(top.stdout).toContain(command);
    for (const command of ['serve', 'doctor', 'init', 'watch', 'status', 'audit']) {
      const help = await runCli([command, '--help'], { env: isolatedEnv(home) });
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/usage: claude-hub/i);
    }
    expect((await runCli(['serve', '--help'], { env: isolatedEnv(home) })).stdout).toContain('CLAUDE_HUB_SECURITY_LEVEL');
  });

  it('bad flags: exit 2, a clear message on stderr, nothing on stdout', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['serve', '--transport', 'pigeon'], {}, /INVALID_ARGUMENT: --transport "pigeon" is not valid: use stdio, http/],
      [['--port', 'abc'], {}, /--port "abc"/],
      [['serve', '--bogus'], {}, /Unknown option '--bogus'/],
      [['serve'], { CLAUDE_HUB_SECURITY_LEVEL: 'ULTRA' }, /CLAUDE_HUB_SECURITY_LEVEL "ULTRA" is not valid: use LOW, MEDIUM, HIGH/],
      [['frobnicate'], {}, /unknown command "frobnicate"/],
      [['doctor', '--jsn'], {}, /Unknown option '--jsn'/],
      [['init'], {}, /exactly one ROOT/],
    ];
    for (const [args, env, message] of cases) {
      const result = await runCli(args, { env: isolatedEnv(home, env) });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stdout, args.join(' ')).toBe('');
    }
  });

  it('serve over HTTP beyond loopback without tokens refuses to start (exit 1) before creating any state', async () => {
    const result = await runCli(['serve', '--transport', 'http', '--host', '0.0.0.0', '--port', '0'], { env: isolatedEnv(home) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/CONFIG_ERROR: Refusing to listen on 0\.0\.0\.0 without bearer tokens.*--tokens-file/);
    expect(result.stdout).toBe('');
    expect(await readdir(home)).toEqual([]);
  });

  it('doctor --json reports every check; with a real claude of a tested release it passes the claude check', async () => {
    const claude = join(REPO, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');
    const result = await runCli(['doctor', '--json', '--claude-command', claude], { env: isolatedEnv(home) });
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: { name: string; status: string; version?: string }[] };
    expect(report.checks.map((c) => c.name)).toEqual(['node', 'tmux', 'iterm2', 'claude', 'git', 'state-dir', 'backend', 'sandbox']);
    // .ci/run installs bubblewrap and socat: the sandbox works here, and doctor says so.
    expect(report.checks.find((c) => c.name === 'sandbox')).toMatchObject({ status: 'ok', required: false });
    expect(report.checks.find((c) => c.name === 'backend')).toMatchObject({
      status: 'ok',
      version: process.platform === 'darwin' ? expect.any(String) : 'tmux',
    });
    expect(report.checks.find((c) => c.name === 'node')).toMatchObject({ status: 'ok', version: process.versions.node });
    expect(report.checks.find((c) => c.name === 'claude')).toMatchObject({ status: 'ok', version: '2.1.197' });
    expect(result.code).toBe(report.ok ? 0 : 1);
  });

  it('doctor exits 1 and says what to install when claude is missing', async () => {
    const result = await runCli(['doctor', '--json', '--claude-command', join(home, 'no-such-claude')], { env: isolatedEnv(home) });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: { name: string; status: string; fix?: string }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'claude')).toMatchObject({
      status: 'missing',
      fix: expect.stringContaining('npm install -g @anthropic-ai/claude-code'),
    });
  });

  it('init ROOT writes TODO.md from the template, prints both configurations, and never overwrites', async () => {
    const root = join(home, 'project');
    await mkdir(root);
    const first = await runCli(['init', root], { env: isolatedEnv(home) });
    expect(first.code, first.stderr).toBe(0);
    const written = await readFile(join(root, 'TODO.md'), 'utf8');
    expect(written).toBe(await readFile(join(REPO, 'templates', 'TODO.md'), 'utf8'));
    // It points at nothing the user's project lacks: the rules are inline, the reference is the package's.
    expect(written).not.toMatch(/See docs\/protocol\.md/);
    expect(written).toContain('docs/protocol.md in the claude-hub package (not in this project)');
    expect(written).toContain('.claude-hub/tasks/TASK-12-<slug>.md');
    expect(first.stdout).toContain(`"command": "${process.execPath}"`);
    expect(first.stdout).toContain(`"${CLI}"`);
    const desktopNpx = JSON.parse(/With npx[^\n]*\n(\{[\s\S]*?\n\})\n/.exec(first.stdout)![1]!) as unknown;
    expect(desktopNpx).toEqual({ mcpServers: { 'claude-hub': { command: 'npx', args: ['-y', 'claude-hub', 'serve'] } } });
    expect(first.stdout).toContain('claude mcp add claude-hub -- npx -y claude-hub serve');

    await writeFile(join(root, 'TODO.md'), '# mine\n');
    const second = await runCli(['init', root], { env: isolatedEnv(home) });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('exists; left as it is');
    expect(await readFile(join(root, 'TODO.md'), 'utf8')).toBe('# mine\n');
  });

  it('init on a folder that does not exist: exit 2 (bad input), INVALID_PATH, nothing created', async () => {
    const missing = join(home, 'nope');
    const result = await runCli(['init', missing], { env: isolatedEnv(home) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^INVALID_PATH: ROOT .*nope does not exist; create the folder first/);
    expect(await readdir(home)).not.toContain('nope');
  });
});
