import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sanitizeTerminalText } from '../../src/terminal/sanitize.js';
import { HubError } from '../../src/errors.js';

describe('sanitizeTerminalText', () => {
  it('removes escape sequences whole, and C0, DEL and C1, but keeps newline, tab and unicode', () => {
    // `\u009bf` is an 8-bit CSI whose final byte is `f`: the whole sequence goes.
    const input = 'a\u001b[31mred\u001b[0m\tb\u0007c\u007fd\u0085e\u009bf\nü→😀\u0000\u001b]0;title\u0007!';
    expect(sanitizeTerminalText(input)).toBe('ared\tbcde\nü→😀!');
  });

  it('gives text ending in a backslash a trailing space, or Claude Code would read the submit as a newline', () => {
    expect(sanitizeTerminalText('path C:\\')).toBe('path C:\\ ');
    expect(sanitizeTerminalText('a \\ b')).toBe('a \\ b');
  });

  it('removes bidirectional override and isolate controls (they reorder what a person sees), keeps other invisible characters', () => {
    expect(sanitizeTerminalText('Agent_\u202e1tnegA \u2066x\u2069 \u202ay\u202c')).toBe('Agent_1tnegA x y');
    expect(sanitizeTerminalText('zero\u200bwidth \u200d joiner \ufeff')).toBe('zero\u200bwidth \u200d joiner \ufeff');
  });

  it('normalises CRLF and CR to LF', () => {
    expect(sanitizeTerminalText('one\r\ntwo\rthree\n')).toBe('one\ntwo\nthree\n');
    expect(sanitizeTerminalText('a\u2028b\u2029c')).toBe('a\nb\nc');
  });

  it('keeps words that look like key names and shell syntax as text', () => {
    const text = 'press Enter then C-c; $(rm -rf /) "q" \\n';
    expect(sanitizeTerminalText(text)).toBe(text);
  });

  it('throws TOO_LARGE with the limit when the text is too big', () => {
    let caught: unknown;
    try {
      sanitizeTerminalText('é'.repeat(10), 19);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HubError);
    expect((caught as HubError).code).toBe('TOO_LARGE');
    expect((caught as HubError).data).toEqual({ bytes: 20, maxBytes: 19 });
    expect(sanitizeTerminalText('é'.repeat(10), 20)).toBe('é'.repeat(10));
  });

  it('never lets a bracketed-paste end marker or any control character survive', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (input) => {
        const out = sanitizeTerminalText(input, 1 << 20);
        expect(out.includes('\u001b[201~')).toBe(false);
        expect(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/u.test(out)).toBe(false);
        expect(out.includes('\r')).toBe(false);
      }),
    );
  });
});
