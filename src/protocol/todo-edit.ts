/**
 * Minimal-diff edits of TODO.md: only the bytes an edit targets change; everything else (line
 * endings, BOM, spacing, tables, comments) stays as it was. Each edit re-reads its own result
 * and refuses (NOT_EDITABLE) if the file would not say exactly what was intended.
 */
import { HubError, ErrorCodes } from '../errors.js';
import type { TodoDoc } from './types.js';
import { parseTodo } from './todo.js';
import type { ParseTodoOptions } from './todo.js';
import { agentInHeading } from './names.js';
import { lineEndAt, lineEnding, lineStarts } from './text.js';
import { checkAgentName, checkOneLine } from './values.js';

export function editableTodo(text: string, file: string, options: ParseTodoOptions = {}): TodoDoc {
  const doc = parseTodo(text, file, options);
  if (!doc.editable) {
    throw new HubError(
      ErrorCodes.NOT_EDITABLE,
      `${file} did not parse (${doc.diagnostics[0]?.message ?? 'unknown problem'}); fix it by hand before the hub edits it.`,
      {
        data: { file, diagnostics: doc.diagnostics },
      },
    );
  }
  return doc;
}

/** Sets the checkbox of the item on `line` (1-based) to done or not done. */
export function toggleTodoItem(text: string, file: string, line: number, checked: boolean): string {
  const doc = editableTodo(text, file);
  const item = doc.items.find((candidate) => candidate.line === line);
  if (item === undefined) {
    throw new HubError(
      ErrorCodes.INVALID_ARGUMENT,
      `${file} has no checklist item on line ${line}; items are on lines ${
        doc.items
          .slice(0, 20)
          .map((i) => i.line)
          .join(', ') || '(none)'
      }.`,
      {
        data: { file, line },
      },
    );
  }
  if (item.checked === checked) return text;
  return text.slice(0, item.checkbox.start + 1) + (checked ? 'x' : ' ') + text.slice(item.checkbox.start + 2);
}

/** Appends `- [ ] itemText` at the end of the agent's section, creating `## <agent>` at the end if there is none. */
export function addTodoItem(text: string, file: string, agent: string, itemText: string, options: ParseTodoOptions = {}): string {
  checkAgentName(agent, 'agent');
  const item = checkOneLine(itemText, 'item', 2000);
  const doc = editableTodo(text, file, options);
  const eol = lineEnding(text);
  const starts = lineStarts(text);
  const sectionIndex = doc.sections.findIndex((section) => agentInHeading(section.title, options.agents) === agent);
  let result: string;
  if (sectionIndex === -1) {
    const ending = text === '' || /\n[ \t]*\r?\n$/.test(text) ? '' : text.endsWith('\n') ? eol : eol + eol;
    // A heading names `Agent_<n>` (or a known agent) by itself; any other name needs its @.
    const heading = agentInHeading(agent, options.agents) === agent ? agent : `@${agent}`;
    result = `${text}${ending}## ${heading}${eol}${eol}- [ ] ${item}${eol}`;
  } else {
    const section = doc.sections[sectionIndex];
    // The section's own lines: up to its first sub-heading or the next heading, whichever comes first.
    const next = doc.sections[sectionIndex + 1];
    const rangeStart = starts[(section?.line ?? 1) - 1] ?? 0;
    const rangeEnd = next === undefined ? text.length : (starts[next.line - 1] ?? text.length);
    const region = text.slice(rangeStart, rangeEnd);
    const lastContent = rangeStart + region.replace(/\s+$/, '').length;
    const lastLineEnd = lineEndAt(text, lastContent);
    const headingOnly = lastContent <= (starts[section?.line ?? 1] ?? text.length);
    const model = [...doc.items].reverse().find((candidate) => candidate.section === sectionIndex && candidate.depth === 0);
    const modelLine = model === undefined ? '' : text.slice(starts[model.line - 1] ?? 0, model.checkbox.start);
    const marker = /^([ ]{0,3})([-*+])[ ]/.exec(modelLine);
    const prefix = marker === null ? '- ' : `${marker[1] ?? ''}${marker[2] ?? '-'} `;
    const insertion = `${eol}${headingOnly ? eol : ''}${prefix}[ ] ${item}`;
    result = text.slice(0, lastLineEnd) + insertion + text.slice(lastLineEnd);
  }
  const after = parseTodo(result, file, options);
  const added = after.items.length === doc.items.length + 1 && after.items.some((candidate) => candidate.text === item && !candidate.checked);
  if (!added) {
    throw new HubError(
      ErrorCodes.NOT_EDITABLE,
      `Adding the item to ${file} would not read back as one new open item (an unclosed code block or comment?); edit the file by hand.`,
      {
        data: { file, agent },
      },
    );
  }
  return result;
}
