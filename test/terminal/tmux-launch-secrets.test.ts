/**
 * An agent's launch command line carries its env (API keys) and prompt. When tmux refuses to
 * open the window, the error the hub returns to the MCP client and logs must quote tmux's
 * complaint, never that command line. Real tmux on its own socket: a command line past tmux's
 * message size limit makes it fail with "command too long", for a new session and for a window
 * in an existing one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TmuxBackend } from '../../src/terminal/tmux.js';
import { exec } from '../../src/exec.js';
import { ErrorCodes, isHubError } from '../../src/errors.js';

const socket = `hub-test-${randomBytes(4).toString('hex')}`;
const backend = new TmuxBackend({ socket });
const apiKey = `sk-ant-test-${randomBytes(16).toString('hex')}`;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-tmux-secrets-'));
});
afterAll(async () => {
  await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
  await rm(dir, { recursive: true, force: true });
});

async function openTooLong(session: string): Promise<unknown> {
  const prompt = 'p'.repeat(40_000);
  return backend
    .open({ session, name: 'Agent_2', cwd: dir, argv: ['sh', '-c', 'sleep 30', prompt], env: { PATH: '/usr/bin:/bin', ANTHROPIC_API_KEY: apiKey } })
    .then(
      () => 'opened',
      (error: unknown) => error,
    );
}

function expectNoCommandLine(error: unknown): void {
  expect(isHubError(error)).toBe(true);
  if (!isHubError(error)) return;
  expect(error.code).toBe(ErrorCodes.TERMINAL_ERROR);
  expect(error.message).toMatch(/^tmux could not open a window: .*command too long/);
  const shown = JSON.stringify(error) + String(error);
  expect(shown).not.toContain(apiKey);
  expect(shown).not.toContain('ppppp');
}

describe('tmux launch errors do not quote the agent command line', () => {
  it('in a new tmux session', async () => {
    expectNoCommandLine(await openTooLong('secrets-new'));
  });

  it('in an existing tmux session', async () => {
    const first = await backend.open({
      session: 'secrets-existing',
      name: 'Agent_1',
      cwd: dir,
      argv: ['sh', '-c', 'sleep 30'],
      env: { PATH: '/usr/bin:/bin' },
    });
    expectNoCommandLine(await openTooLong('secrets-existing'));
    await backend.close(first);
  });
});
