/**
 * Minimal-diff edits of task files: set front-matter fields (only those keys' lines change;
 * missing keys go before the closing `---`) and append log lines under `## Log`. Each edit
 * re-reads its own result and refuses (NOT_EDITABLE) unless it says exactly what was intended.
 */
import { isDeepStrictEqual } from 'node:util';
import { HubError, ErrorCodes } from '../errors.js';
import type { TaskDoc } from './types.js';
import { parseTask, logSection } from './task.js';
import { locateFrontMatter, yamlKeys } from './front-matter.js';
import { outline } from './outline.js';
import { lineEndAt, lineEnding } from './text.js';
import { DATE_PATTERN, checkAgentName, checkSenderName, renderFieldValue } from './values.js';
import type { TaskFieldValues } from './values.js';

export type TaskFieldUpdate = Partial<TaskFieldValues>;
const WRITABLE: readonly (keyof TaskFieldValues)[] = ['title', 'status', 'assignee', 'from', 'priority', 'depends_on', 'updated'];

export function editableTask(text: string, file: string): TaskDoc & { task: NonNullable<TaskDoc['task']> } {
  const doc = parseTask(text, file);
  if (!doc.editable || doc.task === null) {
    const first = doc.diagnostics.find((diagnostic) => diagnostic.severity === 'error');
    throw new HubError(
      ErrorCodes.NOT_EDITABLE,
      `${file} did not parse (line ${first?.line ?? 1}: ${first?.message ?? 'no task found'}); fix it by hand before the hub edits it.`,
      {
        data: { file, diagnostics: doc.diagnostics },
      },
    );
  }
  return doc as TaskDoc & { task: NonNullable<TaskDoc['task']> };
}

export function setTaskFields(text: string, file: string, fields: TaskFieldUpdate): string {
  const wanted = WRITABLE.filter((key) => fields[key] !== undefined);
  const rendered = wanted.map((key) => ({ key, value: renderFieldValue(key, fields[key]) }));
  editableTask(text, file);
  const front = locateFrontMatter(text);
  if (front.kind !== 'block') throw new HubError(ErrorCodes.NOT_EDITABLE, `${file} has no front matter to edit.`, { data: { file } });
  const eol = lineEnding(text);
  const yamlLineStarts = [front.yamlStart];
  for (let at = text.indexOf('\n', front.yamlStart); at !== -1 && at < front.yamlEnd; at = text.indexOf('\n', at + 1)) yamlLineStarts.push(at + 1);
  const keys = yamlKeys(front.yaml);
  const edits: { start: number; end: number; insert: string }[] = [];
  const added: string[] = [];
  for (const { key, value } of rendered) {
    const existing = keys.find((candidate) => candidate.key === key);
    if (existing === undefined) {
      added.push(`${key}: ${value}${eol}`);
      continue;
    }
    const start = yamlLineStarts[existing.line - 1] ?? front.yamlStart;
    const end = lineEndAt(text, (yamlLineStarts[existing.lastLine - 1] ?? start) + 1);
    const comment = /[ \t]+#.*$/.exec(text.slice(start, end).replace(/\r$/, ''));
    // Keep a trailing comment on a one-line value (`status: wip  # waiting on API`).
    const keep = existing.line === existing.lastLine && comment !== null && !/["']/.test(comment[0]) ? comment[0] : '';
    edits.push({ start, end, insert: `${key}: ${value}${keep}` });
  }
  if (added.length > 0) edits.push({ start: front.yamlEnd, end: front.yamlEnd, insert: added.join('') });
  edits.sort((a, b) => b.start - a.start);
  let result = text;
  for (const edit of edits) result = result.slice(0, edit.start) + edit.insert + result.slice(edit.end);

  const after = parseTask(result, file);
  const readBack = after.task as unknown as Record<string, unknown> | null;
  const intended = wanted.every((key) => readBack !== null && isDeepStrictEqual(readBack[key], key === 'title' ? String(fields[key]).trim() : fields[key]));
  if (!after.editable || !intended) {
    throw new HubError(ErrorCodes.NOT_EDITABLE, `Setting ${wanted.join(', ')} in ${file} would not read back as intended; edit the front matter by hand.`, {
      data: { file, fields: wanted },
    });
  }
  return result;
}

export interface TaskLogInput {
  /** Date or date-time, e.g. `2026-11-21 14:03` or an ISO string. */
  readonly at: string;
  readonly who: string;
  readonly text: string;
  readonly to?: string;
}

export const MAX_LOG_TEXT = 100_000;

/** The markdown of one log line: `- <at> <who>: [@to ]<text>`, continuation lines indented under it. */
export function formatLogLine(entry: TaskLogInput, eol: string): { line: string; said: string } {
  if (typeof entry.at !== 'string' || !DATE_PATTERN.test(entry.at)) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, '"at" must be a date like 2026-11-21 14:03 or an ISO date-time.', { data: { field: 'at' } });
  }
  checkSenderName(entry.who, 'who');
  if (entry.to !== undefined) checkAgentName(entry.to, 'to');
  if (typeof entry.text !== 'string') throw new HubError(ErrorCodes.INVALID_ARGUMENT, '"text" must be text.', { data: { field: 'text' } });
  if (entry.text.length > MAX_LOG_TEXT)
    throw new HubError(ErrorCodes.TOO_LARGE, `A log entry is at most ${MAX_LOG_TEXT} characters; put long content in a file and link it.`, {
      data: { field: 'text' },
    });
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(entry.text)) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, '"text" must not contain control characters.', { data: { field: 'text' } });
  }
  const lines = entry.text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t]+$/, ''));
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || (lines[0] ?? '').trim() === '')
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, '"text" must not be empty.', { data: { field: 'text' } });
  lines[0] = (lines[0] ?? '').trimStart();
  // A message opening with a code fence starts on its own line: after "who:" the fence would
  // be plain text and its closing fence would open a new, unclosed one.
  const fenced = /^(?:`{3,}|~{3,})/.test(lines[0] ?? '');
  const mention = entry.to === undefined ? '' : `@${entry.to}`;
  const said = fenced ? [...(mention === '' ? [] : [mention]), ...lines].join('\n') : `${mention === '' ? '' : `${mention} `}${lines.join('\n')}`;
  const [first = '', ...rest] = fenced && mention === '' ? ['', ...lines] : said.split('\n');
  const head = `- ${entry.at} ${entry.who}:${first === '' ? '' : ` ${first}`}`;
  const line = [head, ...rest.map((part) => (part === '' ? '' : `  ${part}`))].join(eol);
  return { line, said };
}

export function appendTaskLog(text: string, file: string, entry: TaskLogInput): string {
  const eol = lineEnding(text);
  const { line, said } = formatLogLine(entry, eol);
  const doc = editableTask(text, file);
  const front = locateFrontMatter(text);
  const body = outline(text, front.kind === 'block' ? front.end : 0);
  const section = logSection(body);
  let result: string;
  if (section === null) {
    const ending = /\n[ \t]*\r?\n$/.test(text) ? '' : text.endsWith('\n') ? eol : eol + eol;
    result = `${text}${ending}## Log${eol}${eol}${line}${eol}`;
  } else {
    const end = Math.min(section.end, text.length);
    const lastContent = section.start + text.slice(section.start, end).replace(/\s+$/, '').length;
    const at = lineEndAt(text, lastContent);
    const headingOnly = !text.slice(section.start, at).includes('\n');
    result = `${text.slice(0, at)}${eol}${headingOnly ? eol : ''}${line}${at === text.length ? eol : ''}${text.slice(at)}`;
  }
  const after = parseTask(result, file);
  const entryBack = after.log.find((candidate) => !doc.log.some((old) => old.line === candidate.line)) ?? after.log[after.log.length - 1];
  const kept = isDeepStrictEqual(after.log.slice(0, doc.log.length), doc.log);
  const intended = kept && after.log.length === doc.log.length + 1 && entryBack?.at === entry.at && entryBack.from === entry.who && entryBack.text === said;
  if (!after.editable || !intended) {
    throw new HubError(
      ErrorCodes.NOT_EDITABLE,
      `Appending to the log of ${file} would not read back as one new entry (an unclosed code block or comment in its Log section?); edit the file by hand.`,
      {
        data: { file },
      },
    );
  }
  return result;
}
