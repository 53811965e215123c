import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TmuxBackend, tmuxSessionName, paneCommand } from '../../src/terminal/tmux.js';
import { exec } from '../../src/exec.js';
import { ErrorCodes, HubError } from '../../src/errors.js';
import { waitFor } from '../helpers/wait.js';

const socket = `hub-test-${randomBytes(4).toString('hex')}`;
const backend = new TmuxBackend({ socket });
let dir: string;
const paneEnv = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', MARKER: 'a b "c" $d' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-tmux-'));
});
afterAll(async () => {
  await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
  await rm(dir, { recursive: true, force: true });
});

const fileText = (name: string) => readFile(join(dir, name), 'utf8').catch(() => '');

describe('TmuxBackend on its own socket', () => {
  it('derives safe session names', () => {
    expect(tmuxSessionName('my.proj:1 x')).toBe('hub-my_proj_1_x');
    expect(() => paneCommand({ argv: [], env: {} })).toThrow(HubError);
    expect(() => paneCommand({ argv: ['x'], env: { 'A=B': '1' } })).toThrow(/not valid/);
  });

  it('runs the process with exactly the given env, not the server or hub env', async () => {
    const handle = await backend.open({ session: 'env.test', name: 'Agent_1', cwd: dir, argv: ['sh', '-c', 'env > env.txt; sleep 30'], env: paneEnv });
    expect(handle.id).toMatch(/^%\d+$/);
    const text = await waitFor(async () => (await fileText('env.txt')).includes('MARKER') && fileText('env.txt'), 'env.txt');
    const names = text
      .trim()
      .split('\n')
      .map((line) => line.split('=')[0])
      .sort();
    // sh adds PWD (and may add SHLVL/_); nothing from the hub (e.g. VITEST, TMUX, TMUX_PANE) reaches the pane.
    expect(names.filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n ?? ''))).toEqual(['HOME', 'MARKER', 'PATH']);
    expect(text).toContain('MARKER=a b "c" $d\n');
    expect(process.env.VITEST).toBeDefined();
    await backend.close(handle);
  });

  it('pastes text as one bracketed paste (key names stay text), then submits', async () => {
    const handle = await backend.open({
      session: 'paste',
      name: 'Agent_1',
      cwd: dir,
      argv: ['sh', '-c', "printf '\\033[?2004h'; stty -echo; echo READY; cat > paste.txt"],
      env: paneEnv,
    });
    await waitFor(async () => (await backend.readScreen(handle)).text.includes('READY'), 'READY');
    const text = 'line one "q" \\ $(echo x)\nEnter C-c ü→';
    await backend.sendText(handle, text);
    await backend.submit(handle);
    // The text holds a newline, so cat writes it in two lines: wait for the paste's end marker.
    const got = await waitFor(async () => {
      const written = await fileText('paste.txt');
      return written.endsWith('\u001b[201~\n') && written;
    }, 'the whole paste in paste.txt');
    expect(got).toBe(`\u001b[200~${text}\u001b[201~\n`);
    await backend.close(handle);
  });

  it('opens a window right after the last one closed, when the client reaches the server as it goes down', async () => {
    // The race (close the last window, open another at once) is real but rare: the first
    // new-session here hears what a client hears from a dying server, as tmux prints it.
    let dying = 1;
    const racing = new TmuxBackend({
      socket,
      exec: async (command, args, options) => {
        if (args.includes('new-session') && dying-- > 0) {
          throw new HubError(ErrorCodes.EXEC_FAILED, 'tmux exited with 1', {
            data: { command, args: [...args], stderr: 'server exited unexpectedly\n', exitCode: 1 },
          });
        }
        return exec(command, args, options);
      },
    });
    const handle = await racing.open({ session: 'racing', name: 'Agent_1', cwd: dir, argv: ['sh', '-c', 'echo UP; sleep 30'], env: paneEnv });
    await waitFor(async () => (await racing.readScreen(handle)).text.includes('UP'), 'UP');
    expect(dying).toBe(-1);
    await racing.close(handle);
  });

  it('leaves copy mode before pasting', async () => {
    const handle = await backend.open({
      session: 'paste',
      name: 'Agent_2',
      cwd: dir,
      argv: ['sh', '-c', "printf '\\033[?2004h'; stty -echo; echo READY; cat > copy.txt"],
      env: paneEnv,
    });
    await waitFor(async () => (await backend.readScreen(handle)).text.includes('READY'), 'READY');
    await exec('tmux', ['-L', socket, 'copy-mode', '-t', handle.id]);
    const inMode = await exec('tmux', ['-L', socket, 'display-message', '-p', '-t', handle.id, '#{pane_in_mode}']);
    expect(inMode.stdout.trim()).toBe('1');
    await backend.sendText(handle, 'after copy mode');
    await backend.submit(handle);
    const got = await waitFor(async () => (await fileText('copy.txt')).endsWith('\n') && fileText('copy.txt'), 'copy.txt');
    expect(got).toBe('\u001b[200~after copy mode\u001b[201~\n');
    await backend.close(handle);
  });

  it('reads the screen, sends raw keys, and lists only hub windows with their names', async () => {
    const handle = await backend.open({
      session: 'screen s',
      name: 'Agent_3',
      cwd: dir,
      argv: ['sh', '-c', 'echo READY; read x; echo "GOT $x"; sleep 30'],
      env: paneEnv,
    });
    await waitFor(async () => (await backend.readScreen(handle)).text.includes('READY'), 'READY');
    await backend.sendKeys(handle, ['4', '2', 'Enter']);
    await waitFor(async () => (await backend.readScreen(handle)).text.includes('GOT 42'), 'GOT 42');
    expect((await backend.readScreen(handle, 1)).text).toBe('GOT 42');
    expect((await backend.readScreen(handle, 0)).text).toBe('');
    await exec('tmux', ['-L', socket, 'new-session', '-d', '-s', 'not-ours', 'sleep 30']);
    const listed = await backend.list();
    expect(listed.every((info) => info.session !== 'not-ours')).toBe(true);
    const mine = listed.find((info) => info.handle.id === handle.id);
    expect(mine).toMatchObject({ name: 'Agent_3', session: 'screen s', alive: true });
    await backend.close(handle);
    expect((await backend.list()).some((info) => info.handle.id === handle.id)).toBe(false);
  });

  it('notices a dead process (pane_dead) and a gone pane', async () => {
    // The process exits when the test opens its gate (a fifo), not after a delay a loaded machine could outlast.
    const gate = join(dir, 'dead.gate');
    await exec('mkfifo', [gate]);
    const handle = await backend.open({ session: 'dead', name: 'Agent_1', cwd: dir, argv: ['sh', '-c', 'read line < dead.gate; exit 7'], env: paneEnv });
    expect(await backend.isAlive(handle)).toBe(true);
    await exec('sh', ['-c', 'echo go > dead.gate'], { cwd: dir, timeoutMs: 10_000 });
    await waitFor(async () => !(await backend.isAlive(handle)), 'pane dead');
    expect((await backend.list()).find((i) => i.handle.id === handle.id)?.alive).toBe(false);
    const other = await backend.open({ session: 'dead', name: 'Agent_2', cwd: dir, argv: ['sleep', '30'], env: paneEnv });
    await exec('tmux', ['-L', socket, 'kill-pane', '-t', other.id]);
    expect(await backend.isAlive(other)).toBe(false);
    await expect(backend.sendText(other, 'x')).rejects.toMatchObject({ code: 'AGENT_EXITED' });
    await backend.close(other); // closing a gone pane is not an error
    await backend.close(handle);
  });

  it('rejects a handle that is not a pane id and reports a missing tmux', async () => {
    await expect(backend.submit({ backend: 'tmux', id: 'x; kill-server' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const missing = new TmuxBackend({ socket, tmuxCommand: '/nonexistent/tmux' });
    await expect(missing.list()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});
