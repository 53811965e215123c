/**
 * The commands as one family, run as a user runs them (the built dist/cli.js): the same exit
 * code for the same failure, the state dir found as serve finds it, a reader that closes the
 * pipe early, roots create_session would refuse, state dirs that can never be folders.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { AuditLog } from '../../src/store/audit-log.js';
import { CLI, REPO, isolatedEnv, runCli } from './run-cli.js';

let home: string;
beforeAll(async () => {
  home = await realpath(await mkdtemp(join(tmpdir(), 'hub-conv-')));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function folder(name: string): Promise<string> {
  const dir = join(home, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function seedAudit(dir: string, entries: number): Promise<void> {
  const log = await AuditLog.open({ dir, logger: silentLogger, now: () => new Date('2026-03-01T10:00:00.000Z') });
  for (let n = 0; n < entries; n++)
    await log.append({ kind: 'agent_state', actor: 'hub', session: 's1', agent: `Agent_${n}`, outcome: 'exited', detail: 'x'.repeat(100) });
  await log.close();
}

/** Runs the CLI with stdout piped to a reader that takes the first chunk and then closes the pipe. */
function runIntoClosedPipe(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; first: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let first = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout.once('data', (chunk: Buffer) => {
      first = chunk.toString('utf8');
      child.stdout.destroy();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, first }));
  });
}

describe('one family of commands', () => {
  it('exit-code table: a missing ROOT is INVALID_PATH, exit 2, in status, watch and init; so is one that is a file', async () => {
    const env = isolatedEnv(home);
    const file = join(await folder('files'), 'plain.txt');
    await writeFile(file, 'x');
    for (const command of ['status', 'watch', 'init']) {
      const missing = await runCli([command, join(home, 'no-such-root')], { env });
      expect(missing.code, command).toBe(2);
      expect(missing.stderr, command).toMatch(/^INVALID_PATH: .*no-such-root does not exist/);
      expect(missing.stdout, command).toBe('');
      const notFolder = await runCli([command, file], { env });
      expect(notFolder.code, command).toBe(2);
      expect(notFolder.stderr, command).toMatch(/^INVALID_PATH: .*plain\.txt is a file, not a/);
    }
    expect(await readdir(home)).toEqual(['files']);
  });

  it('every command has the same help shape: usage, what it does, options, exit codes', async () => {
    for (const command of ['serve', 'status', 'watch', 'audit', 'doctor', 'init']) {
      const help = await runCli([command, '--help'], { env: isolatedEnv(home) });
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/^usage: claude-hub /);
      expect(help.stdout, command).toMatch(/\noptions[^\n]*:\n/);
      expect(help.stdout, command).toContain('-h, --help');
      expect(help.stdout, command).toContain('exit codes: 0 ok, 1 a failure found or a runtime error, 2 usage or bad input');
    }
    for (const command of ['serve', 'status', 'watch', 'audit', 'doctor']) {
      expect((await runCli([command, '--help'], { env: isolatedEnv(home) })).stdout, command).toContain('--state-dir');
    }
  });

  it('audit verify and audit log find the state dir as serve does: CLAUDE_HUB_STATE_DIR, then XDG_STATE_HOME', async () => {
    const viaEnv = await folder('state-env');
    await seedAudit(viaEnv, 3);
    // The default dir (under XDG_STATE_HOME) has no log at all: it must not be what is checked.
    const verify = await runCli(['audit', 'verify'], { env: isolatedEnv(home, { CLAUDE_HUB_STATE_DIR: viaEnv }) });
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(new RegExp(`^audit log ok: 3 entries, chain intact \\(${viaEnv}/audit\\.jsonl\\)`));
    const log = await runCli(['audit', 'log'], { env: isolatedEnv(home, { CLAUDE_HUB_STATE_DIR: viaEnv }) });
    expect(log.stdout.split('\n').filter(Boolean)).toHaveLength(3);

    const xdg = await folder('xdg');
    await mkdir(join(xdg, 'claude-hub'));
    await seedAudit(join(xdg, 'claude-hub'), 2);
    const viaXdg = await runCli(['audit', 'verify'], { env: isolatedEnv(home, { XDG_STATE_HOME: xdg }) });
    expect(viaXdg.stdout).toMatch(/^audit log ok: 2 entries/);

    // Where no hub ran: exit 2, and it says which dir it looked at and how to point elsewhere.
    const none = await runCli(['audit', 'verify'], { env: isolatedEnv(home) });
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(
      /^INVALID_PATH: .*state\/claude-hub \(from XDG_STATE_HOME\) is not there: no hub has run with it; give the state dir serve uses \(--state-dir DIR or CLAUDE_HUB_STATE_DIR\)/,
    );
  });

  it('a reader that closes the pipe early (| head): status, watch and audit log stop quietly, exit 0, no EPIPE trace', async () => {
    const root = await folder('big');
    await mkdir(join(root, '.claude-hub/tasks'), { recursive: true });
    // Far more output than a pipe holds: 1500 tasks, each with its own assignee.
    for (let n = 1; n <= 1500; n++) {
      await writeFile(
        join(root, `.claude-hub/tasks/TASK-${n}.md`),
        `---\nid: TASK-${n}\ntitle: A task with a long enough title to fill the pipe ${'x'.repeat(40)}\nstatus: todo\nassignee: person_${n}\n---\n`,
      );
    }
    const state = await folder('big-state');
    await seedAudit(state, 1500);
    const env = isolatedEnv(home, { CLAUDE_HUB_STATE_DIR: state });
    for (const args of [
      ['status', root],
      ['watch', root],
      ['audit', 'log'],
    ]) {
      const result = await runIntoClosedPipe(args, env);
      expect(result.first.length, args.join(' ')).toBeGreaterThan(0);
      expect(result.stderr, args.join(' ')).toBe('');
      expect({ code: result.code, signal: result.signal }, args.join(' ')).toEqual({ code: 0, signal: null });
    }
  }, 240_000); // 1,500 task files, 1,500 audit entries and three CLI runs: a loaded machine took past 60 s

  it('init refuses / and the home folder (exit 2, says why) and writes nothing', async () => {
    const env = isolatedEnv(home);
    const slash = await runCli(['init', '/'], { env });
    expect(slash.code).toBe(2);
    expect(slash.stderr).toMatch(/^INVALID_PATH: ROOT \/ is the filesystem root "\/"; agents would reach every file/);
    const own = await runCli(['init', home], { env });
    expect(own.code).toBe(2);
    expect(own.stderr).toMatch(/^INVALID_PATH: ROOT .* is your home folder itself/);
    expect(own.stdout).toBe('');
    expect(await readdir(home)).not.toContain('TODO.md');
  });

  it('a state dir under a file: doctor fails that check (no chmod advice), serve exits 2 naming the flag or variable', async () => {
    const file = join(await folder('blocker'), 'a-file');
    await writeFile(file, 'x');
    const doctor = await runCli(['doctor', '--json', '--state-dir', join(file, 'state')], { env: isolatedEnv(home) });
    expect(doctor.code).toBe(1);
    const check = (JSON.parse(doctor.stdout) as { checks: { name: string; status: string; detail: string; fix?: string }[] }).checks.find(
      (c) => c.name === 'state-dir',
    );
    expect(check).toMatchObject({ status: 'missing', detail: `${file} is a file, so ${join(file, 'state')} cannot be created under it.` });
    const plainFile = await runCli(['doctor', '--json', '--state-dir', file], { env: isolatedEnv(home) });
    const fileCheck = (JSON.parse(plainFile.stdout) as { checks: { name: string; status: string; detail: string; fix?: string }[] }).checks.find(
      (c) => c.name === 'state-dir',
    );
    expect(fileCheck).toMatchObject({ status: 'missing', detail: `${file} is a file, not a folder.` });
    expect(fileCheck?.fix).not.toContain('chmod');

    const serve = await runCli(['serve', '--state-dir', join(file, 'state')], { env: isolatedEnv(home) });
    expect(serve.code).toBe(2);
    expect(serve.stdout).toBe('');
    expect(serve.stderr).toBe(
      `INVALID_ARGUMENT: --state-dir ${join(file, 'state')}: ${file} is a file, so ${join(file, 'state')} cannot be created under it; give --state-dir a folder path.\n`,
    );
    const viaEnv = await runCli(['serve'], { env: isolatedEnv(home, { CLAUDE_HUB_STATE_DIR: file }) });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toMatch(
      /^INVALID_ARGUMENT: CLAUDE_HUB_STATE_DIR .*a-file: .*a-file is a file, not a folder; give CLAUDE_HUB_STATE_DIR a folder path\./,
    );
  });
});
