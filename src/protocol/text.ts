/**
 * Facts about a source string that every parser and editor needs: BOM, line ending style,
 * 1-based line numbers of offsets, and whether the text is something we may parse at all.
 */
import { Buffer } from 'node:buffer';
import type { Diagnostic } from './types.js';
import { MAX_PROTOCOL_FILE_BYTES } from './types.js';

export const BOM = '\uFEFF';

export function bomLength(text: string): number {
  return text.charCodeAt(0) === 0xfeff ? 1 : 0;
}

/** The file's line ending: the first one found, LF when there is none. */
export function lineEnding(text: string): '\n' | '\r\n' {
  const lf = text.indexOf('\n');
  return lf > 0 && text[lf - 1] === '\r' ? '\r\n' : '\n';
}

/** Offsets at which each line starts; line n (1-based) starts at result[n - 1]. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  let at = text.indexOf('\n');
  while (at !== -1) {
    starts.push(at + 1);
    at = text.indexOf('\n', at + 1);
  }
  return starts;
}

/** 1-based line of an offset, by binary search over lineStarts. */
export function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/**
 * Binary, non-UTF-8 (decoding left U+FFFD) or oversized text is reported, never parsed or
 * edited. Returns the diagnostic that makes the text unusable, or null when it is fine.
 */
export function unreadableReason(text: string, file: string): Diagnostic | null {
  if (text.length > MAX_PROTOCOL_FILE_BYTES || (text.length * 3 > MAX_PROTOCOL_FILE_BYTES && Buffer.byteLength(text, 'utf8') > MAX_PROTOCOL_FILE_BYTES)) {
    return {
      file,
      line: 1,
      severity: 'error',
      code: 'too-large',
      message: `File is larger than ${MAX_PROTOCOL_FILE_BYTES / (1024 * 1024)} MB; split it or archive old entries. It is not parsed and will not be edited.`,
    };
  }
  const nul = text.indexOf('\u0000');
  const bad = nul !== -1 ? nul : text.indexOf('\uFFFD');
  if (bad !== -1) {
    return {
      file,
      line: lineAt(lineStarts(text), bad),
      severity: 'error',
      code: nul !== -1 ? 'binary' : 'not-utf8',
      message:
        nul !== -1
          ? 'File contains NUL bytes (binary content); it is not parsed and will not be edited.'
          : 'File is not valid UTF-8 (or contains U+FFFD); save it as UTF-8. It is not parsed and will not be edited.',
    };
  }
  return null;
}

/** Collapses a multi-line source fragment into one line of text. */
export function oneLine(fragment: string): string {
  if (!fragment.includes('\n')) return fragment.trim();
  return fragment
    .split(/\r?\n/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(' ');
}

/** Offset of the end of the line holding `offset` (before its line break). */
export function lineEndAt(text: string, offset: number): number {
  const nl = text.indexOf('\n', Math.max(0, offset - 1));
  const end = nl === -1 ? text.length : nl;
  return end > 0 && text[end - 1] === '\r' ? end - 1 : end;
}
