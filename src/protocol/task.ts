/** A task file → the validated task, its checklist progress and its log. Never throws. */
import { z } from 'zod';
import type { Diagnostic, Severity, Task, TaskDoc, TaskLogEntry, TaskPriority, TaskStatus } from './types.js';
import { AGENT_NAME_PATTERN, SENDER_NAME_PATTERN, TASK_ID_PATTERN } from './types.js';
import { locateFrontMatter, parseYaml, yamlKeys } from './front-matter.js';
import type { FrontMatterBlock } from './front-matter.js';
import { outline } from './outline.js';
import type { Outline } from './outline.js';
import { isTaskId, mentions, taskIdFromFileName } from './names.js';
import { normalizePriority, normalizeStatus } from './task-status.js';
import { codeBoxDiagnostic, internalDiagnostic, progressOf, skippedDiagnostic } from './todo.js';
import { unreadableReason } from './text.js';

export const TASK_FIELDS = ['id', 'title', 'status', 'assignee', 'from', 'priority', 'depends_on', 'created', 'updated'] as const;
export type TaskField = (typeof TASK_FIELDS)[number];

/** Diagnostics after which the hub must not edit the file (it did not parse). */
export const UNSAFE_TO_EDIT = new Set([
  'too-large',
  'binary',
  'not-utf8',
  'unparsable',
  'front-matter-missing',
  'front-matter-unclosed',
  'yaml-invalid',
  'front-matter-not-mapping',
]);

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const agentName = z
  .string()
  .trim()
  .transform((name) => name.replace(/^@/, ''))
  .pipe(z.string().regex(AGENT_NAME_PATTERN, 'must be a name like Agent_2 (a letter, then up to 31 letters, digits, _ or -)'));
const dateLike = z.union([
  z.date().transform((date) => isoOfYamlDate(date)),
  z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/, 'must be a date like 2026-11-21 or 2026-11-21T14:03:00Z'),
]);
const FIELD_SCHEMAS = {
  id: z.string().trim().regex(TASK_ID_PATTERN, 'must be TASK-<number>'),
  title: scalar.transform(String).pipe(z.string().trim().min(1, 'must not be empty').max(300, 'must be at most 300 characters')),
  status: z.string(),
  assignee: agentName.nullable(),
  from: z
    .string()
    .trim()
    .transform((name) => name.replace(/^@/, ''))
    .pipe(z.string().regex(SENDER_NAME_PATTERN, 'must be an agent name, "user" or a handle like jane.doe (a letter, then up to 63 letters, digits, _ - . @)'))
    .nullable(),
  priority: z.string(),
  depends_on: z
    .union([
      z.string().transform((list) =>
        list
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id !== ''),
      ),
      z.array(scalar.transform(String)),
    ])
    .nullable(),
  created: dateLike.nullable(),
  updated: dateLike.nullable(),
} as const;

export function parseTask(text: string, file: string): TaskDoc {
  const source = typeof text === 'string' ? text : '';
  try {
    const unreadable = unreadableReason(source, file);
    if (unreadable !== null) return brokenTask(file, [unreadable]);
    return readTask(source, file);
  } catch (error) {
    return brokenTask(file, [internalDiagnostic(file, error)]);
  }
}

function readTask(text: string, file: string): TaskDoc {
  const diagnostics: Diagnostic[] = [];
  const report = (line: number, severity: Severity, code: string, message: string): void => {
    diagnostics.push({ file, line, severity, code, message });
  };
  const front = locateFrontMatter(text);
  if (front.kind !== 'block') {
    if (front.kind === 'none')
      report(1, 'error', 'front-matter-missing', 'A task file starts with a "---" front matter block (id, title, status, …); none was found.');
    else report(1, 'error', 'front-matter-unclosed', 'The front matter opened with "---" on line 1 is never closed; add a "---" line after it.');
    return finish(text, file, null, 0, diagnostics, {});
  }
  const parsed = parseYaml(front.yaml);
  if (!parsed.ok) {
    report(
      front.openLine + parsed.line,
      'error',
      'yaml-invalid',
      `The front matter is not valid YAML: ${parsed.message}. Fix it (quote values containing ": " or "#").`,
    );
    return finish(text, file, null, front.end, diagnostics, {});
  }
  const data = parsed.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof Date) {
    report(front.openLine + 1, 'error', 'front-matter-not-mapping', 'The front matter must be a list of "key: value" lines.');
    return finish(text, file, null, front.end, diagnostics, {});
  }
  // A Map, not an object: a `__proto__:` key must stay a key.
  const lines = new Map<string, number>();
  for (const key of yamlKeys(front.yaml)) if (!lines.has(key.key)) lines.set(key.key, front.openLine + key.line);
  const fields = { ...(data as Record<string, unknown>) };
  // js-yaml turns dates into Date objects; the protocol reports dates as written.
  for (const key of ['created', 'updated']) {
    const value = fields[key];
    if (!(value instanceof Date)) continue;
    const line = text.split('\n')[(lines.get(key) ?? 0) - 1] ?? '';
    const raw = line
      .replace(/^[^:]*:/, '')
      .replace(/\s+#.*$/, '')
      .trim()
      .replace(/^(["'])(.*)\1$/, '$2');
    fields[key] = raw === '' ? isoOfYamlDate(value) : raw;
  }
  const task = validateFields(fields, file, front, lines, report);
  return finish(text, file, task, front.end, diagnostics, Object.fromEntries(lines));
}

type Report = (line: number, severity: Severity, code: string, message: string) => void;

/** The task the front matter describes (null without an id), every problem reported: unknown fields, id, status, priority, title, dependencies. */
function validateFields(
  data: Record<string, unknown>,
  file: string,
  front: FrontMatterBlock,
  fieldLines: ReadonlyMap<string, number>,
  report: Report,
): Task | null {
  const read = fieldReader(data, front, fieldLines, report);
  for (const key of Object.keys(data)) {
    if (!(TASK_FIELDS as readonly string[]).includes(key)) {
      report(read.lineOf(key), 'warning', 'field-unknown', `Unknown field "${key}" is kept but ignored; known fields: ${TASK_FIELDS.join(', ')}.`);
    }
  }
  const id = taskIdOf(data, file, front, read, report);
  if (id === null) return null;
  const status = statusOf(data, front, read, report);
  const priority = priorityOf(data, read, report);
  const title = read.field('title');
  if (title === undefined && data.title === undefined) report(front.closeLine, 'error', 'title-missing', 'The task has no "title".');
  const dependsOn = (read.field('depends_on') ?? []).filter((dep) => {
    if (isTaskId(dep)) return true;
    report(read.lineOf('depends_on'), 'error', 'field-invalid', `"depends_on" entry "${dep}" is not a task id (TASK-<n>).`);
    return false;
  });
  const trimmed = id.trim();
  return {
    id: trimmed,
    title: title ?? trimmed,
    status,
    assignee: read.field('assignee') ?? null,
    from: read.field('from') ?? null,
    priority,
    depends_on: dependsOn,
    created: read.field('created') ?? null,
    updated: read.field('updated') ?? null,
  };
}

interface FieldReader {
  /** The field's line, or the front matter's opening line for a field that is not there. */
  lineOf(key: string): number;
  /** The field checked by its schema; a bad value is reported at its line and read as absent. */
  field<K extends TaskField>(key: K): z.output<(typeof FIELD_SCHEMAS)[K]> | undefined;
}

/** Every field is read through its schema, so one bad value costs a diagnostic, never the task. */
function fieldReader(data: Record<string, unknown>, front: FrontMatterBlock, fieldLines: ReadonlyMap<string, number>, report: Report): FieldReader {
  const lineOf = (key: string): number => fieldLines.get(key) ?? front.openLine;
  const field = <K extends TaskField>(key: K): z.output<(typeof FIELD_SCHEMAS)[K]> | undefined => {
    const value = Object.hasOwn(data, key) ? data[key] : undefined;
    if (value === undefined) return undefined;
    const result = FIELD_SCHEMAS[key].safeParse(value);
    if (result.success) {
      if (key === 'title' && typeof value !== 'string')
        report(lineOf(key), 'warning', 'type-coerced', `"title" should be text; ${JSON.stringify(value)} is read as "${String(value)}".`);
      return result.data as z.output<(typeof FIELD_SCHEMAS)[K]>;
    }
    const issue = result.error.issues[0];
    report(lineOf(key), 'error', 'field-invalid', `"${key}" ${issue?.message ?? 'is invalid'} (found ${describe(value)}).`);
    return undefined;
  };
  return { lineOf, field };
}

/** The id: the file name's wins (tools find a task by it), the front matter's must agree; null when neither has one. */
function taskIdOf(data: Record<string, unknown>, file: string, front: FrontMatterBlock, read: FieldReader, report: Report): string | null {
  const nameId = taskIdFromFileName(file);
  const frontId = read.field('id');
  if (frontId === undefined && data.id === undefined) {
    report(
      front.openLine + 1,
      'error',
      'id-missing',
      nameId === null ? 'The task has no "id" (TASK-<n>) and its file name carries none.' : `The task has no "id"; add "id: ${nameId}" to match its file name.`,
    );
  } else if (frontId !== undefined && nameId !== null && frontId !== nameId) {
    report(read.lineOf('id'), 'error', 'id-mismatch', `"id: ${frontId}" does not match the file name's ${nameId}; the file name wins. Make them agree.`);
  } else if (frontId !== undefined && nameId === null) {
    report(1, 'warning', 'file-name', `Task files are named ${frontId}-<slug>.md; this one is not, so tools may not find it by id.`);
  }
  return nameId ?? frontId ?? null;
}

/** The status, hand-typed variants mapped onto the closed set; missing or unknown reads as todo (the task still counts). */
function statusOf(data: Record<string, unknown>, front: FrontMatterBlock, read: FieldReader, report: Report): TaskStatus {
  const raw = data.status === undefined ? undefined : read.field('status');
  if (raw === undefined) {
    if (data.status === undefined) report(front.closeLine, 'warning', 'status-missing', 'The task has no "status"; it is read as todo.');
    return 'todo';
  }
  const normal = normalizeStatus(raw);
  if (normal !== null) return normal;
  report(
    read.lineOf('status'),
    'error',
    'status-unknown',
    `Unknown status "${raw}"; use one of todo, in_progress, blocked, review, done, cancelled. It is read as todo.`,
  );
  return 'todo';
}

/** The priority, hand-typed variants mapped; missing or unknown reads as medium. */
function priorityOf(data: Record<string, unknown>, read: FieldReader, report: Report): TaskPriority {
  const raw = data.priority === undefined ? undefined : read.field('priority');
  if (raw === undefined) return 'medium';
  const normal = normalizePriority(raw);
  if (normal !== null) return normal;
  report(read.lineOf('priority'), 'warning', 'priority-unknown', `Unknown priority "${raw}"; use low, medium, high or critical. It is read as medium.`);
  return 'medium';
}

function finish(text: string, file: string, task: Task | null, bodyStart: number, diagnostics: Diagnostic[], fieldLines: Record<string, number>): TaskDoc {
  const body = outline(text, bodyStart);
  for (const range of body.skipped ?? []) diagnostics.push(skippedDiagnostic(file, range));
  for (const range of body.codeBoxes ?? []) diagnostics.push(codeBoxDiagnostic(file, range));
  const logRange = logSection(body);
  const inLog = (start: number): boolean => logRange !== null && start > logRange.start && start < logRange.end;
  const checklist = body.items.filter((item) => item.checked !== null && !inLog(item.start)).map((item) => ({ checked: item.checked === true }));
  const log = body.items.filter((item) => item.depth === 0 && inLog(item.start)).map((item) => logEntry(text, item));
  return {
    file,
    task,
    progress: progressOf(checklist),
    log,
    diagnostics: [...diagnostics].sort((a, b) => a.line - b.line),
    editable: !diagnostics.some((diagnostic) => UNSAFE_TO_EDIT.has(diagnostic.code)),
    fieldLines,
  };
}

/** The `## Log` section's offsets: from its heading to the next heading at its depth or above. */
export function logSection(body: Outline): { start: number; end: number; depth: number; line: number } | null {
  const index = body.headings.findIndex((heading) => /^log:?$/i.test(heading.text.trim()));
  const heading = body.headings[index];
  if (heading === undefined) return null;
  const next = body.headings.slice(index + 1).find((later) => later.depth <= heading.depth);
  return { start: heading.start, end: next?.start ?? Infinity, depth: heading.depth, line: heading.line };
}

const LOG_LINE = /^(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)(?:[ \t]+|$)([\s\S]*)$/;
const LOG_WHO = /^([A-Za-z][A-Za-z0-9_.@-]{0,63}):[ \t]*([\s\S]*)$/;

function logEntry(text: string, item: Outline['items'][number]): TaskLogEntry {
  const indent = ' '.repeat(item.contentIndent);
  const raw = text
    .slice(item.textStart, item.end)
    .replace(/\r/g, '')
    .split('\n')
    .map((line, index) => (index === 0 ? line : line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()))
    .join('\n')
    .trim();
  const dated = LOG_LINE.exec(raw);
  const rest = dated?.[2] ?? raw;
  const who = LOG_WHO.exec(rest);
  const said = (who?.[2] ?? rest).trim();
  return { line: item.line, at: dated?.[1] ?? null, from: who?.[1] ?? null, to: mentions(said)[0] ?? null, text: said };
}

function brokenTask(file: string, diagnostics: Diagnostic[]): TaskDoc {
  return { file, task: null, progress: { done: 0, total: 0 }, log: [], diagnostics, editable: false };
}

/** js-yaml reads `2026-11-21` as a Date at UTC midnight: give back what was written. */
function isoOfYamlDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return 'Invalid Date';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

function describe(value: unknown): string {
  if (value instanceof Date) return 'a date';
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'nothing';
  if (typeof value === 'object') return 'a nested mapping';
  return JSON.stringify(value).slice(0, 60);
}

/** Problems only visible across all of a session's task files: duplicate ids, unknown dependencies. */
export function checkTaskSet(docs: readonly TaskDoc[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const byId = new Map<string, TaskDoc[]>();
  for (const doc of docs) {
    if (doc.task === null) continue;
    byId.set(doc.task.id, [...(byId.get(doc.task.id) ?? []), doc]);
  }
  for (const [id, holders] of byId) {
    if (holders.length < 2) continue;
    for (const doc of holders) {
      const others = holders.filter((other) => other !== doc).map((other) => other.file);
      diagnostics.push({
        file: doc.file,
        line: doc.fieldLines?.id ?? 1,
        severity: 'error',
        code: 'duplicate-id',
        message: `${id} is also used by ${others.join(', ')}; give each task its own id.`,
      });
    }
  }
  for (const doc of docs) {
    for (const dep of doc.task?.depends_on ?? []) {
      if (dep === doc.task?.id) {
        diagnostics.push({
          file: doc.file,
          line: doc.fieldLines?.depends_on ?? 1,
          severity: 'warning',
          code: 'depends-on-self',
          message: `${dep} depends on itself.`,
        });
      } else if (!byId.has(dep)) {
        diagnostics.push({
          file: doc.file,
          line: doc.fieldLines?.depends_on ?? 1,
          severity: 'warning',
          code: 'depends-on-unknown',
          message: `depends_on names ${dep}, but no task file has that id.`,
        });
      }
    }
  }
  return diagnostics;
}
