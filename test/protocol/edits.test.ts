/**
 * Property tests of the editors: on random documents (CRLF or LF, with or without BOM, with the
 * traps of real files) every edit changes exactly what it targets, parse(edit(x)) differs from
 * parse(x) by exactly the intended change, and every other byte is identical.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addTodoItem,
  appendTaskLog,
  parseTask,
  parseTodo,
  renderTask,
  setTaskFields,
  toggleTodoItem,
  TASK_STATUSES,
  TASK_PRIORITIES,
} from '../../src/protocol/index.js';
import { HubError } from '../../src/errors.js';

const TEMPLATE = readFileSync(join(import.meta.dirname, '../../templates/task.md'), 'utf8');

const TODO_LINES = [
  '- [ ] open item TASK-1',
  '- [x] done item @Agent_2',
  '  - [X] nested done',
  '    - [ ] nested twice',
  '* [ ] star item',
  '1. [ ] ordered item',
  '## Agent_1 — backend',
  '## Agent_2',
  '### Notes',
  '# Plan',
  'paragraph text',
  '| a | b |',
  '| - | - |',
  '```',
  '- [ ] fake in fence?',
  '<!-- - [ ] comment -->',
  '> quoted',
  '---',
  '',
  '',
];

/** Split points where the two strings differ: [common prefix length, common suffix length]. */
function diffBounds(a: string, b: string): { prefix: number; suffix: number } {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return { prefix, suffix };
}

const docArb = fc
  .tuple(fc.array(fc.constantFrom(...TODO_LINES), { maxLength: 25 }), fc.boolean(), fc.boolean(), fc.boolean())
  .map(
    ([lines, crlf, bom, finalNewline]) =>
      (bom ? '\uFEFF' : '') + lines.join(crlf ? '\r\n' : '\n') + (finalNewline && lines.length > 0 ? (crlf ? '\r\n' : '\n') : ''),
  );

const itemView = (doc: ReturnType<typeof parseTodo>) =>
  doc.items.map((item) => ({ text: item.text, checked: item.checked, depth: item.depth, assignee: item.assignee }));

describe('parsers never throw', () => {
  it('on arbitrary strings, as TODO.md and as a task file', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 }), docArb), (text) => {
        const todo = parseTodo(text, 'TODO.md');
        const task = parseTask(text, '.claude-hub/tasks/TASK-1-x.md');
        const lines = text.split('\n').length;
        for (const d of [...todo.diagnostics, ...task.diagnostics]) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lines);
        }
        expect(todo.progress.done).toBeLessThanOrEqual(todo.progress.total);
      }),
      { numRuns: 400 },
    );
  });

  it('on front matter made of random YAML-ish lines', () => {
    const yamlLine = fc.oneof(
      fc.constantFrom(
        'id: TASK-1',
        'title: x',
        'status: wip',
        'status: [a',
        'a: &x 1',
        'b: *y',
        '- item',
        '  nested: 1',
        '? complex',
        'title: "unterminated',
        '%TAG ! x',
        '!!binary aGk=',
        '__proto__: 1',
        'constructor: {}',
      ),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(yamlLine, { maxLength: 12 }), (lines) => {
        const doc = parseTask(`---\n${lines.join('\n')}\n---\n- [ ] x\n`, 'TASK-1-x.md');
        expect(doc.progress.total).toBe(1);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });
});

describe('hostile size', () => {
  it('a huge block of markdown only remark could parse is read line by line, reported with its cause, and the rest still parses', () => {
    const quote = Array.from({ length: 20_000 }, (_, i) => `> - [ ] quoted ${i}`).join('\n');
    const text = `## Agent_1\n\n- [ ] before\n\n${quote}\n\n## Agent_2\n\n- [x] after\n`;
    const doc = parseTodo(text, 'TODO.md');
    expect(doc.diagnostics).toEqual([expect.objectContaining({ code: 'too-complex', severity: 'warning', line: 5 })]);
    expect(doc.diagnostics[0]?.message).toContain('line 5 has a block quote');
    // Nothing a person wrote disappears: the quoted items are read too (items in quotes count).
    expect(doc.items).toHaveLength(20_002);
    expect(doc.items.map((item) => [item.text, item.assignee]).filter(([text]) => !String(text).startsWith('quoted'))).toEqual([
      ['before', 'Agent_1'],
      ['after', 'Agent_2'],
    ]);
    expect(doc.items[20_000]).toMatchObject({ text: 'quoted 19999', line: 20_004, assignee: 'Agent_1' });
    expect(toggleTodoItem(text, 'TODO.md', 3, true)).toBe(text.replace('- [ ] before', '- [x] before'));
  });
});

describe('toggleTodoItem', () => {
  it('changes exactly the one checkbox character and nothing else', () => {
    fc.assert(
      fc.property(docArb, fc.nat(), fc.boolean(), (text, pick, checked) => {
        const before = parseTodo(text, 'TODO.md');
        fc.pre(before.items.length > 0);
        const target = before.items[pick % before.items.length];
        if (target === undefined) return;
        const result = toggleTodoItem(text, 'TODO.md', target.line, checked);
        const after = parseTodo(result, 'TODO.md');
        const expected = itemView(before).map((item, index) => (before.items[index] === target ? { ...item, checked } : item));
        expect(itemView(after)).toEqual(expected);
        expect(result.length).toBe(text.length);
        const { prefix, suffix } = diffBounds(text, result);
        if (result !== text) {
          expect(prefix).toBe(target.checkbox.start + 1);
          expect(prefix + suffix + 1).toBe(text.length);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a line without an item (INVALID_ARGUMENT) and a binary file (NOT_EDITABLE)', () => {
    expect(() => toggleTodoItem('# x\n- [ ] a\n', 'TODO.md', 1, true)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => toggleTodoItem('- [ ] a\u0000\n', 'TODO.md', 1, true)).toThrow(expect.objectContaining({ code: 'NOT_EDITABLE' }));
  });
});

describe('addTodoItem', () => {
  const agentArb = fc.constantFrom('Agent_1', 'Agent_2', 'Agent_7', 'reviewer');
  const itemArb = fc
    .stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,.()'-]{0,40}$/)
    .map((text) => text.trim())
    .filter((text) => text !== '');

  it('inserts one line into the agent section (or a new section) and leaves every other byte', () => {
    let inserted = 0;
    fc.assert(
      fc.property(docArb, agentArb, itemArb, (text, agent, item) => {
        const before = parseTodo(text, 'TODO.md');
        let result: string;
        try {
          result = addTodoItem(text, 'TODO.md', agent, item);
        } catch (error) {
          // Only a document whose structure swallows appended text (an open fence) is refused.
          expect(error).toBeInstanceOf(HubError);
          expect((error as HubError).code).toBe('NOT_EDITABLE');
          return;
        }
        inserted++;
        const { prefix, suffix } = diffBounds(text, result);
        expect(prefix + suffix).toBe(text.length); // a pure insertion
        const added = result.slice(prefix, result.length - suffix);
        expect(added).toContain(`[ ] ${item}`);
        expect(added.includes('\r\n') || !text.includes('\r\n') || !added.includes('\n')).toBe(true);
        const after = parseTodo(result, 'TODO.md');
        const oldItems = itemView(before);
        const newItems = itemView(after);
        expect(newItems).toHaveLength(oldItems.length + 1);
        const at = newItems.findIndex((candidate, index) => JSON.stringify(candidate) !== JSON.stringify(oldItems[index]));
        expect(newItems.filter((_, index) => index !== at)).toEqual(oldItems);
        expect(newItems[at]).toMatchObject({ text: item, checked: false, assignee: agent });
      }),
      { numRuns: 400 },
    );
    expect(inserted).toBeGreaterThan(100);
  });

  it('rejects bad names and multi-line items with the exact code', () => {
    expect(() => addTodoItem('', 'TODO.md', '1bad', 'x')).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
    expect(() => addTodoItem('', 'TODO.md', 'Agent_1', 'two\nlines')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => addTodoItem('', 'TODO.md', 'Agent_1', '   ')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => addTodoItem('- [ ] a\n```\n', 'TODO.md', 'Agent_1', 'x')).toThrow(expect.objectContaining({ code: 'NOT_EDITABLE' }));
  });

  it('keeps CRLF, the BOM and the bullet style of the section', () => {
    const text = '\uFEFF# Plan\r\n\r\n## Agent_1\r\n\r\n* [ ] a\r\n\r\n## Agent_2\r\n- [ ] b\r\n';
    expect(addTodoItem(text, 'TODO.md', 'Agent_1', 'new')).toBe('\uFEFF# Plan\r\n\r\n## Agent_1\r\n\r\n* [ ] a\r\n* [ ] new\r\n\r\n## Agent_2\r\n- [ ] b\r\n');
    expect(addTodoItem(text, 'TODO.md', 'Agent_3', 'new')).toBe(`${text}\r\n## Agent_3\r\n\r\n- [ ] new\r\n`);
  });
});

const taskArb = fc
  .record({
    title: fc.constantFrom('Plain title', 'Fix: the "login" page # now', 'true', '123', "it's", 'Ünïcödé ✓'),
    status: fc.constantFrom(...TASK_STATUSES),
    assignee: fc.constantFrom('Agent_1', 'Agent_2', null),
    priority: fc.constantFrom(...TASK_PRIORITIES),
    crlf: fc.boolean(),
    extra: fc.constantFrom('', 'estimate: 3d  # a comment\n', 'labels:\n  - a\n  - b\n'),
    body: fc.constantFrom('', 'Body.\n\n- [ ] one\n- [x] two', '| t | x |\n| - | - |\n| [ ] | y |', '<!-- keep me -->\n- [ ] step'),
  })
  .map(({ crlf, extra, ...task }) => {
    let text = renderTask(TEMPLATE, { id: 'TASK-4', created: '2026-11-21', ...task });
    if (extra !== '') text = text.replace('\n---\n', `\n${extra}---\n`);
    return crlf ? text.replace(/\n/g, '\r\n') : text;
  });

describe('setTaskFields', () => {
  const fieldsArb = fc.record(
    {
      status: fc.constantFrom(...TASK_STATUSES),
      assignee: fc.constantFrom('Agent_3', 'reviewer', null),
      priority: fc.constantFrom(...TASK_PRIORITIES),
      title: fc.constantFrom('New: title', 'x # y', '"quoted"', 'null', 'Plain'),
      depends_on: fc.constantFrom([], ['TASK-1'], ['TASK-1', 'TASK-2']),
      updated: fc.constantFrom('2026-11-22', '2026-11-22T10:00:00Z', '2026-11-22 10:00'),
    },
    { requiredKeys: [] },
  );

  it('changes exactly the named fields; the body and other keys keep every byte', () => {
    fc.assert(
      fc.property(taskArb, fieldsArb, (text, fields) => {
        const before = parseTask(text, 'TASK-4-x.md');
        const result = setTaskFields(text, 'TASK-4-x.md', fields);
        const after = parseTask(result, 'TASK-4-x.md');
        expect(after.task).toEqual({ ...before.task, ...fields });
        expect(after.diagnostics).toEqual(
          before.diagnostics.map((d) => ({ ...d, line: after.diagnostics.find((a) => a.code === d.code && a.message === d.message)?.line ?? d.line })),
        );
        const bodyBefore = text.slice(text.indexOf('---', 3));
        const bodyAfter = result.slice(result.indexOf('---', 3));
        expect(bodyAfter).toBe(bodyBefore);
        const keptLines = text.split('\n').filter((line) => !Object.keys(fields).some((key) => line.startsWith(`${key}:`)));
        for (const line of keptLines) expect(result.split('\n')).toContain(line);
        expect(result.includes('\r\n')).toBe(text.includes('\r\n'));
      }),
      { numRuns: 300 },
    );
  });

  it('adds missing keys before the closing --- and keeps a trailing comment', () => {
    const text = '---\nid: TASK-4\ntitle: T\nstatus: wip  # waiting\n---\nbody\n';
    expect(setTaskFields(text, 'TASK-4-t.md', { status: 'done', assignee: 'Agent_2' })).toBe(
      '---\nid: TASK-4\ntitle: T\nstatus: done  # waiting\nassignee: Agent_2\n---\nbody\n',
    );
  });

  it('rejects bad values with the exact code and refuses files that did not parse', () => {
    const text = '---\nid: TASK-4\ntitle: T\n---\n';
    expect(() => setTaskFields(text, 'TASK-4-t.md', { status: 'later' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => setTaskFields(text, 'TASK-4-t.md', { title: 'two\nlines' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => setTaskFields(text, 'TASK-4-t.md', { assignee: 'no spaces allowed' })).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
    expect(() => setTaskFields(text, 'TASK-4-t.md', { depends_on: ['4'] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => setTaskFields('---\ntitle: a: b\n---\n', 'TASK-4-t.md', { status: 'done' })).toThrow(expect.objectContaining({ code: 'NOT_EDITABLE' }));
    expect(() => setTaskFields('no front matter\n', 'TASK-4-t.md', { status: 'done' })).toThrow(expect.objectContaining({ code: 'NOT_EDITABLE' }));
  });
});

describe('appendTaskLog', () => {
  const entryArb = fc.record(
    {
      at: fc.constantFrom('2026-11-21 14:03', '2026-11-21T14:03:00Z', '2026-11-21'),
      who: fc.constantFrom('Agent_1', 'person'),
      to: fc.constantFrom('Agent_2', 'Agent_3'),
      text: fc.constantFrom(
        'hello',
        'two\nlines',
        'with `code` and **bold**',
        'para one\n\npara two',
        '- looks like a list\n## looks like a heading?',
        '```\nfenced\n```',
      ),
    },
    { requiredKeys: ['at', 'who', 'text'] },
  );

  it('adds exactly one entry at the end of the log and keeps every other byte', () => {
    fc.assert(
      fc.property(taskArb, fc.array(entryArb, { minLength: 1, maxLength: 3 }), (text, entries) => {
        let current = text;
        for (const entry of entries) {
          const before = parseTask(current, 'TASK-4-x.md');
          const next = appendTaskLog(current, 'TASK-4-x.md', entry);
          const after = parseTask(next, 'TASK-4-x.md');
          expect(after.task).toEqual(before.task);
          expect(after.progress).toEqual(before.progress);
          expect(after.log.slice(0, -1)).toEqual(before.log);
          const last = after.log[after.log.length - 1];
          expect(last).toMatchObject({ at: entry.at, from: entry.who, to: entry.to ?? null });
          const { prefix, suffix } = diffBounds(current, next);
          expect(prefix + suffix).toBe(current.length);
          current = next;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('creates ## Log when missing and rejects bad entries with the exact code', () => {
    const text = '---\nid: TASK-4\ntitle: T\n---\nbody';
    expect(appendTaskLog(text, 'TASK-4-t.md', { at: '2026-11-21 14:03', who: 'Agent_1', to: 'Agent_2', text: 'hi' })).toBe(
      `${text}\n\n## Log\n\n- 2026-11-21 14:03 Agent_1: @Agent_2 hi\n`,
    );
    expect(() => appendTaskLog(text, 'TASK-4-t.md', { at: 'now', who: 'Agent_1', text: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => appendTaskLog(text, 'TASK-4-t.md', { at: '2026-11-21', who: 'Agent 1', text: 'x' })).toThrow(
      expect.objectContaining({ code: 'INVALID_NAME' }),
    );
    expect(() => appendTaskLog(text, 'TASK-4-t.md', { at: '2026-11-21', who: 'Agent_1', text: ' \n ' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => appendTaskLog(text, 'TASK-4-t.md', { at: '2026-11-21', who: 'Agent_1', text: 'x'.repeat(100_001) })).toThrow(
      expect.objectContaining({ code: 'TOO_LARGE' }),
    );
    expect(() => appendTaskLog('# no front matter\n', 'TASK-4-t.md', { at: '2026-11-21', who: 'Agent_1', text: 'x' })).toThrow(
      expect.objectContaining({ code: 'NOT_EDITABLE' }),
    );
  });
});

describe('renderTask', () => {
  it('quotes hostile titles so they read back exactly, and rejects what YAML cannot hold', () => {
    for (const title of [
      'a: b',
      '# not a comment',
      'quote \' and " both',
      '[not, a, list]',
      '{not: map}',
      '&anchor',
      '*alias',
      '!tag',
      '@at',
      '`tick',
      'yes',
      '~',
      '2026-11-21',
      '0x1F',
      '-dash',
      '? q',
      '| pipe',
      '> fold',
      '%percent',
    ]) {
      const text = renderTask(TEMPLATE, { id: 'TASK-9', title, created: '2026-11-21' });
      expect(parseTask(text, 'TASK-9-x.md').task?.title).toBe(title);
    }
    expect(() => renderTask(TEMPLATE, { id: 'TASK-9', title: 'two\nlines', created: '2026-11-21' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => renderTask(TEMPLATE, { id: 'TASK-x', title: 't', created: '2026-11-21' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => renderTask(TEMPLATE, { id: 'TASK-9', title: 't', created: 'today' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => renderTask('no placeholders', { id: 'TASK-9', title: 't', created: '2026-11-21' })).toThrow(expect.objectContaining({ code: 'CONFIG_ERROR' }));
  });

  it('does not expand placeholders inside values', () => {
    const text = renderTask(TEMPLATE, { id: 'TASK-9', title: 'see {{id}}', created: '2026-11-21', body: 'body with {{title}}' });
    expect(text).toContain('title: "see {{id}}"');
    expect(text).toContain('body with {{title}}');
  });
});

describe('addTodoItem placement', () => {
  it('goes at the end of the section’s own lines, before its sub-headings', () => {
    const text = '## Agent_1\n\n- [ ] a\n\n### notes\n\n- [ ] b\n\n## Agent_2\n';
    expect(addTodoItem(text, 'TODO.md', 'Agent_1', 'new')).toBe('## Agent_1\n\n- [ ] a\n- [ ] new\n\n### notes\n\n- [ ] b\n\n## Agent_2\n');
    expect(addTodoItem('## Agent_1\n### notes\n', 'TODO.md', 'Agent_1', 'new')).toBe('## Agent_1\n\n- [ ] new\n### notes\n');
    expect(addTodoItem('# Plan\n', 'TODO.md', 'reviewer', 'look')).toBe('# Plan\n\n## @reviewer\n\n- [ ] look\n');
  });
});
