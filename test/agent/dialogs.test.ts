import { describe, expect, it } from 'vitest';
import { answerKeys, detectDialog } from '../../src/agent/dialogs.js';
import { HubError } from '../../src/errors.js';

// Screens captured from real Claude Code 2.1.197 in tmux (trimmed right).
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

const now = new Date('2026-01-01T00:00:00Z');

describe('detectDialog', () => {
  it('recognises the trust dialog with its choices and preselection', () => {
    expect(detectDialog(TRUST, now)).toEqual({
      kind: 'trust',
      question: 'Do you trust the files in this folder?',
      choices: [
        { number: 1, label: 'Yes, I trust this folder' },
        { number: 2, label: 'No, exit' },
      ],
      since: '2026-01-01T00:00:00.000Z',
      selected: 1,
    });
  });

  it('recognises the API key dialog (No preselected)', () => {
    const dialog = detectDialog(API_KEY, now);
    expect(dialog).toMatchObject({ kind: 'api_key', question: 'Do you want to use this API key?', selected: 2 });
    expect(dialog?.choices.map((c) => c.label)).toEqual(['Yes', 'No (recommended)']);
  });

  it('recognises a permission prompt and keeps its question', () => {
    const dialog = detectDialog(PERMISSION, now);
    expect(dialog).toMatchObject({ kind: 'permission', question: 'Do you want to make this edit to TODO.md?' });
    expect(dialog?.choices).toHaveLength(3);
    expect(dialog?.choices[2]).toEqual({ number: 3, label: 'No' });
  });

  it('recognises the onboarding theme choice and the press-Enter security notes', () => {
    const theme = detectDialog(ONBOARDING, now);
    expect(theme).toMatchObject({ kind: 'onboarding', question: 'Choose the text style that looks best with your terminal', selected: 2 });
    expect(theme?.choices.map((c) => c.label)).toEqual(['Auto (match terminal)', 'Dark mode ✔', 'Light mode', 'Dark mode (colorblind-friendly)']);
    expect(answerKeys(theme!, 'light mode').keys).toEqual(['3']);
    const notes = detectDialog(SECURITY_NOTES, now);
    expect(notes).toMatchObject({ kind: 'onboarding', question: 'Press Enter to continue', choices: [{ number: 1, label: 'Continue' }] });
    expect(answerKeys(notes!, '1')).toEqual({ keys: ['Enter'], choice: { number: 1, label: 'Continue' } });
  });

  it('sees no dialog on an idle prompt, on an empty screen, or in numbered lists without a question', () => {
    expect(detectDialog(IDLE, now)).toBeNull();
    expect(detectDialog('', now)).toBeNull();
    expect(detectDialog('Plan:\n1. read\n2. write\n❯ ', now)).toBeNull();
    expect(detectDialog('Which one?\n 2. b\n 3. c', now)).toBeNull();
  });
});

describe('answerKeys', () => {
  const prompt = detectDialog(PERMISSION, now)!;
  it('answers by number with the digit alone (Claude Code menus confirm on the digit)', () => {
    expect(answerKeys(prompt, '3')).toEqual({ keys: ['3'], choice: { number: 3, label: 'No' } });
  });
  it('answers by label, case-insensitive, exact first then a unique prefix', () => {
    expect(answerKeys(prompt, 'yes').keys).toEqual(['1']);
    expect(answerKeys(prompt, ' NO ').keys).toEqual(['3']);
    expect(answerKeys(prompt, 'yes, allow').keys).toEqual(['2']);
  });
  it('rejects an unknown or ambiguous choice with INVALID_ARGUMENT listing the choices', () => {
    for (const bad of ['4', 'maybe', 'y', '']) {
      let caught: unknown;
      try {
        answerKeys(prompt, bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(HubError);
      expect((caught as HubError).code).toBe('INVALID_ARGUMENT');
      expect((caught as HubError).message).toContain('1. Yes; 2. Yes, allow all edits during this session (shift+tab); 3. No');
    }
  });
});
