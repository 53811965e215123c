import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  agentInHeading,
  mentions,
  normalizePriority,
  normalizeStatus,
  renderTask,
  parseTask,
  slugify,
  taskIdFromFileName,
  taskRefs,
} from '../../src/protocol/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('normalizeStatus', () => {
  it.each([
    ['todo', 'todo'],
    ['To Do', 'todo'],
    ['open', 'todo'],
    ['In Progress', 'in_progress'],
    ['in-progress', 'in_progress'],
    ['IN_PROGRESS', 'in_progress'],
    ['wip', 'in_progress'],
    ['WIP', 'in_progress'],
    ['doing', 'in_progress'],
    ['blocked', 'blocked'],
    ['On Hold', 'blocked'],
    ['review', 'review'],
    ['In Review', 'review'],
    ['DONE', 'done'],
    ['Done.', 'done'],
    ['complete', 'done'],
    ['completed', 'done'],
    ['finished', 'done'],
    ['canceled', 'cancelled'],
    ["won't fix", 'cancelled'],
  ])('%s → %s', (raw, status) => {
    expect(normalizeStatus(raw)).toBe(status);
  });

  it('unknown words, prototype names and non-strings are null', () => {
    for (const raw of ['someday', '', 'constructor', '__proto__', 'toString', 'done done']) expect(normalizeStatus(raw)).toBeNull();
    expect(normalizeStatus(42 as unknown as string)).toBeNull();
    expect(normalizePriority('URGENT')).toBe('critical');
    expect(normalizePriority('constructor')).toBeNull();
  });
});

describe('names', () => {
  it('task ids come from file names only when the name is TASK-<n>[-slug].md', () => {
    expect(taskIdFromFileName('TASK-12-fix-login.md')).toBe('TASK-12');
    expect(taskIdFromFileName('.claude-hub/tasks/TASK-7.md')).toBe('TASK-7');
    for (const name of ['task-12-x.md', 'TASK-12-x.txt', '.TASK-1-x.md.tmp-1-ab', 'TASK-x.md', 'TASK-1234567890-x.md'])
      expect(taskIdFromFileName(name)).toBeNull();
  });

  it('slugify gives a safe, bounded, non-empty file-name part for any title', () => {
    expect(slugify('Fix: the "Login" page — now!')).toBe('fix-the-login-page-now');
    expect(slugify('Crème brûlée')).toBe('creme-brulee');
    expect(slugify('中文')).toBe('task');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (title) => {
        const slug = slugify(title);
        expect(slug).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
        expect(slug.length).toBeLessThanOrEqual(48);
      }),
    );
  });

  it('mentions skip e-mail addresses; task refs are whole ids, once each; headings name agents', () => {
    expect(mentions('ask @Agent_2 and mail bob@example.com or @reviewer.')).toEqual(['Agent_2', 'reviewer']);
    expect(taskRefs('TASK-1, TASK-12 and TASK-1 again; not XTASK-3 or TASK-4x')).toEqual(['TASK-1', 'TASK-12']);
    expect(agentInHeading('2. 🤖 Agent_3: infra')).toBe('Agent_3');
    expect(agentInHeading('Design (@alice)')).toBe('alice');
    expect(agentInHeading('Backend by bob', ['bob'])).toBe('bob');
    expect(agentInHeading('Backlog')).toBeNull();
  });

  it('any one-line title renders to a task whose title reads back exactly', () => {
    const template = readFileSync(join(import.meta.dirname, '../../templates/task.md'), 'utf8');
    fc.assert(
      fc.property(
        fc
          .string({ unit: 'grapheme', minLength: 1, maxLength: 80 })
          .filter((title) => title.trim() !== '' && !/[\u0000-\u0008\u000a-\u001f\u007f\uFFFD]/.test(title)),
        (title) => {
          const text = renderTask(template, { id: 'TASK-3', title, created: '2026-11-21' });
          expect(parseTask(text, 'TASK-3-x.md').task?.title).toBe(title.trim());
        },
      ),
      { numRuns: 300 },
    );
  });
});
