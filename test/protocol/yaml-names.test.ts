/**
 * Issue 18, item 4: names and titles that YAML reads as something other than text (booleans,
 * null, numbers, dates, …) are written quoted, so they read back exactly — through the task
 * template (create_task) and through front-matter edits (update_task).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTask, renderTask, setTaskFields } from '../../src/protocol/index.js';
import { AGENT_NAME_PATTERN } from '../../src/protocol/types.js';

const TEMPLATE = readFileSync(join(import.meta.dirname, '../../templates/task.md'), 'utf8');

/** Every plain scalar YAML 1.1 or 1.2 reads as a non-string, in the spellings the specs list. */
const YAML_SPECIALS = [
  // booleans (1.2 core; 1.1 adds yes/no/on/off/y/n)
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  'yes',
  'Yes',
  'YES',
  'no',
  'No',
  'NO',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
  'y',
  'Y',
  'n',
  'N',
  // null
  'null',
  'Null',
  'NULL',
  '~',
  // numbers: ints in every base, floats, infinities, NaN, 1.1 sexagesimal and underscores
  '0',
  '12',
  '-3',
  '+7',
  '0o17',
  '017',
  '0x1F',
  '0b101',
  '1_000',
  '1.5',
  '-0.5',
  '.5',
  '1e3',
  '6.8523015e+5',
  '190:20:30',
  '.inf',
  '-.inf',
  '+.inf',
  '.Inf',
  '.INF',
  '.nan',
  '.NaN',
  '.NAN',
  // dates and timestamps
  '2026-11-21',
  '2026-1-2',
  '2026-11-21T14:03:00Z',
  '2026-11-21 14:03:00 +01:00',
  // merge and value keys, and indicators that start something else
  '<<',
  '=',
  '- x',
  '? x',
  ': x',
  '!tag',
  '&anchor',
  '*alias',
  '@at',
  '`tick',
  '%TAG',
  '|',
  '>',
  '#not a comment',
  '[a, b]',
  '{a: b}',
  "'single'",
  '"double"',
  'a: b',
  'a #b',
  ' leading',
  'trailing ',
];

const NAMES = YAML_SPECIALS.filter((value) => AGENT_NAME_PATTERN.test(value));

describe('YAML-looking values round-trip exactly', () => {
  it('covers the names a person can pick (every boolean and null spelling)', () => {
    expect(NAMES.sort()).toEqual(
      [
        'FALSE',
        'False',
        'N',
        'NO',
        'NULL',
        'No',
        'Null',
        'OFF',
        'ON',
        'Off',
        'On',
        'TRUE',
        'True',
        'Y',
        'YES',
        'Yes',
        'false',
        'n',
        'no',
        'null',
        'off',
        'on',
        'true',
        'y',
        'yes',
      ].sort(),
    );
  });

  it.each(NAMES)('%s as assignee and from: created and edited, read back as the same text, written quoted', (name) => {
    const text = renderTask(TEMPLATE, { id: 'TASK-3', title: name, assignee: name, from: name, created: '2026-11-21' });
    const doc = parseTask(text, 'TASK-3.md');
    expect(doc.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(doc.task).toMatchObject({ title: name, assignee: name, from: name });
    // Quoted for every YAML reader, not only for the one the hub uses.
    expect(text).toContain(`assignee: "${name}"\n`);
    expect(text).toContain(`from: "${name}"\n`);

    const edited = setTaskFields(text, 'TASK-3.md', { assignee: name, from: name, title: name });
    expect(parseTask(edited, 'TASK-3.md').task).toMatchObject({ title: name, assignee: name, from: name });
  });

  it.each(YAML_SPECIALS)('title %j: created and edited, read back as the same text', (title) => {
    const text = renderTask(TEMPLATE, { id: 'TASK-4', title, created: '2026-11-21' });
    expect(parseTask(text, 'TASK-4.md').task?.title).toBe(title.trim());
    const plain = renderTask(TEMPLATE, { id: 'TASK-4', title: 'plain', created: '2026-11-21' });
    const edited = setTaskFields(plain, 'TASK-4.md', { title });
    const doc = parseTask(edited, 'TASK-4.md');
    expect(doc.task?.title).toBe(title.trim());
    expect(doc.diagnostics.filter((d) => d.code === 'type-coerced' || d.severity === 'error')).toEqual([]);
  });

  it('plain names stay plain (no needless quotes)', () => {
    const text = renderTask(TEMPLATE, { id: 'TASK-5', title: 'Fix the parser', assignee: 'Agent_2', from: 'user', created: '2026-11-21' });
    expect(text).toContain('assignee: Agent_2\n');
    expect(text).toContain('from: user\n');
    expect(text).toContain('title: Fix the parser\n');
  });

  it('from may be a handle (jane.doe, ops@host): written, read back, and a log line by it parses as hers', async () => {
    const { appendTaskLog } = await import('../../src/protocol/index.js');
    const text = renderTask(TEMPLATE, { id: 'TASK-6', title: 'Handles', from: 'jane.doe', created: '2026-11-21' });
    expect(parseTask(text, 'TASK-6.md').task?.from).toBe('jane.doe');
    const logged = appendTaskLog(text, 'TASK-6.md', { at: '2026-11-21 10:00', who: 'ops@host', text: 'looked at it' });
    expect(parseTask(logged, 'TASK-6.md').log.at(-1)).toMatchObject({ from: 'ops@host', text: 'looked at it' });
  });
});
