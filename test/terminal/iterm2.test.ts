import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ITerm2Backend } from '../../src/terminal/iterm2.js';
import {
  escapeAppleScriptString,
  openScript,
  sendKeysScript,
  sendTextScript,
  submitScript,
  readScreenScript,
  isAliveScript,
  closeScript,
  listScript,
  tabCommand,
  tabShellLine,
} from '../../src/terminal/applescript.js';
import { exec } from '../../src/exec.js';

const FAKE_DIR = resolve(import.meta.dirname, '../../fixtures/fake-osascript');
const GOLDEN = (name: string) => join(FAKE_DIR, 'golden', `${name}.applescript`);
const spec = {
  session: 'proj "x"',
  name: 'Agent_1',
  cwd: "/Users/me/My Project's",
  argv: ['claude', '--append-system-prompt', 'You are "Agent_1".\nSay $(no) `no` \\ done'],
  env: { PATH: '/usr/bin:/bin', HOME: '/Users/me', NOTE: 'it\'s "quoted" $HOME' },
};

describe('AppleScript builders', () => {
  it('escapes backslash first, then double quote (and line breaks)', () => {
    expect(escapeAppleScriptString('a\\"b')).toBe('a\\\\\\"b');
    expect(escapeAppleScriptString('x\ny\tz')).toBe('x\\ny\\tz');
  });

  it('generates the golden scripts', async () => {
    await expect(openScript(spec)).toMatchFileSnapshot(GOLDEN('open'));
    await expect(sendTextScript('ABC-1', 'hi "there"\n\\ok')).toMatchFileSnapshot(GOLDEN('send-text'));
    await expect(submitScript('ABC-1')).toMatchFileSnapshot(GOLDEN('submit'));
    await expect(sendKeysScript('ABC-1', ['Down', '1', 'Enter'])!).toMatchFileSnapshot(GOLDEN('send-keys'));
    await expect(readScreenScript('ABC-1')).toMatchFileSnapshot(GOLDEN('read-screen'));
    await expect(isAliveScript('ABC-1')).toMatchFileSnapshot(GOLDEN('is-alive'));
    await expect(closeScript('ABC-1')).toMatchFileSnapshot(GOLDEN('close'));
    await expect(listScript()).toMatchFileSnapshot(GOLDEN('list'));
    expect(sendKeysScript('ABC-1', ['C-c'])).toBeNull();
  });

  it('the tab command survives shell tokenizing: cwd, exact env and every argv word arrive intact', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), "hub it's ")));
    const probe = { cwd: dir, env: spec.env, argv: ['/bin/sh', '-c', 'pwd; env | sort; printf "[%s]\\n" "$@"', 'sh', ...spec.argv] };
    const out = (await exec('/bin/sh', ['-c', tabShellLine(probe)], { env: { PATH: '/usr/bin:/bin' } })).stdout;
    expect(out).toBe(
      [dir, 'HOME=/Users/me', `NOTE=${spec.env.NOTE}`, 'PATH=/usr/bin:/bin', 'PWD=' + dir].join('\n') + '\n' + spec.argv.map((a) => `[${a}]`).join('\n') + '\n',
    );
    // iTerm2 splits `command` like a shell: zsh gets `-lc` and the whole line as one argument.
    const words = (await exec('/bin/sh', ['-c', `printf '%s\\0' ${tabCommand(probe)}`])).stdout.split('\0').slice(0, -1);
    expect(words).toEqual(['/bin/zsh', '-lc', tabShellLine(probe)]);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('ITerm2Backend through the fake osascript on PATH', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const state = async () =>
    JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as {
      windows: { id: number; sessions: { id: string; name: string; command: string; written: string[] }[] }[];
    };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-iterm-'));
    env = {
      PATH: `${FAKE_DIR}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      FAKE_OSASCRIPT_STATE: join(dir, 'state.json'),
      FAKE_OSASCRIPT_LOG: join(dir, 'log.jsonl'),
    };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('opens one tab per agent in the hub session window, types, submits, reads, lists and closes', async () => {
    const backend = new ITerm2Backend({ platform: 'linux', env });
    const one = await backend.open(spec);
    const two = await backend.open({ ...spec, name: 'Agent_2' });
    const other = await backend.open({ ...spec, session: 'other' });
    expect(one.container).toBe(two.container);
    expect(other.container).not.toBe(one.container);
    const model = await state();
    expect(model.windows[0]!.sessions.map((s) => s.name)).toEqual(['Agent_1', 'Agent_2']);
    expect(model.windows[0]!.sessions[0]!.command).toBe(tabCommand(spec));

    const text = 'multi "line"\n\\ back $(x) ü→😀 Enter C-c';
    await backend.sendText(one, text);
    await backend.submit(one);
    await backend.sendKeys(one, ['1']);
    const written = (await state()).windows[0]!.sessions[0]!.written;
    expect(written).toEqual([`\u001b[200~${text}\u001b[201~`, '\n', '1']);
    expect((await backend.readScreen(one)).text).toContain('fake iTerm2 tab running: /bin/zsh -lc');

    const listed = await backend.list();
    expect(listed.map((i) => [i.name, i.session])).toEqual([
      ['Agent_1', 'proj "x"'],
      ['Agent_2', 'proj "x"'],
      ['Agent_1', 'other'],
    ]);
    expect(await backend.isAlive(two)).toBe(true);
    await backend.close(two);
    expect(await backend.isAlive(two)).toBe(false);
    await expect(backend.sendText(two, 'x')).rejects.toMatchObject({ code: 'AGENT_EXITED' });
    await backend.close(two); // already gone: fine

    const log = (await readFile(join(dir, 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { op: string }).op);
    expect(log.slice(0, 7)).toEqual(['open', 'open', 'open', 'send-text', 'submit', 'send-keys', 'read-screen']);
  });

  it('turns -1743 into AUTOMATION_DENIED and a missing iTerm2 into BACKEND_UNAVAILABLE', async () => {
    const denied = new ITerm2Backend({ platform: 'linux', env: { ...env, FAKE_OSASCRIPT_FAIL: 'automation' } });
    await expect(denied.list()).rejects.toMatchObject({ code: 'AUTOMATION_DENIED', message: expect.stringContaining('Privacy & Security') });
    const missing = new ITerm2Backend({ platform: 'linux', env: { ...env, FAKE_OSASCRIPT_FAIL: 'missing' } });
    await expect(missing.open(spec)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    const noOsascript = new ITerm2Backend({ platform: 'linux', env: { PATH: '/nonexistent' } });
    await expect(noOsascript.list()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('refuses to start off macOS unless told how to run osascript, and rejects bad handles and keys', async () => {
    expect(() => new ITerm2Backend({ platform: 'linux' })).toThrow(expect.objectContaining({ code: 'BACKEND_UNAVAILABLE' }));
    const backend = new ITerm2Backend({ platform: 'linux', env });
    await expect(backend.submit({ backend: 'tmux', id: '%1' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(backend.sendKeys({ backend: 'iterm2', id: 'X' }, ['C-c'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(backend.open({ ...spec, env: { 'BAD NAME': 'x' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
