/**
 * PURE reading of an agent's screen: is Claude Code's prompt box the active element, or does
 * something stand in front of it? Answered from structure (patterns.ts), not from sentences:
 *
 * - `ready`: the prompt box (a pointer line right under a rule, closed by a rule below) is the
 *   lowest thing on the screen; `draft` is the text in it.
 * - `menu`: a choice list below the prompt box or without one: a pointer line and its siblings
 *   at one label column (numbered `1. Yes` or not), or, with the pointer scrolled away, a run of
 *   numbered lines over a dialog footer. The question and choices are exactly as shown.
 * - `press_enter`: a page that only waits for Enter.
 * - `unknown`: anything else (starting up, mid-redraw, an editor, a dialog we cannot read); the
 *   last lines come along so a person can see it. Never typed into.
 *
 * Never throws: any text in, one reading out.
 */
import type { PendingPrompt } from '../hub/types.js';
import {
  DIALOG_FOOTER,
  DIALOG_NAMES,
  MAX_LINES_BELOW_MENU,
  MAX_QUESTION_LINES,
  NUMBERED_LABEL,
  POINTER_CHARS,
  PRESS_ENTER,
  isRuleText,
  SCROLL_HINT,
} from './patterns.js';

export interface Choice {
  /** Its number on screen, or its position (1-based) in an unnumbered menu. */
  readonly number: number;
  readonly label: string;
  /** Lines shown under the label (a description, or the rest of a wrapped label). */
  readonly detail?: string;
}

export interface MenuReading {
  readonly state: 'menu';
  readonly kind: PendingPrompt['kind'];
  readonly question: string;
  readonly choices: readonly Choice[];
  /** The choice under the pointer; null when the pointer is not on screen (scrolled). */
  readonly selected: number | null;
  /** `1. Yes` style: a digit picks a choice. */
  readonly numbered: boolean;
}

export type ScreenReading =
  | { readonly state: 'ready'; readonly draft: string }
  | MenuReading
  | { readonly state: 'press_enter'; readonly question: string }
  | { readonly state: 'unknown'; readonly reason: string; readonly lastLines: readonly string[] };

const LAST_LINES = 12;

interface Line {
  readonly text: string;
  /** Column of the first non-space character; -1 for a blank line. */
  readonly indent: number;
}

function toLines(screen: string): Line[] {
  return screen.split('\n').map((raw) => {
    const text = raw.replace(/\u00a0/g, ' ').trimEnd();
    return { text, indent: text === '' ? -1 : text.length - text.trimStart().length };
  });
}

const isRule = (line: Line | undefined): boolean => line !== undefined && isRuleText(line.text);

/** `❯ text` at `indent`: the pointer and the column its label starts at. */
function pointerAt(line: Line): { readonly labelCol: number } | null {
  if (line.indent < 0) return null;
  const ch = line.text[line.indent] ?? '';
  if (!POINTER_CHARS.includes(ch)) return null;
  const after = line.text.slice(line.indent + 1);
  const gap = after.length - after.trimStart().length;
  if (gap < 1 || after.trim() === '') return null;
  return { labelCol: line.indent + 1 + gap };
}

interface PromptBox {
  readonly top: number;
  readonly bottom: number;
  readonly draft: string;
}

/** The lowest prompt box: a rule, a pointer at column 0, its continuation lines, a rule. */
function findPromptBox(lines: readonly Line[]): PromptBox | null {
  for (let i = lines.length - 1; i > 0; i--) {
    const line = lines[i]!;
    if (line.indent !== 0 || !POINTER_CHARS.includes(line.text[0] ?? '') || !isRule(lines[i - 1])) continue;
    const draft: string[] = [line.text.slice(1).trim()];
    for (let j = i + 1; j < lines.length && j <= i + 40; j++) {
      if (isRule(lines[j])) return { top: i - 1, bottom: j, draft: draft.join('\n').trim() };
      draft.push(lines[j]!.text.trim());
    }
  }
  return null;
}

interface Block {
  readonly start: number;
  readonly end: number;
  readonly choices: readonly Choice[];
  readonly selected: number | null;
  readonly numbered: boolean;
}

/** The choice list around a pointer line: siblings at its label column, deeper lines as detail. */
function blockAround(lines: readonly Line[], at: number, labelCol: number, floor: number): Block | null {
  const isHint = (line: Line): boolean => line.indent >= 0 && SCROLL_HINT.test(line.text.trim());
  const isSibling = (line: Line): boolean =>
    (line.indent === labelCol && !isHint(line)) || (line.indent >= 0 && line.indent < labelCol && pointerAt(line)?.labelCol === labelCol);
  const isDetail = (line: Line): boolean => line.indent > labelCol;
  // Upwards: siblings, and detail lines that sit under a sibling.
  let start = at;
  for (let i = at - 1; i > floor; i--) {
    const line = lines[i]!;
    if (isSibling(line)) start = i;
    else if (!isDetail(line) && !isHint(line)) break;
  }
  // Downwards: siblings and details; a blank line or a rule may separate a numbered menu's last choices.
  let end = at;
  for (let i = at + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (isSibling(line) || isDetail(line) || isHint(line)) {
      end = i;
      continue;
    }
    if (line.indent < 0 || isRule(line)) {
      const next = lines.slice(i + 1).find((l) => l.indent >= 0 && !isRule(l));
      if (next && isSibling(next) && NUMBERED_LABEL.test(labelOf(next, labelCol))) continue;
    }
    break;
  }
  const raw: { label: string; detail: string[]; pointed: boolean }[] = [];
  for (let i = start; i <= end; i++) {
    const line = lines[i]!;
    if (line.indent < 0 || isRule(line) || isHint(line)) continue;
    if (isSibling(line)) raw.push({ label: labelOf(line, labelCol), detail: [], pointed: pointerAt(line) !== null });
    else raw.at(-1)?.detail.push(line.text.trim());
  }
  if (raw.length === 0) return null;
  const numbers = raw.map((c) => NUMBERED_LABEL.exec(c.label));
  const numbered = numbers.every((m) => m !== null) && numbers.every((m, k) => k === 0 || Number(m![1]) === Number(numbers[k - 1]![1]) + 1);
  const choices = raw.map((c, k): Choice => {
    const m = numbers[k];
    const label = numbered && m ? m[2]!.trim() : c.label;
    const number = numbered && m ? Number(m[1]) : k + 1;
    return c.detail.length > 0 ? { number, label, detail: c.detail.join(' ') } : { number, label };
  });
  const pointedAt = raw.findIndex((c) => c.pointed);
  return { start, end, choices, selected: pointedAt >= 0 ? choices[pointedAt]!.number : null, numbered };
}

function labelOf(line: Line, labelCol: number): string {
  return line.text.slice(labelCol).trim();
}

/** The lowest choice list with its pointer on screen, below `floor`. */
function findPointedMenu(lines: readonly Line[], floor: number): Block | null {
  for (let i = lines.length - 1; i > floor; i--) {
    const line = lines[i]!;
    const pointer = pointerAt(line);
    if (!pointer) continue;
    const block = blockAround(lines, i, pointer.labelCol, floor);
    if (!block) continue;
    const below = lines.slice(block.end + 1).filter((l) => l.indent >= 0 && !isRule(l));
    const footer = below.some((l) => DIALOG_FOOTER.test(l.text));
    // One pointed line alone is a menu only with a dialog footer under it (else: an echoed prompt).
    if (block.choices.length < 2 && !footer) continue;
    if (below.length > MAX_LINES_BELOW_MENU) return null;
    return block;
  }
  return null;
}

/** A numbered run whose pointer scrolled off screen: 2+ consecutive numbers at one column over a footer. */
function findScrolledMenu(lines: readonly Line[], floor: number): Block | null {
  const footerAt = lines.findLastIndex((l) => l.indent >= 0 && DIALOG_FOOTER.test(l.text));
  if (footerAt < 0 || footerAt <= floor) return null;
  for (let i = footerAt - 1; i > floor && i >= footerAt - MAX_LINES_BELOW_MENU - 20; i--) {
    const line = lines[i]!;
    if (line.indent < 0 || !NUMBERED_LABEL.test(line.text.trim())) continue;
    const block = blockAround(lines, i, line.indent, floor);
    if (block?.numbered && block.choices.length >= 2) return block;
    return null;
  }
  return null;
}

/** The dialog's text above its choices: up to the previous rule or blank-separated top. */
function questionOf(lines: readonly Line[], start: number, floor: number): { question: string; text: string } {
  const above: string[] = [];
  for (let i = start - 1; i > floor && above.length < MAX_QUESTION_LINES; i--) {
    const line = lines[i]!;
    if (isRule(line)) break;
    if (line.indent >= 0) above.unshift(line.text.trim());
  }
  const text = above.join('\n');
  // The line that asks; else the line a known dialog is named by; else the dialog's first line.
  const named = above.find((l) => DIALOG_NAMES.some((n) => n.pattern.test(l)));
  const asked = [...above].reverse().find((l) => l.includes('?')) ?? named ?? above[0] ?? '';
  return { question: asked, text };
}

function nameOf(text: string, question: string): { kind: PendingPrompt['kind']; question: string } {
  for (const name of DIALOG_NAMES) {
    const match = name.pattern.exec(text);
    if (match) return { kind: name.kind, question: name.kind === 'permission' ? match[0].trim() : question || match[0].trim() };
  }
  return { kind: 'question', question };
}

function menuReading(lines: readonly Line[], block: Block, floor: number): MenuReading {
  const { question, text } = questionOf(lines, block.start, floor);
  const named = nameOf(text, question);
  return { state: 'menu', kind: named.kind, question: named.question, choices: block.choices, selected: block.selected, numbered: block.numbered };
}

function lastLinesOf(lines: readonly Line[]): string[] {
  return lines
    .filter((l) => l.indent >= 0)
    .slice(-LAST_LINES)
    .map((l) => l.text);
}

export function readScreen(screen: string): ScreenReading {
  const lines = toLines(screen);
  const box = findPromptBox(lines);
  // Only what is below the prompt box can stand in front of it; above it is transcript.
  const menu = findPointedMenu(lines, box ? box.bottom : -1) ?? findScrolledMenu(lines, box ? box.bottom : -1);
  if (menu) return menuReading(lines, menu, box ? box.bottom : -1);
  const tail = lines.filter((l) => l.indent >= 0).slice(-3);
  if (tail.some((l) => PRESS_ENTER.test(l.text))) {
    const question = tail.find((l) => PRESS_ENTER.test(l.text))!.text.trim();
    return { state: 'press_enter', question };
  }
  if (box) {
    const below = lines.slice(box.bottom + 1).filter((l) => l.indent >= 0);
    if (below.some((l) => DIALOG_FOOTER.test(l.text))) {
      return { state: 'unknown', reason: 'a dialog footer is under the prompt box, but no choice list could be read', lastLines: lastLinesOf(lines) };
    }
    return { state: 'ready', draft: box.draft };
  }
  if (lines.some((l) => DIALOG_FOOTER.test(l.text))) {
    return { state: 'unknown', reason: 'a dialog is on screen, but its choices could not be read', lastLines: lastLinesOf(lines) };
  }
  return { state: 'unknown', reason: 'no prompt box and no dialog on screen', lastLines: lastLinesOf(lines) };
}

/** Two readings say the same thing (for waiting out a redraw). */
export function sameReading(a: ScreenReading, b: ScreenReading): boolean {
  if (a.state !== b.state) return false;
  if (a.state === 'menu' && b.state === 'menu') return a.question === b.question && a.selected === b.selected && a.choices.length === b.choices.length;
  if (a.state === 'ready' && b.state === 'ready') return a.draft === b.draft;
  return true;
}

/** The reading as the hub shows it on an agent (`pendingPrompt`), or null when the box is ready. */
export function pendingPromptOf(reading: ScreenReading, since: string): PendingPrompt | null {
  switch (reading.state) {
    case 'ready':
      return null;
    case 'menu':
      return { kind: reading.kind, question: reading.question, choices: reading.choices, since };
    case 'press_enter':
      return { kind: 'onboarding', question: reading.question, choices: [{ number: 1, label: 'Continue' }], since };
    case 'unknown':
      return {
        kind: 'unknown',
        question: `The hub cannot read this screen (${reading.reason}); nothing is typed into it until it shows the prompt box.`,
        choices: [],
        since,
        screen: reading.lastLines,
      };
  }
}
