/**
 * answerDialog on a terminal whose screen a small menu model draws (on test/helpers/
 * memory-terminal.ts: arrows move the pointer, Enter confirms, a digit picks in a numbered
 * menu). The real thing is proven on both releases in test/e2e/agents.test.ts; here are the
 * shapes a release may show and the failures that must type nothing or stop at once.
 */
import { describe, expect, it } from 'vitest';
import { MemoryTerminal, type MemoryPane } from '../helpers/memory-terminal.js';
import { answerDialog } from '../../src/screen/terminal.js';

const RULE = '─'.repeat(60);
const BOX = [RULE, '❯ ', RULE, '  ? for shortcuts'].join('\n');

interface Menu {
  question: string;
  labels: string[];
  numbered: boolean;
  pointer: number;
  /** Show only these choice indexes (a scrolled menu); undefined: all. */
  window?: [number, number];
  /** Enter does nothing (a stuck dialog). */
  stuck?: boolean;
  /** Dies when Enter is pressed. */
  diesOnEnter?: boolean;
  /** Down past the last choice goes to the first, Up past the first to the last (Ink's Select does). */
  wraps?: boolean;
  /** Keys take effect only after this many more screen reads (a loaded machine redraws late). */
  lagReads?: number;
}

function draw(menu: Menu): string {
  const [from, to] = menu.window ?? [0, menu.labels.length];
  const lines = menu.labels.slice(from, to).map((label, k) => {
    const i = from + k;
    const text = menu.numbered ? `${i + 1}. ${label}` : label;
    return `${i === menu.pointer ? ' ❯ ' : '   '}${text}`;
  });
  return [` ${menu.question}`, ...lines, ' Enter to confirm · Esc to cancel'].join('\n');
}

async function world(menu: Menu): Promise<{ terminal: MemoryTerminal; pane: MemoryPane; live: { backend: MemoryTerminal; handle: MemoryPane['handle'] } }> {
  const terminal = new MemoryTerminal();
  const handle = await terminal.open({ session: 's', name: 'Agent_1', cwd: '/', argv: ['claude'], env: {} });
  const pane = terminal.pane(handle)!;
  pane.screen = draw(menu);
  const sendKeys = terminal.sendKeys.bind(terminal);
  const late: { keys: readonly string[]; after: number }[] = [];
  const readScreen = terminal.readScreen.bind(terminal);
  terminal.readScreen = async (h, lines) => {
    for (const pending of late) pending.after -= 1;
    while (late[0] && late[0].after < 0) press(late.shift()!.keys);
    return readScreen(h, lines);
  };
  terminal.sendKeys = async (h, keys) => {
    await sendKeys(h, keys);
    if (menu.lagReads) late.push({ keys, after: menu.lagReads });
    else press(keys);
  };
  const n = menu.labels.length;
  const press = (keys: readonly string[]): void => {
    const h = handle;
    for (const key of keys) {
      if (key === 'Down') menu.pointer = menu.wraps ? (menu.pointer + 1) % n : Math.min(n - 1, menu.pointer + 1);
      else if (key === 'Up') menu.pointer = menu.wraps ? (menu.pointer + n - 1) % n : Math.max(0, menu.pointer - 1);
      else if (/^\d$/.test(key) && menu.numbered) {
        menu.pointer = Number(key) - 1;
        pane.screen = BOX; // Claude Code 2.1.197: the digit picks and confirms
        return;
      } else if (key === 'Enter') {
        if (menu.diesOnEnter) terminal.exit(h);
        if (!menu.stuck) pane.screen = BOX;
        return;
      }
      if (menu.window) {
        const size = menu.window[1] - menu.window[0];
        if (menu.pointer < menu.window[0]) menu.window = [menu.pointer, menu.pointer + size];
        if (menu.pointer >= menu.window[1]) menu.window = [menu.pointer - size + 1, menu.pointer + 1];
      }
      pane.screen = draw(menu);
    }
  };
  return { terminal, pane, live: { backend: terminal, handle } };
}

describe('answerDialog', () => {
  it('an unnumbered menu (2.1.332 trust): arrows from the preselected choice to the one named, then Enter; the box is back', async () => {
    const { terminal, live } = await world({
      question: 'Is this a project you trust?',
      labels: ['No, exit', 'Yes, I trust this folder'],
      numbered: false,
      pointer: 0,
    });
    const answered = await answerDialog(live, 'Yes, I trust this folder', { settleMs: 500 });
    expect(answered.choice).toEqual({ number: 2, label: 'Yes, I trust this folder' });
    expect(terminal.calls).toEqual(['open:Agent_1', 'keys:Down', 'keys:Enter']);
    expect(answered.after).toEqual({ state: 'ready', draft: '' });
  });

  it('a numbered menu by number and by a unique label prefix, upwards too', async () => {
    const one = await world({ question: 'Do you want to proceed?', labels: ['Yes', 'Yes, and always allow', 'No'], numbered: true, pointer: 2 });
    expect((await answerDialog(one.live, '1', { settleMs: 500 })).choice.label).toBe('Yes');
    expect(one.terminal.calls.slice(1)).toEqual(['keys:Up', 'keys:Up', 'keys:Enter']);
    const two = await world({ question: 'Do you want to proceed?', labels: ['Yes', 'Yes, and always allow', 'No'], numbered: true, pointer: 0 });
    expect((await answerDialog(two.live, 'yes, and', { settleMs: 500 })).choice.number).toBe(2);
  });

  it('twelve choices, one of them far down', async () => {
    const labels = Array.from({ length: 12 }, (_, i) => `option ${i + 1}`);
    const { terminal, live } = await world({ question: 'Pick one?', labels, numbered: true, pointer: 0 });
    expect((await answerDialog(live, 'option 12', { settleMs: 500 })).choice.number).toBe(12);
    expect(terminal.calls.slice(1)).toEqual([...Array(11).fill('keys:Down'), 'keys:Enter']);
  });

  it('a scrolled numbered menu whose pointer is off screen is answered by its digit', async () => {
    const labels = ['a', 'b', 'c', 'd', 'e', 'f'];
    const { terminal, pane, live } = await world({ question: 'Which?', labels, numbered: true, pointer: 0, window: [3, 6] });
    pane.screen = pane.screen.replace(' ❯ ', '   ');
    expect((await answerDialog(live, 'e', { settleMs: 500 })).choice.number).toBe(5);
    expect(terminal.calls.slice(1)).toEqual(['keys:5']);
  });

  it('a scrolled UNnumbered menu without its pointer: refused, nothing typed', async () => {
    const { terminal, pane, live } = await world({ question: 'Which?', labels: ['alpha', 'beta', 'gamma'], numbered: false, pointer: 0 });
    pane.screen = [' Which?', '   alpha', '   beta', '   gamma', ' Enter to confirm · Esc to cancel'].join('\n');
    // Without a pointer an unnumbered list is not even readable as a menu: NO_PROMPT, nothing typed.
    await expect(answerDialog(live, 'beta', { settleMs: 500 })).rejects.toMatchObject({ code: 'NO_PROMPT' });
    expect(terminal.calls).toEqual(['open:Agent_1']);
  });

  it('a choice that is not offered, or no dialog at all: a clear error and nothing typed', async () => {
    const { terminal, pane, live } = await world({ question: 'Proceed?', labels: ['Yes', 'No'], numbered: true, pointer: 0 });
    await expect(answerDialog(live, 'maybe')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('1. Yes; 2. No') });
    pane.screen = BOX;
    await expect(answerDialog(live, 'Yes')).rejects.toMatchObject({ code: 'NO_PROMPT', message: expect.stringContaining('nothing was typed') });
    expect(terminal.calls).toEqual(['open:Agent_1']);
  });

  it('a dialog redrawn with a mark on the chosen label (2.1.197 trust: "✔") is still the dialog until it goes', async () => {
    const { pane, live } = await world({
      question: 'Is this a project you trust?',
      labels: ['Yes, I trust this folder', 'No, exit'],
      numbered: true,
      pointer: 0,
      stuck: true,
    });
    // Enter leaves the dialog up, marked, for a moment; then the box comes.
    setTimeout(
      () =>
        (pane.screen = [' Is this a project you trust?', ' ❯ 1. Yes, I trust this folder ✔', '   2. No, exit', ' Enter to confirm · Esc to cancel'].join('\n')),
      0,
    );
    setTimeout(() => (pane.screen = BOX), 250);
    const answered = await answerDialog(live, 'Yes, I trust this folder', { settleMs: 2000 });
    expect(answered.after).toEqual({ state: 'ready', draft: '' });
  });

  it('a loaded machine that shows each key late, on a menu that wraps: one key at a time, never past the choice', async () => {
    const { terminal, live } = await world({
      question: 'Make auto mode your default?',
      labels: ['Yes, set auto mode', 'No, keep accept edits'],
      numbered: true,
      pointer: 0,
      wraps: true,
      lagReads: 3,
    });
    const answered = await answerDialog(live, 'No', { settleMs: 2000 });
    expect(answered.choice.number).toBe(2);
    // Choosing from the stale pointer would have sent Down again and wrapped back to "Yes".
    expect(terminal.calls.slice(1)).toEqual(['keys:Down', 'keys:Enter']);
  });

  it('a menu that never shows the key taken: TIMEOUT, and nothing is confirmed', async () => {
    const { terminal, live } = await world({ question: 'Proceed?', labels: ['Yes', 'No'], numbered: false, pointer: 0, lagReads: 1_000_000 });
    await expect(answerDialog(live, 'No', { settleMs: 300 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('nothing was confirmed'),
    });
    expect(terminal.calls.slice(1)).toEqual(['keys:Down']);
  });

  it('a dialog that stays after the answer is reported with the screen it shows', async () => {
    const { live } = await world({ question: 'Proceed?', labels: ['Yes', 'No'], numbered: true, pointer: 0, stuck: true });
    await expect(answerDialog(live, 'No', { settleMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('still on screen') });
  });

  it('an agent that exits while being answered: AGENT_EXITED, no more keys', async () => {
    const { terminal, live } = await world({ question: 'Proceed?', labels: ['Yes', 'No', 'Maybe later'], numbered: false, pointer: 0 });
    const sendKeys = terminal.sendKeys.bind(terminal);
    terminal.sendKeys = async (h, keys) => {
      await sendKeys(h, keys);
      terminal.exit(h); // dies right after the first move
    };
    await expect(answerDialog(live, 'Maybe later', { settleMs: 300 })).rejects.toMatchObject({ code: 'AGENT_EXITED' });
    expect(terminal.calls.filter((c) => c.startsWith('keys:'))).toHaveLength(1);
  });
});
