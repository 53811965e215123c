/**
 * More screens captured from real Claude Code 2.1.197 in tmux (trimmed right): the API key
 * dialog, the onboarding theme menu with its code preview under it, the press-Enter security
 * notes, the welcome banner over an idle prompt. Read by structure like the rest
 * (read.test.ts has both pinned releases' screens).
 */
import { describe, expect, it } from 'vitest';
import { readScreen, type MenuReading } from '../../src/screen/read.js';
import { nextKeys, resolveChoice } from '../../src/screen/choose.js';
import { HubError } from '../../src/errors.js';

const TRUST = `────────────────────────────────
 Accessing workspace:
 /tmp/exp/root
 Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source project, or work from your team). If not, take a moment to review what's in this
 folder first.
 Claude Code'll be able to read, edit, and execute files here.
 Security guide
 ❯ 1. Yes, I trust this folder
   2. No, exit
 Enter to confirm · Esc to cancel`;

const API_KEY = `────────────────────────────────
  Detected a custom API key in your environment
  ANTHROPIC_API_KEY: sk-ant-...-test-key-0123456789
  Do you want to use this API key?
    1. Yes
  ❯ 2. No (recommended)
  Enter to confirm · Esc to cancel`;

const PERMISSION = `❯ please tick
  Read 1 file (ctrl+o to expand)
● Update(TODO.md)
────────────────────────────────
 Edit file
 TODO.md
╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌
 1  # T
 2 -- [ ] a
 2 +- [x] a
╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌
 Do you want to make this edit to TODO.md?
 ❯ 1. Yes
   2. Yes, allow all edits during this session (shift+tab)
   3. No
 Esc to cancel · Tab to amend`;

const IDLE = `╭─── Claude Code v2.1.197 ───╮
│ 1. Run /init to create a CLAUDE.md │
╰────────────────────────────╯
────────────────
❯ 
────────────────
  ? for shortcuts`;

const ONBOARDING = ` Let's get started.
 Choose the text style that looks best with your terminal
 To change this later, run /theme
   1. Auto (match terminal)
 ❯ 2. Dark mode ✔
   3. Light mode
   4. Dark mode (colorblind-friendly)
 ╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌
  1  function greet() {
  2 -  console.log("Hello, World!");
  2 +  console.log("Hello, Claude!");
  3  }
 ╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌
  Syntax theme: Monokai Extended (ctrl+t to disable)`;

const SECURITY_NOTES = ` Security notes:
 1. Claude can make mistakes.
    You're responsible for Claude's actions and should always
    review them, especially when running code.
 2. Due to prompt injection risks, only use it with code you trust
    Learn more: https://code.claude.com/docs/en/security
 Press Enter to continue…`;

function menu(text: string): MenuReading {
  const reading = readScreen(text);
  if (reading.state !== 'menu') throw new Error(`expected a menu, got ${JSON.stringify(reading)}`);
  return reading;
}

describe('older 2.1.197 screens, read by structure', () => {
  it('the trust dialog with its choices and preselection', () => {
    expect(menu(TRUST)).toEqual({
      state: 'menu',
      kind: 'trust',
      question: expect.stringContaining('one you trust?'),
      choices: [
        { number: 1, label: 'Yes, I trust this folder' },
        { number: 2, label: 'No, exit' },
      ],
      selected: 1,
      numbered: true,
    });
  });

  it('the API key dialog (No preselected)', () => {
    const dialog = menu(API_KEY);
    expect(dialog).toMatchObject({ kind: 'api_key', question: 'Do you want to use this API key?', selected: 2 });
    expect(dialog.choices.map((c) => c.label)).toEqual(['Yes', 'No (recommended)']);
  });

  it('a permission prompt keeps its question', () => {
    const dialog = menu(PERMISSION);
    expect(dialog).toMatchObject({ kind: 'permission', question: 'Do you want to make this edit to TODO.md?' });
    expect(dialog.choices).toHaveLength(3);
    expect(dialog.choices[2]).toEqual({ number: 3, label: 'No' });
  });

  it('the onboarding theme choice (a code preview under it) and the press-Enter security notes', () => {
    const theme = menu(ONBOARDING);
    expect(theme).toMatchObject({ kind: 'onboarding', question: 'Choose the text style that looks best with your terminal', selected: 2 });
    expect(theme.choices.map((c) => c.label)).toEqual(['Auto (match terminal)', 'Dark mode ✔', 'Light mode', 'Dark mode (colorblind-friendly)']);
    expect(nextKeys(theme, resolveChoice(theme, 'light mode'))).toEqual({ kind: 'move', keys: ['Down'] });
    expect(readScreen(SECURITY_NOTES)).toEqual({ state: 'press_enter', question: 'Press Enter to continue…' });
  });

  it('no dialog on an idle prompt under the welcome banner; numbered lists without a pointer or footer are not menus', () => {
    expect(readScreen(IDLE)).toEqual({ state: 'ready', draft: '' });
    expect(readScreen('Plan:\n1. read\n2. write\n❯ ').state).toBe('unknown');
    expect(readScreen('Which one?\n 2. b\n 3. c').state).toBe('unknown');
  });
});

describe('choosing', () => {
  const prompt = menu(PERMISSION);
  it('by number: arrows from the pointer, then Enter once it is there', () => {
    expect(nextKeys(prompt, resolveChoice(prompt, '3'))).toEqual({ kind: 'move', keys: ['Down', 'Down'] });
    expect(nextKeys(prompt, resolveChoice(prompt, '1'))).toEqual({ kind: 'confirm', keys: ['Enter'] });
    expect(nextKeys({ ...prompt, selected: 3 }, resolveChoice(prompt, '1'))).toEqual({ kind: 'move', keys: ['Up', 'Up'] });
  });
  it('by label, case-insensitive, exact first then a unique prefix', () => {
    expect(resolveChoice(prompt, 'yes').number).toBe(1);
    expect(resolveChoice(prompt, ' NO ').number).toBe(3);
    expect(resolveChoice(prompt, 'yes, allow').number).toBe(2);
  });
  it('a numbered menu whose pointer scrolled away is answered by its digit; an unnumbered one not at all', () => {
    expect(nextKeys({ ...prompt, selected: null }, resolveChoice(prompt, '2'))).toEqual({ kind: 'digit', keys: ['2'] });
    expect(nextKeys({ ...prompt, selected: null, numbered: false }, resolveChoice(prompt, '2')).kind).toBe('impossible');
  });
  it('rejects an unknown or ambiguous choice with INVALID_ARGUMENT listing the choices; nothing is typed', () => {
    for (const bad of ['4', 'maybe', 'y', '']) {
      let caught: unknown;
      try {
        resolveChoice(prompt, bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(HubError);
      expect((caught as HubError).code).toBe('INVALID_ARGUMENT');
      expect((caught as HubError).message).toContain('1. Yes; 2. Yes, allow all edits during this session (shift+tab); 3. No');
    }
  });
});
