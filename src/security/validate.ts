/**
 * Validators for everything that crosses the edge (tool arguments, CLI flags, HTTP bodies):
 * type, size and character checks, each failing with a HubError that says what is wrong and
 * what is accepted. Pure functions: they return the value they accept, unchanged.
 *
 * Names (agents, sessions, `from`) are strict: they end up in file names, front matter,
 * terminal titles and status output, where invisible or direction-changing characters would
 * let one name pass for another. Free text (messages, prompts) may contain any Unicode; it is
 * only refused NUL, and terminal control sequences are stripped when it is typed (sanitize.ts).
 */
import { HubError, ErrorCodes } from '../errors.js';
import { AGENT_NAME_PATTERN, SENDER_NAME_PATTERN, TASK_ID_PATTERN } from '../protocol/types.js';

export const LIMITS = Object.freeze({
  agentName: 32,
  sessionName: 64,
  fromName: 64,
  taskTitle: 200,
  /** Bytes (UTF-8). */
  message: 64 * 1024,
  specialization: 4 * 1024,
  systemPromptSuffix: 16 * 1024,
  taskBody: 64 * 1024,
  logLine: 4 * 1024,
  /** Characters of one TODO.md item (one line). */
  todoItem: 500,
  /** Lines of a protocol file (5 MB of them at most). */
  fileLine: 5_000_000,
  choice: 200,
  outputLines: 2000,
  path: 4096,
});

/** Bidirectional overrides/isolates: they reorder how text is displayed (Trojan Source). */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;
/** Zero-width and other invisible characters that make two names look the same. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each listed code point is matched alone on purpose (joiners, fillers), never as part of a sequence
export const INVISIBLE_CHARS = /[\u200B-\u200D\u2060-\u2064\uFEFF\u00AD\u180E\u034F\u115F\u1160\u3164\uFFA0]/u;
/** C0 controls, DEL and C1 controls. */
export const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F]/u;
const CONTROL_EXCEPT_NEWLINE_TAB = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/u;

function invalid(code: 'INVALID_NAME' | 'INVALID_ARGUMENT', field: string, message: string, data: Record<string, unknown> = {}): HubError {
  return new HubError(ErrorCodes[code], `${field}: ${message}`, { data: { field, ...data } });
}

function requireString(value: unknown, field: string, code: 'INVALID_NAME' | 'INVALID_ARGUMENT'): string {
  if (typeof value !== 'string') {
    throw invalid(code, field, `expected a string, got ${value === null ? 'null' : typeof value}.`);
  }
  return value;
}

/** Checks UTF-8 size cheaply: a string never takes fewer bytes than UTF-16 units. */
function requireMaxBytes(value: string, field: string, maxBytes: number): void {
  if (value.length > maxBytes || Buffer.byteLength(value, 'utf8') > maxBytes) {
    throw new HubError(
      ErrorCodes.TOO_LARGE,
      `${field}: ${Buffer.byteLength(value, 'utf8')} bytes is more than the ${maxBytes} allowed; shorten it or put the details in a file of the session and refer to it.`,
      { data: { field, limit: maxBytes, size: Buffer.byteLength(value, 'utf8') } },
    );
  }
}

/** Far too long is TOO_LARGE (checked before counting); a little too long is a bad value. */
function requireMaxChars(value: string, field: string, maxChars: number, code: 'INVALID_NAME' | 'INVALID_ARGUMENT'): void {
  if (value.length > 4 * maxChars) {
    throw new HubError(ErrorCodes.TOO_LARGE, `${field}: ${value.length} characters is far more than the ${maxChars} allowed.`, {
      data: { field, limit: maxChars, size: value.length },
    });
  }
  const chars = [...value].length;
  if (chars > maxChars) throw invalid(code, field, `${chars} characters is more than the ${maxChars} allowed.`, { limit: maxChars });
}

/** In a `u` regex a surrogate class matches only unpaired halves. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function requireWellFormed(value: string, field: string, code: 'INVALID_NAME' | 'INVALID_ARGUMENT'): void {
  if (LONE_SURROGATE.test(value)) throw invalid(code, field, 'contains an unpaired UTF-16 surrogate (broken Unicode); send valid UTF-8 text.');
}

/** Rejects what makes a name display as something it is not. */
function requireVisibleName(value: string, field: string): void {
  if (CONTROL_CHARS.test(value))
    throw invalid('INVALID_NAME', field, 'contains a control character (newline, tab, ESC, NUL, …); use printable characters only.');
  if (BIDI_CONTROLS.test(value))
    throw invalid(
      'INVALID_NAME',
      field,
      'contains a bidirectional override/isolate character (U+202A–U+202E, U+2066–U+2069), which can make it display as a different name.',
    );
  if (INVISIBLE_CHARS.test(value))
    throw invalid('INVALID_NAME', field, 'contains an invisible (zero-width) character, which can make it look like another name.');
}

function describeNonAscii(value: string): string {
  const odd = [...value].find((ch) => ch.codePointAt(0)! > 0x7e);
  if (odd === undefined) return '';
  const cp = odd.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return ` It contains U+${cp} ("${printable(odd)}"), which is not an ASCII letter or digit even if it looks like one.`;
}

/** `[A-Za-z][A-Za-z0-9_-]{0,31}`: ASCII only, so `Аgent_1` (Cyrillic А) is refused. */
export function validateAgentName(value: unknown, field = 'agent_name'): string {
  const name = requireString(value, field, 'INVALID_NAME');
  requireMaxChars(name, field, LIMITS.agentName, 'INVALID_NAME');
  if (!AGENT_NAME_PATTERN.test(name)) {
    throw invalid(
      'INVALID_NAME',
      field,
      `"${printable(name)}" is not a valid agent name: use 1 to ${LIMITS.agentName} ASCII letters, digits, "_" or "-", starting with a letter (e.g. Agent_2).${describeNonAscii(name)}`,
      { pattern: AGENT_NAME_PATTERN.source },
    );
  }
  return name;
}

/** Printable text up to 64 characters; Unicode letters welcome, invisible tricks not. */
export function validateSessionName(value: unknown, field = 'session_name'): string {
  const name = requireString(value, field, 'INVALID_NAME');
  requireMaxChars(name, field, LIMITS.sessionName, 'INVALID_NAME');
  requireWellFormed(name, field, 'INVALID_NAME');
  if (name.trim() === '') throw invalid('INVALID_NAME', field, 'is empty; give the session a short name such as "backend".');
  if (name !== name.trim()) throw invalid('INVALID_NAME', field, 'starts or ends with white space; remove it.');
  requireVisibleName(name, field);
  return name;
}

/** Who a message or task is from: an agent name, `user`, or a person's handle (`jane.doe`, `ops@host`). */
export const FROM_NAME_PATTERN = SENDER_NAME_PATTERN;

export function validateFromName(value: unknown, field = 'from'): string {
  const name = requireString(value, field, 'INVALID_NAME');
  requireMaxChars(name, field, LIMITS.fromName, 'INVALID_NAME');
  if (!FROM_NAME_PATTERN.test(name)) {
    throw invalid(
      'INVALID_NAME',
      field,
      `"${printable(name)}" is not a valid sender name: use 1 to ${LIMITS.fromName} ASCII letters, digits, "_", "-", "." or "@", starting with a letter (e.g. user or Agent_1).${describeNonAscii(name)}`,
      { pattern: FROM_NAME_PATTERN.source },
    );
  }
  return name;
}

/** `TASK-<n>`, as the protocol writes them. */
export function validateTaskId(value: unknown, field = 'task_id'): string {
  const id = requireString(value, field, 'INVALID_ARGUMENT');
  requireMaxChars(id, field, 16, 'INVALID_ARGUMENT');
  if (!TASK_ID_PATTERN.test(id)) {
    throw invalid('INVALID_ARGUMENT', field, `"${printable(id)}" is not a task id; task ids look like TASK-12.`, { pattern: TASK_ID_PATTERN.source });
  }
  return id;
}

export interface TextRules {
  readonly field: string;
  readonly maxBytes: number;
  readonly allowEmpty?: boolean;
  /** Refuse C0/C1 controls other than newline and tab (NUL is always refused). */
  readonly rejectControls?: boolean;
  /** The text is written into a protocol file, where U+FFFD marks a file as broken UTF-8. */
  readonly forProtocolFile?: boolean;
}

/** Free text: any Unicode, bounded in bytes, never NUL, never broken surrogates. */
export function validateText(value: unknown, rules: TextRules): string {
  const text = requireString(value, rules.field, 'INVALID_ARGUMENT');
  requireMaxBytes(text, rules.field, rules.maxBytes);
  requireWellFormed(text, rules.field, 'INVALID_ARGUMENT');
  if (!rules.allowEmpty && text.trim() === '') throw invalid('INVALID_ARGUMENT', rules.field, 'is empty.');
  if (text.includes('\u0000')) throw invalid('INVALID_ARGUMENT', rules.field, 'contains a NUL character, which cannot be delivered; remove it.');
  if (rules.rejectControls && CONTROL_EXCEPT_NEWLINE_TAB.test(text)) {
    throw invalid('INVALID_ARGUMENT', rules.field, 'contains a control character (ESC, carriage return, …); only newlines and tabs are allowed.');
  }
  if (rules.forProtocolFile && text.includes('\uFFFD')) {
    throw invalid(
      'INVALID_ARGUMENT',
      rules.field,
      'contains U+FFFD (the replacement character left by broken UTF-8); task files holding it are not parsed, so remove it.',
    );
  }
  return text;
}

/**
 * A message for an agent (≤ 64 KiB). Bidi and zero-width characters are allowed here (people
 * write in every script); escape sequences are stripped when it is typed, not here.
 */
export function validateMessage(value: unknown, field = 'message'): string {
  return validateText(value, { field, maxBytes: LIMITS.message, forProtocolFile: true });
}

export function validateSpecialization(value: unknown, field = 'specialization'): string {
  return validateText(value, { field, maxBytes: LIMITS.specialization, rejectControls: true });
}

export function validateSystemPromptSuffix(value: unknown, field = 'system_prompt_suffix'): string {
  return validateText(value, { field, maxBytes: LIMITS.systemPromptSuffix, rejectControls: true });
}

export function validateTaskTitle(value: unknown, field = 'title'): string {
  const title = validateText(value, { field, maxBytes: 4 * LIMITS.taskTitle, rejectControls: true, forProtocolFile: true });
  requireMaxChars(title, field, LIMITS.taskTitle, 'INVALID_ARGUMENT');
  if (title.includes('\n') || title.includes('\t')) throw invalid('INVALID_ARGUMENT', field, 'must be one line.');
  return title;
}

export function validateTaskBody(value: unknown, field = 'body'): string {
  return validateText(value, { field, maxBytes: LIMITS.taskBody, allowEmpty: true, rejectControls: true, forProtocolFile: true });
}

/** One line appended to a task's log. */
export function validateLogLine(value: unknown, field = 'log'): string {
  const line = validateText(value, { field, maxBytes: LIMITS.logLine, rejectControls: true, forProtocolFile: true });
  if (line.includes('\n')) throw invalid('INVALID_ARGUMENT', field, 'must be one line; add several log entries instead.');
  return line;
}

/** The text of one TODO.md item: one line, no tabs or control characters. */
export function validateTodoItemText(value: unknown, field = 'text'): string {
  const text = validateText(value, { field, maxBytes: 4 * LIMITS.todoItem, rejectControls: true, forProtocolFile: true });
  requireMaxChars(text, field, LIMITS.todoItem, 'INVALID_ARGUMENT');
  if (text.includes('\n') || text.includes('\t')) throw invalid('INVALID_ARGUMENT', field, 'must be one line; add several items instead.');
  return text;
}

/** A 1-based line of a file. */
export function validateLineNumber(value: unknown, field = 'line'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > LIMITS.fileLine) {
    throw invalid('INVALID_ARGUMENT', field, `expected a line number (a whole number from 1); get_session_status or the todo resource shows the file.`, {
      limit: LIMITS.fileLine,
    });
  }
  return value;
}

/** An answer to a dialog: its number or its label. */
export function validateChoice(value: unknown, field = 'choice'): string {
  const choice = validateText(value, { field, maxBytes: 4 * LIMITS.choice, rejectControls: true });
  requireMaxChars(choice, field, LIMITS.choice, 'INVALID_ARGUMENT');
  return choice;
}

/** How many screen lines to read (1…2000). */
export function validateLineCount(value: unknown, field = 'lines'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > LIMITS.outputLines) {
    throw invalid('INVALID_ARGUMENT', field, `expected a whole number from 1 to ${LIMITS.outputLines}.`, { limit: LIMITS.outputLines });
  }
  return value;
}

/** Shows a refused value in a message without letting it drive the reader's terminal. */
export function printable(value: string, max = 80): string {
  const shown = [...value].slice(0, max).join('');
  const escaped = shown.replace(
    /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u200B-\u200F\u2060-\u2064\uFEFF]/gu,
    (ch) => `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
  return shown.length < value.length ? `${escaped}…` : escaped;
}
