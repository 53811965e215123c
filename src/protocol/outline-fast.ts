/**
 * The fast outline engine: one pass over the lines, following CommonMark's container rules for
 * list items, ATX headings, fenced and indented code, thematic breaks, GFM tables and HTML
 * comments. It returns null (and remark takes over) on anything it does not model exactly: block
 * quotes, setext headings, other HTML blocks, tabs in indentation, empty items, …
 *
 * `scanOutlineOrWhy` and `looseOutline` (and `cutPoints`, smaller) each stay one loop over the
 * lines, a state machine, on purpose: what a line is depends on all the open state at once
 * (fence, comment, indented code, paragraph, table, the stack of open items), and CommonMark's
 * precedence is the order of one if-chain. Split into stages, each would take and hand back
 * that whole state, and the precedence would be spread over functions; what does not need the
 * state is outside the loop (`oddLineEnding`, `readItem`, `checkboxAt`, `itemOf`). None of them
 * ever throws (protocol layer).
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
/** A line in indented code that a person probably meant as a task item. */
const CODE_BOX = /^(?:[-+*]|\d{1,9}[.)])[ \t]+\[[ xX]\]/;
// micromark's GFM task item: any space or tab counts as the unchecked mark (`[\t]` too).
const TASK_BOX = /^\[([ \txX])\][ \t]+\S/;

/** The line of `text` starting at `pos` (a CRLF's CR dropped), where the next one starts, and whether it is the last before `to`. */
function lineAt(
  text: string,
  pos: number,
  to: number,
): { readonly start: number; readonly end: number; readonly line: string; readonly next: number; readonly last: boolean } {
  let nl = text.indexOf('\n', pos);
  if (nl === -1 || nl > to) nl = to;
  const lineEnd = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
  return { start: pos, end: lineEnd, line: text.slice(pos, lineEnd), next: nl + 1, last: nl >= to };
}

/** 1-based line number of the line starting at `from`. */
function lineNumberAt(text: string, from: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < from; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

/**
 * Scans the lines from `from` (a line start) up to `to`; text outside is ignored but offsets
 * stay those of `text`. `firstLine` is the 1-based line at `from` (counted when not given).
 * Null when it is not sure (remark's turn).
 */
export function scanOutline(text: string, from = 0, to = text.length, firstLine?: number): Outline | null {
  const found = scanOutlineOrWhy(text, from, to, firstLine);
  return 'reason' in found ? null : found;
}

/** Why the scanner left a piece to remark: the first line it could not read exactly, and what is there. */
export interface Unsure {
  readonly line: number;
  readonly reason: string;
}

/** Lone CR line endings and form feeds are rare and subtle: the first one's line, to leave the piece to remark. */
function oddLineEnding(text: string, from: number, to: number, firstLine: number | undefined): Unsure | null {
  const region = from === 0 && to === text.length ? text : text.slice(from, to);
  const odd = /\r(?!\n)|[\f\v]/.exec(region);
  if (odd === null) return null;
  let at = firstLine ?? lineNumberAt(text, from);
  for (let i = region.indexOf('\n'); i !== -1 && i < odd.index; i = region.indexOf('\n', i + 1)) at++;
  return { line: at, reason: odd[0] === '\r' ? 'a lone carriage return as a line ending' : 'a form feed or vertical tab' };
}

/** scanOutline, but when it is not sure it says where and why (for diagnostics). */
export function scanOutlineOrWhy(text: string, from = 0, to = text.length, firstLine?: number): Outline | Unsure {
  const odd = oddLineEnding(text, from, to, firstLine);
  if (odd !== null) return odd;
  const headings: OutlineHeading[] = [];
  const items: Draft[] = [];
  const stack: Draft[] = [];
  let inParagraph = false;
  let inTable = false;
  let paraItem: Draft | null = null;
  let fence: { char: string; len: number; depth: number } | null = null;
  let fenceLine = 0;
  // An indented code block: its container's content column, and the task-looking lines in it.
  let code: { base: number; first: number; last: number; boxes: number } | null = null;
  const codeBlocks: { line: number; endLine: number; boxes: number }[] = [];
  const closeCode = (): void => {
    if (code !== null && code.boxes > 0) codeBlocks.push({ line: code.first, endLine: code.last, boxes: code.boxes });
    code = null;
  };
  let inComment = false;
  let lineNo = (firstLine ?? lineNumberAt(text, from)) - 1;
  let pos = from;
  const unsure = (reason: string, line = lineNo): Unsure => ({ line, reason });

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
    const { start: lineStart, end: lineEnd, line, next, last } = lineAt(text, pos, to);
    lineNo++;
    pos = next;

    let indent = 0;
    while (line.charCodeAt(indent) === 32) indent++;
    if (line.charCodeAt(indent) === 9) return unsure('a tab in the indentation');
    const rest = line.slice(indent);
    const blank = BLANK.test(rest);

    if (code !== null && !blank) {
      if (indent >= code.base + 4) {
        extend(lineStart, line);
        code.last = lineNo;
        if (CODE_BOX.test(rest)) code.boxes++;
        if (last) break;
        continue;
      }
      closeCode();
      // Right after indented code micromark still counts as "interrupting": a list starting
      // at another number than 1 does not open there. That subtlety is remark's call.
      if (/^ {0,3}\d{1,9}[.)]/.test(line) && !/^ {0,3}0*1[.)]/.test(line)) return unsure('a numbered list right after indented code');
    }
    if (inComment) {
      if (line.includes('-->')) inComment = false;
    } else if (fence !== null) {
      const base = fence.depth > 0 ? (stack[fence.depth - 1]?.contentIndent ?? 0) : 0;
      if (!blank) {
        if (indent < base) return unsure('a fence inside a list item that the item does not contain');
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
      if (rel >= 4) {
        if (inParagraph) {
          if (!continuation()) return unsure('a table inside a list item');
        } else {
          // Indented code (4+ spaces where no paragraph goes on): text, never items.
          stack.length = matched;
          endParagraph();
          code = { base, first: lineNo, last: lineNo, boxes: CODE_BOX.test(rest) ? 1 : 0 };
          extend(lineStart, line);
        }
      } else if (inParagraph && SETEXT_OR_DASHES.test(rest)) {
        return unsure('a setext heading underline (=== or --- under text)');
      } else if (THEMATIC.test(rest)) {
        stack.length = matched;
        endParagraph();
        extend(lineStart, line);
      } else if (ATX.test(rest)) {
        if (matched > 0) return unsure('a heading inside a list item');
        stack.length = 0;
        endParagraph();
        headings.push({ depth: ATX.exec(rest)?.[1]?.length ?? 1, text: atxText(rest), line: lineNo, start: lineStart + indent });
      } else if (FENCE.test(rest)) {
        const open = FENCE.exec(rest);
        const marks = open?.[1] ?? '```';
        if (marks[0] === '`' && (open?.[2] ?? '').includes('`')) return unsure('backticks that may or may not open a code fence');
        stack.length = matched;
        endParagraph();
        fence = { char: marks[0] ?? '`', len: marks.length, depth: matched };
        fenceLine = lineNo;
        extend(lineStart, line);
      } else if (rest[0] === '>') {
        return unsure('a block quote');
      } else if (rest.startsWith('<!--')) {
        if (matched > 0 || rest.startsWith('<!-->') || rest.startsWith('<!--->')) return unsure('an HTML comment inside a list item');
        stack.length = 0;
        endParagraph();
        inComment = !rest.slice(4).includes('-->');
      } else if (/^<[A-Za-z/!?]/.test(rest)) {
        return unsure('HTML');
      } else if (marker !== null) {
        const draft = readItem(text, { start: lineStart, end: lineEnd, no: lineNo, indent, rest }, marker, matched, inParagraph);
        if ('reason' in draft) return draft;
        stack.length = matched;
        endParagraph();
        items.push(draft);
        stack.push(draft);
        inParagraph = true;
        paraItem = draft;
        extend(lineStart, line);
      } else if (inParagraph && rest.includes('|') && TABLE_DELIMITER.test(rest)) {
        if (paraItem !== null || matched < stack.length) return unsure('a table inside a list item');
        inTable = true;
        extend(lineStart, line);
      } else if (inParagraph) {
        if (!continuation()) return unsure('a table inside a list item');
      } else {
        stack.length = matched;
        inParagraph = true;
        paraItem = null;
        extend(lineStart, line);
      }
    }
    if (last) break;
  }
  // An unclosed fence runs to the end of the file, trailing blank lines included: remark's call.
  if (fence !== null) return unsure('a code fence that is never closed', fenceLine);
  closeCode();

  return { engine: 'fast', ...(codeBlocks.length === 0 ? {} : { codeBoxes: codeBlocks }), headings, items: items.map(itemOf) };
}

/** A line the scanner is reading: its offsets, 1-based number, indentation and what follows it. */
interface ScannedLine {
  readonly start: number;
  readonly end: number;
  readonly no: number;
  readonly indent: number;
  readonly rest: string;
}

/**
 * The list item a marker opens at `depth`, or why the scanner is not sure of it: the item's
 * first line decides where its content starts, and micromark's answer for odd first lines
 * (empty, tab- or 5+-space-indented, opening another block) is remark's call.
 */
function readItem(text: string, at: ScannedLine, marker: RegExpExecArray, depth: number, inParagraph: boolean): Draft | Unsure {
  const unsure = (reason: string): Unsure => ({ line: at.no, reason });
  const markerText = marker[0];
  const after = at.rest.slice(markerText.length);
  if (BLANK.test(after)) return unsure('an empty list item');
  let spaces = 0;
  while (after.charCodeAt(spaces) === 32) spaces++;
  if (after.charCodeAt(spaces) === 9 || spaces >= 5) return unsure('a list item whose text starts with a tab or 5+ spaces');
  const ordered = marker[1];
  if (inParagraph && ordered !== undefined && Number(ordered) !== 1) return unsure('a numbered line inside a paragraph');
  const content = after.slice(spaces);
  if (BLOCK_IN_ITEM.test(content)) return unsure('a list item that opens with another block (heading, quote, fence, HTML, nested marker)');
  if (/^\[[ \txX]\][ \t]*$/.test(content)) return unsure('a checkbox with no text');
  // `[` at the line's end: remark-gfm takes the line ending as the unchecked mark when `]` follows.
  if (/^\[\r?$/.test(content)) return unsure('a checkbox split across lines');
  const contentIndent = at.indent + markerText.length + spaces;
  const box = checkboxAt(text, at.start + contentIndent, content);
  return {
    line: at.no,
    endLine: at.no,
    end: at.end,
    depth,
    start: at.start + at.indent,
    contentIndent,
    checkbox: box.checkbox,
    checked: box.checked,
    textStart: box.textStart,
    parts: [text.slice(box.textStart, at.end)],
  };
}

/** The GFM task checkbox at the start of an item's content, if any, and where the item's own text starts after it. */
function checkboxAt(text: string, contentStart: number, content: string): Pick<Draft, 'checkbox' | 'checked' | 'textStart'> {
  const box = TASK_BOX.exec(content);
  if (box === null) return { checkbox: null, checked: null, textStart: contentStart };
  let textStart = contentStart + 3;
  while (text.charCodeAt(textStart) === 32 || text.charCodeAt(textStart) === 9) textStart++;
  return { checkbox: { start: contentStart, end: contentStart + 3 }, checked: box[1] === 'x' || box[1] === 'X', textStart };
}

/** A finished draft as the outline shows it: its text parts joined on one line. */
function itemOf(d: Draft): OutlineItem {
  return {
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
  };
}

/** Heading content: without the opening #'s and an optional closing sequence. */
function atxText(rest: string): string {
  const content = rest.replace(/^#{1,6}/, '');
  if (/^[ \t]*#*[ \t]*$/.test(content)) return '';
  return content.replace(/[ \t]+#+[ \t]*$/, '').trim();
}

/** A fence or HTML opener after container markers or indentation (inside a list item or quote). */
const INNER_OPENER = /^[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)*(?:<|`{3}|~{3})/;
/** Whether a line opens with no ordered and no empty list item, in whatever containers. */
function plainStart(content: string): boolean {
  const markers = CONTAINER_MARKERS.exec(content)?.[0] ?? '';
  return !/\d/.test(markers) && !/^[ \t]*\r?$/.test(content.slice(markers.length));
}

/** Block quote and list markers opening a line, in any nesting. */
const CONTAINER_MARKERS = /^(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|\r?$)))+[ \t]*/;

/**
 * Offsets (with their 1-based lines) where the document may be cut into independent pieces:
 * outside a fence or HTML block, every ATX heading at column 0 and every column-0 line after a
 * blank line. Such a line closes every open container that matters (a list may go on, but its
 * items keep their depth), so each piece parses alone as it does within the whole. Only
 * openers at column 0 are surely top-level; an opener indented 1–3 spaces may sit in a list
 * item or not, so cutting stops there (remark sees the rest whole).
 */
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

/**
 * A line-by-line reading for pieces neither engine may take (the scanner is unsure and remark's
 * budget is spent): ATX and setext headings outside lists and quotes, list items with their
 * checkboxes, nesting by indentation, fences and HTML comments skipped. Exact on plain lists;
 * an approximation around what made the scanner unsure, never a loss of what a person wrote.
 */
export function looseOutline(text: string, from: number, to: number, firstLine: number): Outline {
  const headings: OutlineHeading[] = [];
  const items: Draft[] = [];
  const stack: Draft[] = [];
  let fence: RegExp | null = null;
  let inComment = false;
  let afterBlank = true;
  const quoted = new Set<Draft>();
  // The item whose first paragraph is still open: text lines go on its text.
  let paraItem: Draft | null = null;
  // The previous line when it was paragraph text at the top level (a setext underline's heading).
  let paragraph: { start: number; text: string; line: number } | null = null;
  let lineNo = firstLine - 1;
  for (let pos = from; pos < to; ) {
    const { start: lineStart, end: lineEnd, line, next } = lineAt(text, pos, to);
    lineNo++;
    pos = next;
    // Columns as written: quote markers count, a tab counts as one (positions stay exact).
    const quote = /^(?: {0,3}>[ \t]?)*/.exec(line)?.[0] ?? '';
    const column = quote.length + (/^[ \t]*/.exec(line.slice(quote.length))?.[0].length ?? 0);
    const rest = line.slice(column);
    const blank = rest.trim() === '';
    const before = paragraph;
    paragraph = null;
    if (inComment) {
      if (line.includes('-->')) inComment = false;
      continue;
    }
    if (fence !== null) {
      if (fence.test(rest)) fence = null;
      continue;
    }
    const wasBlank = afterBlank;
    afterBlank = blank;
    // A quote starts a new block after an unquoted item's text (no laziness that way round).
    if (quote !== '' && paraItem !== null && !quoted.has(paraItem)) paraItem = null;
    if (blank) {
      paraItem = null;
      continue;
    }
    const found = MARKER.exec(rest);
    const marker = found !== null && /^[ \t]/.test(rest.slice(found[0].length)) ? found[0] : null;
    // A less indented line closes items, unless it is a lazy continuation of their text.
    // A quote marker is where its line opens: left of an item's text, it closes the item.
    const opens = quote === '' ? column : (/^ */.exec(line)?.[0].length ?? 0);
    // A line without a quote marker ends the items opened inside a quote (at most it is lazy text).
    if (quote === '') while (stack.length > 0 && quoted.has(stack[stack.length - 1] as Draft)) stack.pop();
    const lazy =
      paraItem !== null && !wasBlank && quote === '' && marker === null && !ATX.test(rest) && !/^(?:`{3}|~{3}|<!--)/.test(rest) && !THEMATIC.test(rest);
    if (!lazy) {
      while (stack.length > 0 && opens < (stack[stack.length - 1]?.contentIndent ?? 0)) stack.pop();
    }
    const base = stack[stack.length - 1]?.contentIndent ?? quote.length;
    if (column >= base + 4) {
      // Indented code after a blank line; else text going on (never an item that deep).
      if (!wasBlank) {
        for (const item of stack) {
          item.endLine = lineNo;
          item.end = lineStart + line.trimEnd().length;
        }
        paraItem?.parts.push(rest);
      }
      continue;
    }
    const open = /^(`{3,}|~{3,})/.exec(rest);
    if (open?.[1] !== undefined) {
      fence = new RegExp(`^${open[1][0] === '`' ? '`' : '~'}{${open[1].length},}[ \\t]*$`);
      paraItem = null;
      continue;
    }
    if (rest.startsWith('<!--')) {
      inComment = !rest.slice(4).includes('-->');
      paraItem = null;
      continue;
    }
    if (quote === '' && column <= 3 && ATX.test(rest)) {
      stack.length = 0;
      headings.push({ depth: ATX.exec(rest)?.[1]?.length ?? 1, text: atxText(rest), line: lineNo, start: lineStart + column });
      paraItem = null;
      continue;
    }
    if (before !== null && column <= 3 && /^(?:=+|-+)[ \t]*$/.test(rest)) {
      headings.push({ depth: rest[0] === '=' ? 1 : 2, text: before.text, line: before.line, start: before.start });
      continue;
    }
    if (marker !== null) {
      const after = rest.slice(marker.length);
      let spaces = 0;
      while (after.charCodeAt(spaces) === 32) spaces++;
      if (spaces >= 5) spaces = 1;
      const contentIndent = column + marker.length + spaces;
      const box = checkboxAt(text, lineStart + contentIndent, after.slice(spaces));
      const draft: Draft = {
        line: lineNo,
        endLine: lineNo,
        end: lineEnd,
        depth: stack.length,
        start: lineStart + column,
        contentIndent,
        checkbox: box.checkbox,
        checked: box.checked,
        textStart: box.textStart,
        parts: [text.slice(Math.min(box.textStart, lineEnd), lineEnd)],
      };
      items.push(draft);
      stack.push(draft);
      if (quote !== '') quoted.add(draft);
      paraItem = draft;
    } else if (THEMATIC.test(rest)) {
      paraItem = null;
    } else {
      paraItem?.parts.push(rest);
      if (stack.length === 0 && quote === '') paragraph = { start: lineStart + column, text: rest.trim(), line: lineNo };
    }
    for (const item of stack) {
      item.endLine = lineNo;
      item.end = lineStart + line.trimEnd().length;
    }
  }
  return {
    engine: 'fast',
    headings,
    items: items.map(itemOf),
  };
}
