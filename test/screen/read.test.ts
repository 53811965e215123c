/**
 * The screen reader against REAL screens of both pinned releases (fixtures/screens/<version>/,
 * captured from a real Claude Code in tmux by fixtures/screens/capture.sh) and against made-up
 * screens for the shapes no release showed us yet: 1 or 12 choices, wrapped labels, a scrolled
 * menu, half a redraw. The reader decides from structure, so both releases read alike.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readScreen, pendingPromptOf, type MenuReading } from '../../src/screen/read.js';

const RELEASES = ['2.1.197', '2.1.332'] as const;
const screen = (release: string, name: string): string => readFileSync(join(__dirname, '..', '..', 'fixtures', 'screens', release, `${name}.txt`), 'utf8');
const RULE = '─'.repeat(100);

function menu(text: string): MenuReading {
  const reading = readScreen(text);
  if (reading.state !== 'menu') throw new Error(`expected a menu, got ${JSON.stringify(reading)}`);
  return reading;
}

describe.each(RELEASES)('real screens of Claude Code %s', (release) => {
  it('the empty prompt box is ready', () => {
    expect(readScreen(screen(release, 'ready'))).toEqual({ state: 'ready', draft: '' });
  });

  it('a draft in the prompt box is read back, and the box is still ready', () => {
    expect(readScreen(screen(release, 'ready-with-draft'))).toEqual({ state: 'ready', draft: 'a draft the person typed' });
  });

  it('the trust dialog is a menu named trust, with its choices as shown', () => {
    const trust = menu(screen(release, 'trust'));
    expect(trust.kind).toBe('trust');
    expect(trust.question).toMatch(/one you trust\?/);
    const labels = trust.choices.map((c) => c.label).sort();
    expect(labels).toEqual(['No, exit', 'Yes, I trust this folder']);
    // The preselected choice is where the pointer is: Yes (numbered) in 2.1.197, No in 2.1.332.
    const selected = trust.choices.find((c) => c.number === trust.selected)?.label;
    expect(selected).toBe(release === '2.1.197' ? 'Yes, I trust this folder' : 'No, exit');
    expect(trust.numbered).toBe(release === '2.1.197');
  });

  it('a permission prompt is a numbered menu named permission', () => {
    const perm = menu(screen(release, 'permission'));
    expect(perm.kind).toBe('permission');
    expect(perm.question).toBe('Do you want to proceed?');
    expect(perm.choices[0]).toEqual({ number: 1, label: 'Yes' });
    expect(perm.choices.at(-1)?.label).toBe('No');
    expect(perm.selected).toBe(1);
    expect(perm.numbered).toBe(true);
  });

  it('AskUserQuestion: choices with descriptions, and the last choice below a rule', () => {
    const asked = menu(screen(release, 'ask-user-question'));
    expect(asked.question).toBe('Which color do you prefer?');
    expect(asked.choices.slice(0, 3)).toEqual([
      { number: 1, label: 'Red', detail: 'warm' },
      { number: 2, label: 'Blue', detail: 'cool' },
      { number: 3, label: 'Green', detail: 'natural' },
    ]);
    expect(asked.choices.map((c) => c.number)).toEqual(asked.choices.map((_, i) => i + 1));
    expect(asked.choices.length).toBeGreaterThanOrEqual(4);
    expect(asked.selected).toBe(1);
  });

  it('the settings-error dialog (a dialog the hub has no name for) is read as a question', () => {
    const bad = menu(screen(release, 'settings-error'));
    expect(bad.kind).toBe('question');
    expect(bad.choices.map((c) => c.label)).toEqual(['Continue', 'Fix with Claude', 'Exit and fix manually']);
  });

  it("start-up with acceptEdits in the person's settings", () => {
    const reading = readScreen(screen(release, 'startup-mode-menu'));
    if (release === '2.1.197') {
      expect(reading).toEqual({ state: 'ready', draft: '' });
    } else {
      // 2.1.332 asks, after SessionStart, whether to make auto mode the default: never typed into.
      const mode = menu(screen(release, 'startup-mode-menu'));
      expect(mode.kind).toBe('question');
      expect(mode.question).toBe('Make auto mode your default permission mode?');
      expect(mode.choices.map((c) => c.label)).toEqual(['Yes, set auto mode as my default permission mode', 'No, keep accept edits']);
      expect(mode.selected).toBe(1);
      expect(mode.numbered).toBe(false);
    }
  });
});

describe('screens no release has shown yet', () => {
  const box = (draft = ''): string => [RULE, `❯ ${draft}`, RULE, '  ? for shortcuts'].join('\n');

  it('transcript above the prompt box is never a menu: an echoed prompt with tool lines under it', () => {
    const text = ['❯ please tick item two', '  Read 1 file (ctrl+o to expand)', '  Edited 1 file', '● Done.', '', box()].join('\n');
    expect(readScreen(text)).toEqual({ state: 'ready', draft: '' });
  });

  it('a menu with one choice counts only with a dialog footer', () => {
    expect(menu([' Ready to go?', ' ❯ Continue', '', ' Enter to confirm · Esc to cancel'].join('\n')).choices).toEqual([{ number: 1, label: 'Continue' }]);
    expect(readScreen(['Some output', '❯ a lone echoed line', 'more output'].join('\n')).state).toBe('unknown');
  });

  it('twelve numbered choices', () => {
    const lines = [
      ' Pick one?',
      ...Array.from({ length: 12 }, (_, i) => `${i === 6 ? ' ❯ ' : '   '}${i + 1}. option ${i + 1}`),
      ' Enter to select · Esc to cancel',
    ];
    const read = menu(lines.join('\n'));
    expect(read.choices).toHaveLength(12);
    expect(read.choices[11]).toEqual({ number: 12, label: 'option 12' });
    expect(read.selected).toBe(7);
  });

  it('a wrapped label keeps its rest as detail, and the choices stay apart', () => {
    const read = menu(
      [' Which one?', ' ❯ 1. A very long choice that the terminal', '      had to wrap onto a second line', '   2. Short', ' Esc to cancel'].join('\n'),
    );
    expect(read.choices).toEqual([
      { number: 1, label: 'A very long choice that the terminal', detail: 'had to wrap onto a second line' },
      { number: 2, label: 'Short' },
    ]);
  });

  it('a menu scrolled so its pointer is off screen: numbered choices without a pointer, selected unknown', () => {
    const read = menu([' Choose a model?', '   ↑ 3 more', '   4. Four', '   5. Five', '   6. Six', ' ↑/↓ to navigate · Enter to select'].join('\n'));
    expect(read.choices.map((c) => c.number)).toEqual([4, 5, 6]);
    expect(read.selected).toBeNull();
  });

  it('half a redraw, an empty screen, and an editor are unknown, with their last lines', () => {
    const half = readScreen([RULE, '❯ typed text'].join('\n'));
    expect(half.state).toBe('unknown');
    const empty = readScreen('');
    expect(empty).toMatchObject({ state: 'unknown', lastLines: [] });
    const editor = readScreen(['~', '~', '"prompt.md" 3L, 42B'].join('\n'));
    expect(editor).toMatchObject({ state: 'unknown', lastLines: ['~', '~', '"prompt.md" 3L, 42B'] });
  });

  it('a dialog footer under the prompt box with no readable choices is not ready', () => {
    expect(readScreen([box('x'), ' something odd', ' Esc to cancel'].join('\n')).state).toBe('unknown');
  });

  it('a press-Enter page', () => {
    expect(readScreen(['Security notes:', ' 1. Claude can make mistakes', '', 'Press Enter to continue…'].join('\n'))).toEqual({
      state: 'press_enter',
      question: 'Press Enter to continue…',
    });
  });

  it('the prompt box under a titled rule (`-n Agent_1` puts the name on it)', () => {
    const titled = `${'─'.repeat(80)} Agent_1 ──`;
    expect(readScreen([' ▐▛███▜▌   Claude Code', titled, '❯ ', RULE, '  ⏵⏵ accept edits on'].join('\n'))).toEqual({ state: 'ready', draft: '' });
    // 2.1.332 ends the title with a single dash.
    expect(readScreen([`${'─'.repeat(80)} Agent_1 ─`, '❯ ', RULE].join('\n'))).toEqual({ state: 'ready', draft: '' });
    expect(readScreen(['── a line of prose that merely starts with dashes and goes on ──', '❯ ', RULE].join('\n')).state).toBe('unknown');
  });

  it('a multi-line draft', () => {
    expect(readScreen([RULE, '❯ first line', '  second line', RULE].join('\n'))).toEqual({ state: 'ready', draft: 'first line\nsecond line' });
  });

  it('pendingPromptOf: a menu shows its question and choices; unknown carries the screen; ready clears', () => {
    const at = '2026-12-01T00:00:00.000Z';
    expect(pendingPromptOf({ state: 'ready', draft: '' }, at)).toBeNull();
    const unknown = pendingPromptOf({ state: 'unknown', reason: 'why', lastLines: ['a', 'b'] }, at);
    expect(unknown).toMatchObject({ kind: 'unknown', choices: [], screen: ['a', 'b'] });
    expect(unknown?.question).toContain('why');
  });

  it('never throws, whatever the text', () => {
    const junk = ['\u0000\u001b[31m', '❯', '❯ ', ' ❯', '1.', '❯ 1.', RULE, `${RULE}\n❯`, '\n\n\n', '❯ 1. a\n❯ 2. b', '  1. a\n  3. b\nEsc to cancel'];
    for (const text of junk) expect(() => readScreen(text)).not.toThrow();
  });
});
