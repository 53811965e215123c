/**
 * The in-memory FAKE terminal (test/helpers/memory-terminal.ts) keeps the TerminalBackend
 * contract the tmux tests check for real (test/terminal/tmux.test.ts): tests that use it
 * instead of tmux (delivery, tools against the real hub) rely on these behaviours.
 */
import { describe, expect, it } from 'vitest';
import { MemoryTerminal } from '../helpers/memory-terminal.js';

const spec = { session: 's', name: 'Agent_1', cwd: '/nonexistent', argv: ['claude', '--x'], env: { HOME: '/nonexistent' } };

describe('MemoryTerminal (a fake)', () => {
  it('opens panes it lists, types one paste per sendText, and hands the box to the agent on submit', async () => {
    const terminal = new MemoryTerminal();
    const taken: string[] = [];
    let takeIt = false;
    terminal.onSubmit = (_pane, prompt) => (takeIt ? void taken.push(prompt) : false);
    const handle = await terminal.open(spec);
    expect(handle).toMatchObject({ backend: 'tmux', id: '%1' });
    expect(terminal.pane(handle)?.spec).toEqual(spec);
    expect(await terminal.list()).toEqual([{ handle, name: 'Agent_1', session: 's', alive: true }]);
    await terminal.sendText(handle, 'hello\nworld');
    await terminal.submit(handle); // not taken: the text stays in the box
    expect(terminal.pane(handle)?.input).toBe('hello\nworld');
    takeIt = true;
    await terminal.submit(handle);
    await terminal.submit(handle); // empty box: nothing to take
    expect(taken).toEqual(['hello\nworld']);
    expect(terminal.pane(handle)?.submitted).toEqual(['hello\nworld']);
    await terminal.sendKeys(handle, ['Down', 'Enter']);
    expect(terminal.calls).toEqual(['open:Agent_1', 'paste:hello\nworld', 'submit', 'submit', 'submit', 'keys:Down,Enter']);
  });

  it('reads the screen (the last N lines on request)', async () => {
    const terminal = new MemoryTerminal();
    const handle = await terminal.open(spec);
    terminal.pane(handle)!.screen = 'one\ntwo\nthree\n\n';
    expect(await terminal.readScreen(handle)).toEqual({ text: 'one\ntwo\nthree' });
    expect(await terminal.readScreen(handle, 2)).toEqual({ text: 'two\nthree' });
    expect(await terminal.readScreen(handle, 0)).toEqual({ text: '' });
  });

  it('a process that exits leaves a dead pane that refuses input; a closed pane is gone; closing it again is fine', async () => {
    const terminal = new MemoryTerminal();
    const handle = await terminal.open(spec);
    terminal.exit(handle);
    expect(await terminal.isAlive(handle)).toBe(false);
    expect((await terminal.list())[0]?.alive).toBe(false);
    await expect(terminal.sendText(handle, 'x')).rejects.toMatchObject({ code: 'AGENT_EXITED' });
    await expect(terminal.submit(handle)).rejects.toMatchObject({ code: 'AGENT_EXITED' });
    await terminal.close(handle);
    expect(await terminal.list()).toEqual([]);
    expect(await terminal.isAlive(handle)).toBe(false);
    await expect(terminal.readScreen(handle)).rejects.toMatchObject({ code: 'AGENT_EXITED' });
    await terminal.close(handle);
  });

  it('refuses handles it never gave out', async () => {
    const terminal = new MemoryTerminal();
    await expect(terminal.submit({ backend: 'tmux', id: 'x; kill-server' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(terminal.isAlive({ backend: 'iterm2', id: '%1' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(terminal.sendText({ backend: 'tmux', id: '%7' }, 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
