/**
 * Making text inert before it reaches a terminal or an AppleScript string. A message typed
 * into an agent's terminal must arrive as text: an ESC sequence in it could retitle the window,
 * end the bracketed paste early (`ESC[201~`) and so submit half a message, or worse.
 */

/** ESC-introduced sequences: CSI (`ESC [ … final`), OSC/DCS/SOS/PM/APC (`ESC ] … BEL|ESC \`), two-byte escapes. */
const ESCAPE_SEQUENCE =
  /\u001B(?:\[[\u0030-\u003F]*[\u0020-\u002F]*[\u0040-\u007E]?|[\]PX^_][^\u0007\u001B]*(?:\u0007|\u001B\\)?|[\u0020-\u002F]*[\u0030-\u007E]?)/gu;
/** C1 controls, including the 8-bit CSI (U+009B) and OSC (U+009D) introducers. */
const C1_SEQUENCE = /[\u009B][\u0030-\u003F]*[\u0020-\u002F]*[\u0040-\u007E]?|[\u009D\u0090\u0098\u009E\u009F][^\u0007\u009C]*[\u0007\u009C]?/gu;
/** Any C0 control except tab and newline, DEL, and the remaining C1 controls. */
const OTHER_CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/gu;

/**
 * Text safe to type into a terminal: escape sequences removed whole, CRLF and lone CR turned
 * into newlines, every other control character (NUL, BEL, backspace, …) removed. Tabs,
 * newlines and all printable Unicode are kept byte for byte.
 */
export function stripTerminalControls(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(ESCAPE_SEQUENCE, '').replace(C1_SEQUENCE, '').replace(OTHER_CONTROLS, '');
}

/** True when the text would be typed exactly as given. */
export function isTerminalSafe(text: string): boolean {
  return stripTerminalControls(text) === text;
}

/**
 * An AppleScript string literal for any text: backslash first, then double quote (so a `"`
 * in the text can never end the literal and start code such as `& do shell script "…"`).
 * Controls are expected to be stripped already; they are harmless inside the literal anyway.
 */
export function appleScriptString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A POSIX shell word for any text, for the few places a shell string is unavoidable
 * (a hook's `command` in Claude Code settings). Single quotes, with `'` written as `'\''`.
 */
export function shellQuote(text: string): string {
  if (text.includes('\u0000')) throw new TypeError('a shell word cannot contain NUL');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
