/**
 * The block outline of a markdown document that the protocol cares about: headings and list
 * items (with their task checkbox), with exact source offsets. Two engines produce the same
 * outline: a fast line scanner for the plain markdown real TODO and task files are made of,
 * and remark (+ remark-gfm) for everything the scanner is not sure about. remark is exact but
 * far too slow for a 10,000-line plan (seconds, not milliseconds), hence the scanner; the
 * scanner bails out to remark instead of guessing, and tests check they agree.
 */
import type { Span } from './types.js';
import { cutPoints, looseOutline, scanOutlineOrWhy } from './outline-fast.js';
import { remarkOutline } from './outline-remark.js';

/** A heading at the top level of the document (headings inside list items or quotes are not sections). */
export interface OutlineHeading {
  readonly depth: number;
  /** Raw source of the heading's content, on one line. */
  readonly text: string;
  readonly line: number;
  readonly start: number;
}

export interface OutlineItem {
  readonly line: number;
  /** Last line with content that belongs to the item (nested items included). */
  readonly endLine: number;
  /** Offset just past the item's last content character. */
  readonly end: number;
  /** Number of list items the item is nested in. */
  readonly depth: number;
  /** Offset of the list marker. */
  readonly start: number;
  /** Column (0-based) where the item's content starts; continuation lines are indented so. */
  readonly contentIndent: number;
  readonly checkbox: Span | null;
  readonly checked: boolean | null;
  /** Offset where the item's own text starts (after marker and checkbox). */
  readonly textStart: number;
  /** Raw source of the item's first paragraph (without the checkbox), on one line. */
  readonly text: string;
}

/** A range read line by line because neither engine could take it, and the first line that is why. */
export interface SkippedRange {
  readonly line: number;
  readonly endLine: number;
  readonly cause: { readonly line: number; readonly reason: string };
}

export interface Outline {
  readonly headings: readonly OutlineHeading[];
  readonly items: readonly OutlineItem[];
  /**
   * Line ranges read line by line, not exactly: remark's budget was spent and the scanner was
   * not sure there (`cause`: the first line it could not read, and what is on it).
   */
  readonly skipped?: readonly SkippedRange[];
  /** Indented code blocks holding lines that look like task items (they are code, not items). */
  readonly codeBoxes?: readonly { readonly line: number; readonly endLine: number; readonly boxes: number }[];
  /** 'remark' when at least one piece of the document needed it. */
  readonly engine: 'fast' | 'remark';
}

/**
 * Outline of `text`, where everything before `bodyStart` (a BOM, front matter) is ignored
 * but still counted for offsets and lines.
 */
export function outline(text: string, bodyStart = 0): Outline {
  // A BOM is cut off rather than masked: a space there would shift the first line's indent.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const source = bom === 0 ? text : text.slice(1);
  const start = Math.max(0, bodyStart - bom);
  // The scanner skips the prefix itself; remark is given it masked as blank lines.
  if (start > 0 && source[start - 1] !== '\n') return { engine: 'fast', headings: [], items: [] };
  let firstLine = 1;
  for (let at = source.indexOf('\n'); at !== -1 && at < start; at = source.indexOf('\n', at + 1)) firstLine++;
  // Piece by piece (cut at top-level headings), so one construct the scanner leaves to remark
  // costs remark's time for its own section only, not for the whole file.
  const cuts = cutPoints(source, start, source.length, firstLine);
  const headings: OutlineHeading[] = [];
  const items: OutlineItem[] = [];
  const skipped: SkippedRange[] = [];
  const codeBoxes: { line: number; endLine: number; boxes: number }[] = [];
  let engine: Outline['engine'] = 'fast';
  let remarkBudget = REMARK_BUDGET;
  cuts.forEach((cut, index) => {
    const end = cuts[index + 1]?.offset ?? source.length;
    const scanned = scanOutlineOrWhy(source, cut.offset, end, cut.line);
    let piece: Outline;
    if (!('reason' in scanned)) piece = scanned;
    else if (end - cut.offset > remarkBudget) {
      // remark needs seconds per hundred KB here: a huge unusual piece is read line by line
      // (headings and items, possibly with approximate nesting) and reported with its cause.
      piece = looseOutline(source, cut.offset, end, cut.line);
      const endLine = (cuts[index + 1]?.line ?? cut.line + countLines(source, cut.offset, end)) - 1;
      skipped.push({ line: cut.line, endLine, cause: { line: scanned.line, reason: scanned.reason } });
    } else {
      remarkBudget -= end - cut.offset;
      engine = 'remark';
      // Without the line break before the next heading: alone, an unclosed block would run past it.
      const trimmed = index + 1 < cuts.length ? end - (source[end - 2] === '\r' ? 2 : 1) : end;
      piece = shift(remarkOutline(source.slice(cut.offset, trimmed)), cut.offset, cut.line - 1);
    }
    headings.push(...piece.headings);
    items.push(...piece.items);
    codeBoxes.push(...(piece.codeBoxes ?? []));
  });
  const found: Outline = {
    engine,
    headings,
    items,
    ...(skipped.length === 0 ? {} : { skipped }),
    ...(codeBoxes.length === 0 ? {} : { codeBoxes }),
  };
  return bom === 0 ? found : shift(found, bom, 0);
}

/** Characters of markdown per file that may go to remark (about a second of work on this machine). */
export const REMARK_BUDGET = 256 * 1024;

function countLines(text: string, from: number, to: number): number {
  let lines = 1;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to - 1; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}

function shift(found: Outline, by: number, lines: number): Outline {
  return {
    ...(found.skipped === undefined
      ? {}
      : {
          skipped: found.skipped.map((range) => ({
            line: range.line + lines,
            endLine: range.endLine + lines,
            cause: { ...range.cause, line: range.cause.line + lines },
          })),
        }),
    ...(found.codeBoxes === undefined
      ? {}
      : { codeBoxes: found.codeBoxes.map((range) => ({ ...range, line: range.line + lines, endLine: range.endLine + lines })) }),
    engine: found.engine,
    headings: found.headings.map((h) => ({ ...h, start: h.start + by, line: h.line + lines })),
    items: found.items.map((item) => ({
      ...item,
      line: item.line + lines,
      endLine: item.endLine + lines,
      start: item.start + by,
      end: item.end + by,
      textStart: item.textStart + by,
      checkbox: item.checkbox === null ? null : { start: item.checkbox.start + by, end: item.checkbox.end + by },
    })),
  };
}
