/**
 * Text that is typed into an agent's terminal must not be able to drive the terminal itself:
 * control characters (ESC above all, which could end a bracketed paste or move the cursor)
 * are removed, line endings are normalised, and the size is bounded. One more rule is Claude
 * Code's own: a backslash just before the submit key means "insert a newline", so a message
 * that ends in a backslash would never be submitted; such text gets one trailing space.
 */
import { HubError, ErrorCodes } from '../errors.js';

/** Default upper bound of one typed message, in UTF-8 bytes. */
export const DEFAULT_MAX_TERMINAL_TEXT_BYTES = 64 * 1024;

// C0 except \t (09) and \n (0A), DEL (7F), C1 (80–9F). CR is normalised before this runs.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/gu;

export function sanitizeTerminalText(text: string, maxBytes: number = DEFAULT_MAX_TERMINAL_TEXT_BYTES): string {
  const stripped = text.replace(/\r\n?/g, '\n').replace(CONTROL_CHARACTERS, '');
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
