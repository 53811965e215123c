import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { exec } from '../../src/exec.js';
import { appleScriptString, isTerminalSafe, shellQuote, stripTerminalControls } from '../../src/security/sanitize.js';

describe('stripTerminalControls', () => {
  it('removes escape sequences whole and keeps the text around them', () => {
    expect(stripTerminalControls('a\u001b]0;pwn\u0007b')).toBe('ab');
    expect(stripTerminalControls('a\u001b]2;pwn\u001b\\b')).toBe('ab');
    expect(stripTerminalControls('x\u001b[201~rm -rf ~')).toBe('xrm -rf ~');
    expect(stripTerminalControls('\u001b[31mred\u001b[0m')).toBe('red');
    expect(stripTerminalControls('\u009b31mred')).toBe('red');
    expect(stripTerminalControls('\u001bP+q544e\u001b\\ok')).toBe('ok');
  });

  it('turns CR and CRLF into newlines and drops other controls, keeping tab, newline and Unicode', () => {
    expect(stripTerminalControls('a\r\nb\rc')).toBe('a\nb\nc');
    expect(stripTerminalControls('a\u0000b\u0007c\u0008d\u007f')).toBe('abcd');
    expect(stripTerminalControls('tab\there\nnext é 🚀 \u202e')).toBe('tab\there\nnext é 🚀 \u202e');
  });

  it('always yields text with no control character but tab and newline (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = stripTerminalControls(s);
        expect(out).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
        expect(isTerminalSafe(out)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('appleScriptString', () => {
  it('escapes backslash first, then double quote, so the literal cannot be closed', () => {
    expect(appleScriptString('" & do shell script "touch /tmp/x" & "')).toBe('"\\" & do shell script \\"touch /tmp/x\\" & \\""');
    expect(appleScriptString('\\" & x')).toBe('"\\\\\\" & x"');
  });

  it('round-trips any text through an AppleScript string reader (property)', () => {
    // An AppleScript literal reader: a " ends it unless escaped; \\ and \" are the escapes.
    const read = (literal: string): string => {
      expect(literal.startsWith('"') && literal.endsWith('"')).toBe(true);
      let out = '';
      for (let i = 1; i < literal.length - 1; i++) {
        const ch = literal[i]!;
        if (ch === '"') throw new Error(`literal closed early at ${i}`);
        if (ch === '\\') out += literal[++i];
        else out += ch;
      }
      return out;
    };
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(read(appleScriptString(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
});

describe('shellQuote', () => {
  it('gives a word a real /bin/sh reads back byte for byte', async () => {
    const words = ["it's", '$(touch /tmp/claude-hub-pwned)', '`id`', '; rm -rf ~', 'a b\tc\nd', '\\', '"', "'", '', '-n', 'é 🚀', '*'];
    const script = `for w in ${words.map(shellQuote).join(' ')}; do printf '[%s]' "$w"; done`;
    const result = await exec('/bin/sh', ['-c', script], { env: { PATH: '/usr/bin:/bin' } });
    expect(result.stdout).toBe(words.map((w) => `[${w}]`).join(''));
  });

  it('refuses NUL, which no shell word can hold', () => {
    expect(() => shellQuote('a\u0000b')).toThrow(TypeError);
  });
});
