/**
 * The fast outline engine: one pass over the lines, following CommonMark's container rules for
 * list items, ATX headings, fenced code, thematic breaks, GFM tables and HTML comments. It
 * returns null (and remark takes over) on anything it does not model exactly: block quotes,
 * setext headings, indented code, other HTML blocks, tabs in indentation, empty items, …
 */
import type { Outline, OutlineHeading, OutlineItem } from './outline.js';
import { oneLine } from './text.js';

interface Draft {
  line: number;
  endLine: number;
  end: number;
  depth: number;
  start: number;
  contentIndent: number;
  checkbox: { start: number; end: number } | null;
  checked: boolean | null;
  textStart: number;
  parts: string[];
}

const BLANK = /^[ \t]*$/;
const SETEXT_OR_DASHES = /^(?:=+|-+)[ \t]*$/;
const THEMATIC = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const ATX = /^(#{1,6})(?=[ \t]|$)/;
const FENCE = /^(`{3,}|~{3,})(.*)$/;
const MARKER = /^(?:[-+*]|(\d{1,9})[.)])/;
const TABLE_DELIMITER = /^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
/** Content right after a list marker that opens another block: the scanner leaves those to remark. */
const BLOCK_IN_ITEM = /^(?:#{1,6}(?:[ \t]|$)|>|`{3}|~{3}|<|[-+*](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$)/;
// micromark's GFM task item: any space or tab counts as the unchecked mark (`[\t]` too).
const TASK_BOX = /^\[([ \txX])\][ \t]+\S/;

/**
 * Scans the lines from `from` (a line start) up to `to`; text outside is ignored but offsets
 * stay those of `text`. `firstLine` is the 1-based line at `from` (counted when not given).
 */
export function scanOutline(text: string, from = 0, to = text.length, firstLine?: number): Outline | null {
  // Lone CR line endings and form feeds are rare and subtle: leave them to remark.
  const region = from === 0 && to === text.length ? text : text.slice(from, to);
  if (/\r(?!\n)|[\f\v]/.test(region)) return null;
  const headings: OutlineHeading[] = [];
  const items: Draft[] = [];
  const stack: Draft[] = [];
  let inParagraph = false;
  let inTable = false;
  let paraItem: Draft | null = null;
  let fence: { char: string; len: number; depth: number } | null = null;
  let inComment = false;
  let lineNo = 0;
  let pos = 0;
  if (firstLine !== undefined) lineNo = firstLine - 1;
  else for (let at = text.indexOf('\n'); at !== -1 && at < from; at = text.indexOf('\n', at + 1)) lineNo++;
  pos = from;

  const extend = (lineStart: number, line: string): void => {
    let length = line.length;
    while (length > 0 && (line.charCodeAt(length - 1) === 32 || line.charCodeAt(length - 1) === 9)) length--;
    const end = lineStart + length;
    for (const open of stack) {
      open.endLine = lineNo;
      open.end = end;
    }
  };
  const endParagraph = (): void => {
    inParagraph = false;
    inTable = false;
    paraItem = null;
  };

  for (;;) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1 || nl > to) nl = to;
    const lineEnd = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    const lineStart = pos;
    const line = text.slice(pos, lineEnd);
    lineNo++;
    pos = nl + 1;
    const last = nl >= to;

    let indent = 0;
    while (line.charCodeAt(indent) === 32) indent++;
    if (line.charCodeAt(indent) === 9) return null;
    const rest = line.slice(indent);
    const blank = BLANK.test(rest);

    if (inComment) {
      if (line.includes('-->')) inComment = false;
    } else if (fence !== null) {
      const base = fence.depth > 0 ? (stack[fence.depth - 1]?.contentIndent ?? 0) : 0;
      if (!blank) {
        if (indent < base) return null;
        extend(lineStart, line);
        const close = indent - base <= 3 ? /^(`+|~+)[ \t]*$/.exec(rest) : null;
        if (close?.[1] !== undefined && close[1][0] === fence.char && close[1].length >= fence.len) fence = null;
      }
    } else if (blank) {
      endParagraph();
    } else {
      let matched = 0;
      while (matched < stack.length && indent >= (stack[matched]?.contentIndent ?? Infinity)) matched++;
      const base = matched > 0 ? (stack[matched - 1]?.contentIndent ?? 0) : 0;
      const rel = indent - base;
      const continuation = (): boolean => {
        if (inTable && matched < stack.length) return false;
        if (paraItem !== null) paraItem.parts.push(rest);
        extend(lineStart, line);
        return true;
      };
      const found = MARKER.exec(rest);
      const marker = found !== null && (rest.length === found[0].length || /^[ \t]/.test(rest.slice(found[0].length))) ? found : null;
      {
        if (rel >= 4) {
          if (!inParagraph || !continuation()) return null; // indented code
        } else if (inParagraph && SETEXT_OR_DASHES.test(rest)) {
          return null;
        } else if (THEMATIC.test(rest)) {
          stack.length = matched;
          endParagraph();
          extend(lineStart, line);
        } else if (ATX.test(rest)) {
          if (matched > 0) return null;
          stack.length = 0;
          endParagraph();
          headings.push({ depth: ATX.exec(rest)?.[1]?.length ?? 1, text: atxText(rest), line: lineNo, start: lineStart + indent });
        } else if (FENCE.test(rest)) {
          const open = FENCE.exec(rest);
          const marks = open?.[1] ?? '```';
          if (marks[0] === '`' && (open?.[2] ?? '').includes('`')) return null;
          stack.length = matched;
          endParagraph();
          fence = { char: marks[0] ?? '`', len: marks.length, depth: matched };
          extend(lineStart, line);
        } else if (rest[0] === '>') {
          return null;
        } else if (rest.startsWith('<!--')) {
          if (matched > 0 || rest.startsWith('<!-->') || rest.startsWith('<!--->')) return null;
          stack.length = 0;
          endParagraph();
          inComment = !rest.slice(4).includes('-->');
        } else if (/^<[A-Za-z/!?]/.test(rest)) {
          return null;
        } else if (marker !== null) {
          const markerText = marker[0];
          const after = rest.slice(markerText.length);
          if (BLANK.test(after)) return null; // empty item
          let spaces = 0;
          while (after.charCodeAt(spaces) === 32) spaces++;
          if (after.charCodeAt(spaces) === 9 || spaces >= 5) return null;
          const ordered = marker[1];
          if (inParagraph && ordered !== undefined && Number(ordered) !== 1) return null;
          const content = after.slice(spaces);
          if (BLOCK_IN_ITEM.test(content)) return null;
          if (/^\[[ \txX]\][ \t]*$/.test(content)) return null;
          // `[` at the line's end: remark-gfm takes the line ending as the unchecked mark when `]` follows.
          if (/^\[\r?$/.test(content)) return null;
          const contentIndent = indent + markerText.length + spaces;
          const contentStart = lineStart + contentIndent;
          const box = TASK_BOX.exec(content);
          let textStart = contentStart;
          if (box !== null) {
            textStart = contentStart + 3;
            while (text.charCodeAt(textStart) === 32 || text.charCodeAt(textStart) === 9) textStart++;
          }
          stack.length = matched;
          endParagraph();
          const draft: Draft = {
            line: lineNo,
            endLine: lineNo,
            end: lineEnd,
            depth: matched,
            start: lineStart + indent,
            contentIndent,
            checkbox: box === null ? null : { start: contentStart, end: contentStart + 3 },
            checked: box === null ? null : box[1] === 'x' || box[1] === 'X',
            textStart,
            parts: [text.slice(textStart, lineEnd)],
          };
          items.push(draft);
          stack.push(draft);
          inParagraph = true;
          paraItem = draft;
          extend(lineStart, line);
        } else if (inParagraph && rest.includes('|') && TABLE_DELIMITER.test(rest)) {
          if (paraItem !== null || matched < stack.length) return null;
          inTable = true;
          extend(lineStart, line);
        } else if (inParagraph) {
          if (!continuation()) return null;
        } else {
          stack.length = matched;
          inParagraph = true;
          paraItem = null;
          extend(lineStart, line);
        }
      }
    }
    if (last) break;
  }
  // An unclosed fence runs to the end of the file, trailing blank lines included: remark's call.
  if (fence !== null) return null;

  return {
    engine: 'fast',
    headings,
    items: items.map(
      (d): OutlineItem => ({
        line: d.line,
        endLine: d.endLine,
        end: d.end,
        depth: d.depth,
        start: d.start,
        contentIndent: d.contentIndent,
        checkbox: d.checkbox,
        checked: d.checked,
        textStart: d.textStart,
        text: oneLine(d.parts.join('\n')),
      }),
    ),
  };
}

/** Heading content: without the opening #'s and an optional closing sequence. */
function atxText(rest: string): string {
  const content = rest.replace(/^#{1,6}/, '');
  if (/^[ \t]*#*[ \t]*$/.test(content)) return '';
  return content.replace(/[ \t]+#+[ \t]*$/, '').trim();
}

/**
 * Offsets (with their 1-based lines) where the document may be cut into independent pieces:
 * outside a fence or HTML block, every ATX heading at column 0 and every column-0 line after a
 * blank line. Such a line closes every open container that matters (a list may go on, but its
 * items keep their depth), so each piece parses alone as it does within the whole. Only openers at column 0 are surely top-level; an opener indented 1–3
 * spaces may sit in a list item or not, so cutting stops there (remark sees the rest whole).
 */
const INNER_OPENER = /^[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)*(?:<|`{3}|~{3})/;
/** Whether a line opens with no ordered and no empty list item, in whatever containers. */
function plainStart(content: string): boolean {
  const markers = CONTAINER_MARKERS.exec(content)?.[0] ?? '';
  return !/\d/.test(markers) && !/^[ \t]*\r?$/.test(content.slice(markers.length));
}

/** Block quote and list markers opening a line, in any nesting. */
const CONTAINER_MARKERS = /^(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|\r?$)))+[ \t]*/;

export function cutPoints(text: string, from: number, to: number, firstLine: number): { offset: number; line: number }[] {
  const cuts = [{ offset: from, line: firstLine }];
  let close: RegExp | null = null;
  let untilBlank = false;
  let previousBlank = false;
  let openerInItem = false;
  let line = firstLine - 1;
  for (let pos = from; pos < to; ) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1 || nl > to) nl = to;
    const content = text.slice(pos, nl);
    line++;
    pos = nl + 1;
    if (close !== null) {
      if (close.test(content)) close = null;
      continue;
    }
    const blank = /^[ \t]*\r?$/.test(content);
    const afterBlank = previousBlank;
    previousBlank = blank;
    // A fence or HTML opened inside a list item or quote: where it ends, blank lines included,
    // is remark's call, so no cut after blank lines until the next heading.
    if (!blank && INNER_OPENER.test(content) && !/^(?:`{3}|~{3}|<)/.test(content)) openerInItem = true;
    if (untilBlank) {
      if (blank) untilBlank = false;
      // Was the `<` line an HTML block or paragraph text? Only in the second case would a fence
      // or comment opened here run past the blank line: unsure, so stop cutting.
      else if (/^ {0,3}(?:`{3}|~{3}|<)/.test(content)) return cuts;
      continue;
    }
    if (blank) continue;
    // A column-0 heading, or any column-0 line after a blank line, starts afresh at the top level.
    // Not before ordered or empty list items (also nested ones, `- - `): whether those may
    // "interrupt" depends on what came before, and micromark's answer then differs from a fresh start.
    // Inside block quotes and items too, however nested (`>- `, `- >- `): micromark decides there the same way.
    const fresh = afterBlank && !openerInItem && /^[^ \t]/.test(content) && plainStart(content);
    const heading = /^#{1,6}(?:[ \t\r]|$)/.test(content);
    if (heading) openerInItem = false;
    if (heading || fresh) {
      if (line > firstLine) cuts.push({ offset: pos - content.length - 1, line });
    }
    const opener = /^( {0,3})(`{3,}|~{3,}|<)/.exec(content);
    if (opener === null) continue;
    const mark = opener[2] ?? '';
    if (mark.startsWith('`') && content.slice(opener[0].length).includes('`')) continue; // not a fence
    if ((opener[1] ?? '') !== '') return cuts; // indented 1-3: maybe inside a list item
    if (mark !== '<') {
      close = new RegExp(`^ {0,3}${mark[0] === '`' ? '`' : '~'}{${mark.length},}[ \\t]*\\r?$`);
      continue;
    }
    // [opener, closer, how much of the opener the closer may not reuse]: `<!-->`, `<!--->` and
    // `<?>` close on their own line in micromark, so the closer may overlap the opener's end.
    const ends: [RegExp, RegExp, number][] = [
      [/^<!--/, /-->/, 2],
      [/^<\?/, /\?>/, 1],
      [/^<!\[CDATA\[/, /\]\]>/, 9],
      [/^<![A-Za-z]/, />/, 3],
      [/^<(?:script|pre|style|textarea)(?:[\s>]|$)/i, /<\/(?:script|pre|style|textarea)>/i, 1],
    ];
    const kind = ends.find(([begin]) => begin.test(content));
    if (kind === undefined) untilBlank = true;
    else if (!kind[1].test(content.slice(kind[2]))) close = kind[1];
  }
  return cuts;
}
