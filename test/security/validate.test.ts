import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/errors.js';
import {
  printable,
  validateAgentName,
  validateChoice,
  validateFromName,
  validateLineCount,
  validateLogLine,
  validateMessage,
  validateSessionName,
  validateSpecialization,
  validateSystemPromptSuffix,
  validateTaskBody,
  validateTaskId,
  validateTaskTitle,
} from '../../src/security/validate.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof HubError) return error.code;
    throw error;
  }
  return 'ACCEPTED';
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof HubError) return error.message;
    throw error;
  }
  throw new Error('expected a HubError');
}

describe('agent names', () => {
  it('accepts [A-Za-z][A-Za-z0-9_-]{0,31} and returns it unchanged', () => {
    for (const name of ['Agent_1', 'a', 'Backend-API', 'x'.repeat(32)]) expect(validateAgentName(name)).toBe(name);
  });

  it('refuses everything else with INVALID_NAME', () => {
    for (const name of ['', '1agent', '_a', 'Agent 1', 'Agent.1', 'x'.repeat(33), 'Agent_1\n', 'Agent\u200d_1', 'Agent_\u202e1', '\u0410gent_1', 'Ａgent']) {
      expect(codeOf(() => validateAgentName(name))).toBe('INVALID_NAME');
    }
    expect(codeOf(() => validateAgentName(42))).toBe('INVALID_NAME');
    expect(codeOf(() => validateAgentName(null))).toBe('INVALID_NAME');
  });

  it('names the lookalike character of a homoglyph name', () => {
    const message = messageOf(() => validateAgentName('\u0410gent_1'));
    expect(message).toContain('U+0410');
    expect(message).toContain('e.g. Agent_2');
  });

  it('refuses a huge name as TOO_LARGE without echoing it', () => {
    const message = messageOf(() => validateAgentName('A'.repeat(1_000_000)));
    expect(codeOf(() => validateAgentName('A'.repeat(1_000_000)))).toBe('TOO_LARGE');
    expect(message.length).toBeLessThan(300);
  });
});

describe('session names', () => {
  it('accepts printable Unicode up to 64 characters', () => {
    for (const name of ['backend', 'Équipe données', '前端', 'a'.repeat(64), 'x 🚀 y']) expect(validateSessionName(name)).toBe(name);
  });

  it('refuses controls, bidi overrides, invisible characters, blank and padded names', () => {
    const cases: [string, string][] = [
      ['', 'INVALID_NAME'],
      ['   ', 'INVALID_NAME'],
      [' padded', 'INVALID_NAME'],
      ['line\nbreak', 'INVALID_NAME'],
      ['esc\u001b]0;x\u0007', 'INVALID_NAME'],
      ['nul\u0000', 'INVALID_NAME'],
      ['admin\u202egnp.exe', 'INVALID_NAME'],
      ['\u2066iso\u2069', 'INVALID_NAME'],
      ['zero\u200bwidth', 'INVALID_NAME'],
      ['\ufeffbom', 'INVALID_NAME'],
      ['broken\ud800', 'INVALID_NAME'],
      ['a'.repeat(65), 'INVALID_NAME'],
      ['a'.repeat(1000), 'TOO_LARGE'],
    ];
    for (const [name, code] of cases) expect([name, codeOf(() => validateSessionName(name))]).toEqual([name, code]);
  });
});

describe('from names and task ids', () => {
  it('accepts senders like user, Agent_1, jane.doe, ops@host', () => {
    for (const name of ['user', 'Agent_1', 'jane.doe', 'ops@host']) expect(validateFromName(name)).toBe(name);
    for (const name of ['', 'a b', '@x', 'a\nb', 'ü', 'x'.repeat(65)]) expect(codeOf(() => validateFromName(name))).toBe('INVALID_NAME');
  });

  it('accepts TASK-<n> only', () => {
    expect(validateTaskId('TASK-12')).toBe('TASK-12');
    for (const id of ['task-12', 'TASK-', 'TASK-1/../x', 'TASK-1\n', 'TASK-1234567890', '']) expect(codeOf(() => validateTaskId(id))).toBe('INVALID_ARGUMENT');
  });
});

describe('free text', () => {
  it('accepts a message of exactly 64 KiB and refuses one byte more with TOO_LARGE', () => {
    expect(validateMessage('m'.repeat(65536))).toHaveLength(65536);
    expect(codeOf(() => validateMessage('m'.repeat(65537)))).toBe('TOO_LARGE');
    // Multi-byte: 32768 × "é" is 65536 bytes; one more is too many.
    expect(codeOf(() => validateMessage('é'.repeat(32768)))).toBe('ACCEPTED');
    expect(codeOf(() => validateMessage('é'.repeat(32769)))).toBe('TOO_LARGE');
  });

  it('refuses NUL, broken surrogates and empty messages; keeps everything else byte-exact', () => {
    expect(codeOf(() => validateMessage('a\u0000b'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateMessage('\udc00'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateMessage('  \n'))).toBe('INVALID_ARGUMENT');
    const tricky = 'say "hi" $(x) `y` ; rm -rf ~ \u001b[31m \u202e zero\u200bwidth 🚀\nline 2';
    expect(validateMessage(tricky)).toBe(tricky);
  });

  it('limits specialization to 4 KiB and the prompt suffix to 16 KiB, refusing escape sequences', () => {
    expect(codeOf(() => validateSpecialization('s'.repeat(4096)))).toBe('ACCEPTED');
    expect(codeOf(() => validateSpecialization('s'.repeat(4097)))).toBe('TOO_LARGE');
    expect(codeOf(() => validateSystemPromptSuffix('s'.repeat(16384)))).toBe('ACCEPTED');
    expect(codeOf(() => validateSystemPromptSuffix('s'.repeat(16385)))).toBe('TOO_LARGE');
    expect(codeOf(() => validateSpecialization('front\u001b]0;x\u0007end'))).toBe('INVALID_ARGUMENT');
    expect(validateSystemPromptSuffix('Use TypeScript.\n\tAlways test.')).toBe('Use TypeScript.\n\tAlways test.');
  });

  it('keeps task titles and log lines on one line, bodies bounded, choices short, line counts whole', () => {
    expect(validateTaskTitle('Fix the login form')).toBe('Fix the login form');
    expect(codeOf(() => validateTaskTitle('two\nlines'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateTaskTitle('t'.repeat(201)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateLogLine('done\nstatus: hacked'))).toBe('INVALID_ARGUMENT');
    expect(validateTaskBody('')).toBe('');
    expect(codeOf(() => validateTaskBody('b'.repeat(65537)))).toBe('TOO_LARGE');
    expect(validateChoice('1')).toBe('1');
    expect(codeOf(() => validateChoice('\u0003'))).toBe('INVALID_ARGUMENT');
    expect(validateLineCount(50)).toBe(50);
    for (const n of [0, -1, 2001, 1.5, Number.NaN, '10']) expect(codeOf(() => validateLineCount(n))).toBe('INVALID_ARGUMENT');
  });
  it('refuses U+FFFD in text bound for a task file (it marks a file as broken UTF-8 there), allows it elsewhere', () => {
    expect(codeOf(() => validateMessage('bad \uFFFD byte'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateTaskTitle('\uFFFD '))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateTaskBody('x\uFFFD'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateLogLine('\uFFFD'))).toBe('INVALID_ARGUMENT');
    expect(validateSpecialization('odd \uFFFD prompt')).toBe('odd \uFFFD prompt');
  });
});

describe('printable', () => {
  it('shows controls and invisible characters as escapes, and truncates', () => {
    expect(printable('a\u001b]0;x\u0007b\u202e')).toBe('a\\u001b]0;x\\u0007b\\u202e');
    expect(printable('x'.repeat(100), 10)).toBe('x'.repeat(10) + '…');
  });
});
