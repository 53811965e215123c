/** TODO.md → sections, items and progress per agent. Never throws. */
import type { Diagnostic, Progress, TodoDoc, TodoItem, TodoSection } from './types.js';
import { outline, REMARK_BUDGET } from './outline.js';
import type { Outline, SkippedRange } from './outline.js';
import { locateFrontMatter } from './front-matter.js';
import { agentInHeading, mentions, taskRefs } from './names.js';
import { unreadableReason } from './text.js';

export interface ParseTodoOptions {
  /** Names of the session's agents: a heading naming one of them as a word belongs to it. */
  readonly agents?: readonly string[];
}

export function parseTodo(text: string, file: string, options: ParseTodoOptions = {}): TodoDoc {
  const source = typeof text === 'string' ? text : '';
  try {
    const unreadable = unreadableReason(source, file);
    if (unreadable !== null) return emptyTodo(file, [unreadable], false);
    return readTodo(source, file, options);
  } catch (error) {
    return emptyTodo(file, [internalDiagnostic(file, error)], false);
  }
}

function readTodo(text: string, file: string, options: ParseTodoOptions): TodoDoc {
  const front = locateFrontMatter(text);
  const found = outline(text, front.kind === 'block' ? front.end : 0);
  const sectionAgents = sectionAgentsOf(found.headings, options.agents);
  const items = checkboxItems(found, sectionAgents);
  const diagnostics: Diagnostic[] = [];
  for (const range of found.skipped ?? []) diagnostics.push(skippedDiagnostic(file, range));
  for (const range of found.codeBoxes ?? []) diagnostics.push(codeBoxDiagnostic(file, range));
  if (front.kind === 'unclosed') {
    diagnostics.push({
      file,
      line: 1,
      severity: 'warning',
      code: 'front-matter-unclosed',
      message: 'The file starts with "---" but the front matter is never closed; it is read as markdown.',
    });
  }
  const sections = sectionsOf(found.headings, sectionAgents, items);
  return { file, sections, items, progress: progressOf(items), byAgent: progressByAgent(items), diagnostics, editable: true };
}

/** A heading's agent is the one it names, else the one of the heading it sits under. */
function sectionAgentsOf(headings: Outline['headings'], agents: ParseTodoOptions['agents']): (string | null)[] {
  const sectionAgents: (string | null)[] = [];
  const open: { depth: number; agent: string | null }[] = [];
  for (const heading of headings) {
    while (open.length > 0 && (open[open.length - 1]?.depth ?? 0) >= heading.depth) open.pop();
    const agent = agentInHeading(heading.text, agents) ?? open[open.length - 1]?.agent ?? null;
    open.push({ depth: heading.depth, agent });
    sectionAgents.push(agent);
  }
  return sectionAgents;
}

/**
 * The checkbox items with their section and assignee: an item's own first @mention, else its
 * parent item's assignee, else its section's agent (so a sub-item without a mention stays with its parent).
 */
function checkboxItems(found: Outline, sectionAgents: readonly (string | null)[]): TodoItem[] {
  const items: TodoItem[] = [];
  const parents: { depth: number; assignee: string | null }[] = [];
  let section = -1;
  for (const item of found.items) {
    while (section + 1 < found.headings.length && (found.headings[section + 1]?.start ?? Infinity) < item.start) {
      section++;
      parents.length = 0;
    }
    parents.length = Math.min(parents.length, item.depth);
    const inherited = parents[item.depth - 1]?.assignee ?? (section >= 0 ? (sectionAgents[section] ?? null) : null);
    const assignee = mentions(item.text)[0] ?? inherited;
    parents[item.depth] = { depth: item.depth, assignee };
    if (item.checked === null || item.checkbox === null) continue;
    items.push({
      text: item.text,
      checked: item.checked,
      depth: item.depth,
      line: item.line,
      assignee,
      taskRefs: taskRefs(item.text),
      section,
      checkbox: item.checkbox,
    });
  }
  return items;
}

/** Each heading as a section with its agent and the progress of the items directly under it. */
function sectionsOf(headings: Outline['headings'], sectionAgents: readonly (string | null)[], items: readonly TodoItem[]): TodoSection[] {
  const done = new Array<number>(headings.length).fill(0);
  const total = new Array<number>(headings.length).fill(0);
  for (const item of items) {
    if (item.section < 0) continue;
    total[item.section] = (total[item.section] ?? 0) + 1;
    if (item.checked) done[item.section] = (done[item.section] ?? 0) + 1;
  }
  return headings.map((heading, index) => ({
    title: heading.text,
    depth: heading.depth,
    line: heading.line,
    agent: sectionAgents[index] ?? null,
    progress: { done: done[index] ?? 0, total: total[index] ?? 0 },
  }));
}

/** Progress per assignee, wherever in the file their items are. */
function progressByAgent(items: readonly TodoItem[]): Record<string, Progress> {
  const byAgent: Record<string, Progress> = {};
  for (const item of items) {
    if (item.assignee === null) continue;
    const before = byAgent[item.assignee] ?? { done: 0, total: 0 };
    byAgent[item.assignee] = { done: before.done + (item.checked ? 1 : 0), total: before.total + 1 };
  }
  return byAgent;
}

export function progressOf(items: readonly { readonly checked: boolean }[]): Progress {
  let done = 0;
  for (const item of items) if (item.checked) done++;
  return { done, total: items.length };
}

function emptyTodo(file: string, diagnostics: Diagnostic[], editable: boolean): TodoDoc {
  return { file, sections: [], items: [], progress: { done: 0, total: 0 }, byAgent: {}, diagnostics, editable };
}

export function internalDiagnostic(file: string, error: unknown): Diagnostic {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    file,
    line: 1,
    severity: 'error',
    code: 'unparsable',
    message: `The file could not be parsed (${reason.slice(0, 200)}); simplify its structure. It will not be edited.`,
  };
}

export function skippedDiagnostic(file: string, range: SkippedRange): Diagnostic {
  return {
    file,
    line: range.cause.line,
    severity: 'warning',
    code: 'too-complex',
    message:
      `Lines ${range.line}–${range.endLine} were read line by line, not exactly: line ${range.cause.line} has ${range.cause.reason}, ` +
      `which only the exact markdown engine reads, and this file already gave it its ${REMARK_BUDGET / 1024} KiB budget. ` +
      `Headings and checkboxes there are read; nesting may be approximate. Split the file, or write that line as plain list items.`,
  };
}

/** Task-looking lines that markdown reads as an indented code block: said, never silently dropped. */
export function codeBoxDiagnostic(file: string, range: { readonly line: number; readonly endLine: number; readonly boxes: number }): Diagnostic {
  const one = range.line === range.endLine;
  const where = one ? `Line ${range.line} is` : `Lines ${range.line}–${range.endLine} are`;
  const boxes = range.boxes === 1 ? 'the checkbox there is not an item' : `the ${range.boxes} checkboxes there are not items`;
  return {
    file,
    line: range.line,
    severity: 'warning',
    code: 'item-in-code',
    message: `${where} indented 4+ spaces where no list goes on, so markdown reads ${one ? 'it' : 'them'} as code: ${boxes}. Indent ${one ? 'it' : 'them'} less to make ${one ? 'it' : 'them'} count.`,
  };
}
