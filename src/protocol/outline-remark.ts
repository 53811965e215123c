/**
 * The exact outline engine: remark + remark-gfm (micromark), used whenever the fast scanner is
 * not sure. Slow on big files, correct on every markdown construct.
 */
import { remark } from 'remark';
import remarkGfm from 'remark-gfm';
import type { Code, Heading, ListItem, Nodes, Root } from 'mdast';
import type { Outline, OutlineHeading, OutlineItem } from './outline.js';
import { oneLine } from './text.js';

const CODE_BOX = /^[ \t>]*(?:[-+*]|\d{1,9}[.)])[ \t]+\[[ xX]\]/;
const CHECKBOX = /^([ \t]*)\[(?:[ \txX]|\r?\n[ \t>]*)\]/;

/** The outline of the whole text, walking remark's tree in document order (headings, items, task-looking code lines). */
export function remarkOutline(text: string): Outline {
  const tree: Root = remark().use(remarkGfm).parse(text);
  const headings: OutlineHeading[] = [];
  const items: OutlineItem[] = [];
  const codeBoxes: CodeBoxes[] = [];
  // Iterative walk in document order: deeply nested input must not exhaust the stack here.
  // Headings inside list items or block quotes are content, not sections: they are skipped.
  const pending: { node: Nodes; depth: number; contained: boolean; quoted: boolean }[] = [{ node: tree, depth: 0, contained: false, quoted: false }];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === undefined) break;
    const { node, depth, contained, quoted } = next;
    if (node.type === 'heading' && !contained) {
      const heading = headingOf(node, text, quoted);
      if (heading !== null) headings.push(heading);
    }
    if (node.type === 'code') {
      const boxes = codeBoxesOf(node, text);
      if (boxes !== null) codeBoxes.push(boxes);
    }
    let childDepth = depth;
    if (node.type === 'listItem' && node.position?.start.offset !== undefined && node.position.end.offset !== undefined) {
      childDepth = depth + 1;
      items.push(itemOf(node, text, depth, quoted));
    }
    if ('children' in node) {
      for (let i = node.children.length - 1; i >= 0; i--) {
        const child = node.children[i];
        if (child !== undefined) {
          pending.push({
            node: child,
            depth: childDepth,
            contained: contained || node.type === 'listItem' || node.type === 'blockquote',
            quoted: quoted || node.type === 'blockquote',
          });
        }
      }
    }
  }
  codeBoxes.sort((a, b) => a.line - b.line);
  return { engine: 'remark', headings, items, ...(codeBoxes.length === 0 ? {} : { codeBoxes }) };
}

interface CodeBoxes {
  line: number;
  endLine: number;
  boxes: number;
}

/** A top-level heading with its content as written (null for one remark gives no position). */
function headingOf(node: Heading, text: string, quoted: boolean): OutlineHeading | null {
  const start = node.position?.start.offset;
  if (start === undefined) return null;
  const first = node.children[0]?.position?.start.offset;
  const lastChild = node.children[node.children.length - 1]?.position?.end.offset;
  return {
    depth: node.depth,
    text: first === undefined || lastChild === undefined ? '' : unquote(text.slice(first, lastChild), quoted),
    line: node.position?.start.line ?? 1,
    start,
  };
}

/** Indented code: lines there that look like task items are reported, not counted (null: none, or a fenced block). */
function codeBoxesOf(node: Code, text: string): CodeBoxes | null {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  if (start === undefined || end === undefined || /^[ \t>]*(?:`{3}|~{3})/.test(text.slice(start, start + 64))) return null;
  let boxes = 0;
  for (const line of text.slice(start, end).split('\n')) if (CODE_BOX.test(line)) boxes++;
  return boxes > 0 ? { line: node.position?.start.line ?? 1, endLine: node.position?.end.line ?? 1, boxes } : null;
}

/** A list item (with a position) and its checkbox, located in the source: remark gives the item, not where its box is. */
function itemOf(node: ListItem, text: string, depth: number, quoted: boolean): OutlineItem {
  const start = node.position?.start.offset ?? 0;
  const end = node.position?.end.offset ?? 0;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const marker = /^([-+*]|\d{1,9}[.)])([ \t]*)/.exec(text.slice(start, start + 16));
  const markerLength = marker?.[1]?.length ?? 1;
  const spaces = marker?.[2]?.length ?? 1;
  const contentStart = start + markerLength + (spaces >= 5 ? 1 : spaces);
  const checked = typeof node.checked === 'boolean' ? node.checked : null;
  let checkbox: { start: number; end: number } | null = null;
  const paragraph = node.children[0]?.type === 'paragraph' ? node.children[0] : null;
  let textStart = paragraph?.position?.start.offset ?? contentStart;
  if (checked !== null) {
    // The box opens the item's content; its mark may be a space, a tab, or even a line ending.
    const box = CHECKBOX.exec(text.slice(contentStart, contentStart + 256));
    const boxStart = box === null ? contentStart : contentStart + (box[1]?.length ?? 0);
    const boxEnd = box === null ? contentStart + 3 : contentStart + box[0].length;
    checkbox = { start: boxStart, end: boxEnd };
    textStart = boxEnd;
    while (text.charCodeAt(textStart) === 32 || text.charCodeAt(textStart) === 9) textStart++;
  }
  const paragraphEnd = paragraph?.position?.end.offset;
  return {
    line: node.position?.start.line ?? 1,
    endLine: node.position?.end.line ?? 1,
    end,
    depth,
    start,
    contentIndent: contentStart - lineStart,
    checkbox,
    checked,
    textStart,
    text: paragraphEnd === undefined || paragraphEnd < textStart ? '' : unquote(text.slice(textStart, paragraphEnd), quoted),
  };
}

/** One line of text from a fragment; inside a block quote, continuation lines carry its markers. */
function unquote(fragment: string, quoted: boolean): string {
  if (!quoted) return oneLine(fragment);
  return oneLine(
    fragment
      .split('\n')
      .map((part, i) => (i === 0 ? part : part.replace(/^[ \t]*(?:>[ \t]?)*/, '')))
      .join('\n'),
  );
}
