import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO, isolatedEnv } from './run-cli.js';
import { waitFor } from '../helpers/wait.js';

let home: string;
const socket = `hub-cli-serve-${process.pid}`;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'hub-cli-serve-'));
});
afterAll(async () => {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // No tmux server was started.
  }
  await rm(home, { recursive: true, force: true });
});

describe('claude-hub serve (stdio, the real hub)', () => {
  it('prints one ready line on stderr, nothing on stdout before the client speaks, and exits 0 when stdin closes', async () => {
    const stateDir = join(home, 'state');
    const logDir = join(home, 'logs');
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--state-dir', stateDir, '--tmux-socket', socket, '--backend', 'tmux', '--log-dir', logDir, '--security-level', 'LOW'],
      {
        env: isolatedEnv(home),
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const ready = await waitFor(() => stderr.split('\n').find((line) => line.includes(' ready: ')), 'the ready line', 30_000);
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(ready).toBe(`claude-hub ${version} ready: transport=stdio state=${stateDir} backend=tmux security=LOW`);
    expect(stderr.split('\n').filter((line) => line.includes(' ready: '))).toHaveLength(1);
    expect(stdout).toBe('');
    expect((await stat(join(logDir, 'claude-hub.log'))).isFile()).toBe(true);

    child.stdin.end();
    expect(await exited).toBe(0);
    expect(stdout).toBe('');
  });
});
