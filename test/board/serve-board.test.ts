/**
 * The built CLI: `serve --board 0` beside stdio serves the board on its own port and says so
 * in the ready line; `claude-hub dashboard` prints that URL from the state dir while the hub
 * runs, and says how to start one (exit 1) once it has stopped. `serve --transport http` serves
 * the board at `/` next to `/mcp`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, isolatedEnv } from '../cli/run-cli.js';
import { waitFor } from '../helpers/wait.js';

let home: string;
const socket = `hub-board-serve-${process.pid}`;
const children: ChildProcess[] = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'hub-board-serve-'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // No tmux server was started.
  }
  await rm(home, { recursive: true, force: true });
});

function serve(args: string[]): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, 'serve', '--tmux-socket', socket, '--backend', 'tmux', ...args], {
    env: isolatedEnv(home),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return { child, stderr: () => stderr, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

function dashboard(stateDir: string): { status: number; stdout: string; stderr: string } {
  try {
    return {
      status: 0,
      stdout: execFileSync(process.execPath, [CLI, 'dashboard', '--state-dir', stateDir], {
        env: isolatedEnv(home),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      stderr: '',
    };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('serve --board and claude-hub dashboard', () => {
  it('stdio with --board 0: the board on its own port, dashboard prints it, and says so once the hub stopped', async () => {
    const stateDir = join(home, 'stdio-state');
    const hub = serve(['--state-dir', stateDir, '--board', '0']);
    const url = await waitFor(() => / ready: transport=stdio board=(\S+)/.exec(hub.stderr())?.[1], 'the ready line with the board', 30_000);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(dashboard(stateDir)).toMatchObject({ status: 0, stdout: `${url}\n` });
    hub.child.stdin?.end();
    expect(await hub.exited).toBe(0);
    const after = dashboard(stateDir);
    expect(after.status).toBe(1);
    expect(after.stderr).toContain('No running hub with a board');
  });

  it('http: the board at / beside /mcp', async () => {
    const stateDir = join(home, 'http-state');
    const hub = serve(['--state-dir', stateDir, '--transport', 'http', '--port', '0']);
    const url = await waitFor(() => / board=(\S+)/.exec(hub.stderr())?.[1], 'the ready line', 30_000);
    expect((await fetch(url)).status).toBe(200);
    const board = (await (await fetch(new URL('board/api/board', url))).json()) as { ok: boolean; sessions: unknown[] };
    expect(board).toMatchObject({ ok: true, sessions: [] });
    expect(dashboard(stateDir).stdout).toBe(`${url}\n`);
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
  });
});
