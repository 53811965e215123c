import { describe, expect, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import { exec } from '../../src/exec.js';
import { HubError } from '../../src/errors.js';
import { appleScriptString, isTerminalSafe, shellQuote, stripTerminalControls } from '../../src/security/sanitize.js';
import {
  BIDI_CONTROLS,
  CONTROL_CHARS,
  INVISIBLE_CHARS,
  validateAgentName,
  validateChoice,
  validateFromName,
  validateLogLine,
  validateMessage,
  validateSessionName,
  validateSpecialization,
  validateSystemPromptSuffix,
  validateTaskBody,
  validateTaskId,
  validateTaskTitle,
} from '../../src/security/validate.js';
import { sanitizeTerminalText } from '../../src/terminal/sanitize.js';
import { loadHostileCorpus } from './corpus.js';

const corpus = loadHostileCorpus();
const PWNED = '/tmp/claude-hub-pwned';

const VALIDATORS: Record<string, (value: unknown) => unknown> = {
  agent_name: (v) => validateAgentName(v),
  session_name: (v) => validateSessionName(v),
  from: (v) => validateFromName(v),
  task_id: (v) => validateTaskId(v),
  message: (v) => validateMessage(v),
  specialization: (v) => validateSpecialization(v),
  system_prompt_suffix: (v) => validateSystemPromptSuffix(v),
  title: (v) => validateTaskTitle(v),
  body: (v) => validateTaskBody(v),
  log: (v) => validateLogLine(v),
  choice: (v) => validateChoice(v),
};
const NAME_VALIDATORS = ['agent_name', 'session_name', 'from', 'task_id'];

type Outcome = { accepted: true } | { accepted: false; error: HubError };

function outcome(validator: (value: unknown) => unknown, value: string): Outcome {
  try {
    const result = validator(value);
    // Accepted means returned unchanged: validators never rewrite what they pass on.
    expect(result).toBe(value);
    return { accepted: true };
  } catch (error) {
    if (!(error instanceof HubError)) throw error;
    return { accepted: false, error };
  }
}

describe('hostile corpus against every edge validator', () => {
  it('loads the corpus with its generated giants', () => {
    expect(corpus.inputs.length).toBeGreaterThan(70);
    expect(corpus.inputs.find((i) => i.name === 'huge-1mib')?.value).toHaveLength(1024 * 1024);
    expect(corpus.inputs.find((i) => i.name === 'esc-osc-title')?.value).toBe('\u001b]0;pwn\u0007');
    expect(corpus.inputs.find((i) => i.name === 'homoglyph-cyrillic-a')?.value.codePointAt(0)).toBe(0x410);
  });

  it('refuses each input with a clear HubError or accepts it unchanged and inert', () => {
    const table: string[] = [];
    for (const input of corpus.inputs) {
      for (const [field, validate] of Object.entries(VALIDATORS)) {
        const result = outcome(validate, input.value);
        if (!result.accepted) {
          const { error } = result;
          expect(['INVALID_NAME', 'INVALID_ARGUMENT', 'TOO_LARGE']).toContain(error.code);
          expect(error.message.startsWith(`${field}:`)).toBe(true);
          // A refusal can be printed anywhere: no control characters, bounded size.
          expect(error.message).not.toMatch(/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
          expect(error.message.length).toBeLessThan(600);
          table.push(`${input.name}/${field}=${error.code}`);
          continue;
        }
        if (NAME_VALIDATORS.includes(field)) {
          expect(input.value).not.toMatch(CONTROL_CHARS);
          expect(input.value).not.toMatch(BIDI_CONTROLS);
          expect(input.value).not.toMatch(INVISIBLE_CHARS);
        } else {
          expect(input.value).not.toContain('\u0000');
          // What is typed into a terminal is the sanitized text: no control character survives,
          // with either sanitizer (security's, which drops whole sequences, or the terminal's).
          expect(isTerminalSafe(stripTerminalControls(input.value))).toBe(true);
          if (field === 'message') expect(sanitizeTerminalText(input.value)).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
        }
        table.push(`${input.name}/${field}=ok`);
      }
    }
    // The decisions that matter most, pinned.
    for (const field of Object.keys(VALIDATORS)) {
      expect(table).toContain(`nul/${field}=${field === 'agent_name' || field === 'session_name' || field === 'from' ? 'INVALID_NAME' : 'INVALID_ARGUMENT'}`);
      expect(table).toContain(`huge-1mib/${field}=TOO_LARGE`);
    }
    for (const name of [
      'rlo',
      'bidi-isolate',
      'zero-width-joiner',
      'zero-width-space',
      'bom',
      'soft-hyphen',
      'homoglyph-cyrillic-a',
      'fullwidth',
      'esc-osc-title',
      'tmux-kill-server',
    ]) {
      expect(table).toContain(`${name}/agent_name=INVALID_NAME`);
      expect(table).toContain(`${name}/from=INVALID_NAME`);
    }
    for (const name of ['rlo', 'bidi-isolate', 'zero-width-joiner', 'zero-width-space', 'bom', 'esc-osc-title', 'newline-command', 'lone-surrogate']) {
      expect(table).toContain(`${name}/session_name=INVALID_NAME`);
    }
    for (const name of [
      'applescript-breakout',
      'command-substitution',
      'backticks',
      'semicolon-rm',
      'tmux-enter',
      'tmux-kill-server',
      'esc-osc-title',
      'esc-bracketed-paste-end',
      'rlo',
      'zero-width-joiner',
      'emoji',
    ]) {
      expect(table).toContain(`${name}/message=ok`);
    }
    expect(table).toContain('huge-64kib-plus-1/message=TOO_LARGE');
    expect(table).toContain('lone-surrogate/message=INVALID_ARGUMENT');
    expect(table).toContain('tmux-enter/agent_name=ok');
  });

  it('keeps every accepted message byte-exact through a real shell word and an AppleScript literal', async () => {
    rmSync(PWNED, { force: true });
    const accepted = corpus.inputs.filter((i) => outcome(VALIDATORS.message!, i.value).accepted && i.value.length < 100_000);
    expect(accepted.length).toBeGreaterThan(50);
    for (const input of accepted) {
      const result = await exec('/bin/sh', ['-c', `printf '%s' ${shellQuote(input.value)}`], { env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' } });
      expect([input.name, result.stdout]).toEqual([input.name, input.value]);
      const literal = appleScriptString(input.value);
      // Inside the literal every " is escaped, so the breakout text stays one string.
      expect(literal.slice(1, -1).replace(/\\\\/g, '').replace(/\\"/g, '')).not.toContain('"');
    }
    expect(existsSync(PWNED)).toBe(false);
  });
});
