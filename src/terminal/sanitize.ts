/**
 * Text that is typed into an agent's terminal must not be able to drive the terminal itself:
 * escape sequences are removed whole and every other control character too (ESC above all,
 * which could end a bracketed paste or move the cursor; see security/sanitize.ts), line
 * endings are normalised, and the size is bounded. One more rule is Claude
 * Code's own: a backslash just before the submit key means "insert a newline", so a message
 * that ends in a backslash would never be submitted; such text gets one trailing space.
 * Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069) are
 * removed too: they reorder what a person watching the terminal sees ("Trojan Source"), and
 * Claude Code 2.1.332 drops them from a submitted prompt itself. U+2028 and U+2029 become line
 * feeds like the other line endings. The task file keeps the message as written.
 */
import { HubError, ErrorCodes } from '../errors.js';
import { stripTerminalControls } from '../security/sanitize.js';

const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
/** LINE and PARAGRAPH SEPARATOR end a line like LF does (2.1.332 submits them as LF; 2.1.197 kept them). */
const UNICODE_LINE_BREAKS = /[\u2028\u2029]/g;

/** Default upper bound of one typed message, in UTF-8 bytes. */
export const DEFAULT_MAX_TERMINAL_TEXT_BYTES = 64 * 1024;

export function sanitizeTerminalText(text: string, maxBytes: number = DEFAULT_MAX_TERMINAL_TEXT_BYTES): string {
  const stripped = stripTerminalControls(text).replace(BIDI_CONTROLS, '').replace(UNICODE_LINE_BREAKS, '\n');
  const clean = stripped.endsWith('\\') ? `${stripped} ` : stripped;
  const bytes = Buffer.byteLength(clean, 'utf8');
  if (bytes > maxBytes) {
    throw new HubError(
      ErrorCodes.TOO_LARGE,
      `The message is ${bytes} bytes after sanitizing; the limit is ${maxBytes} bytes. Put long content in a task file and send a short message that names it.`,
      { data: { bytes, maxBytes } },
    );
  }
  return clean;
}
