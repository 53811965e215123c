import { describe, expect, it } from 'vitest';
import { sessionDiagnostics, type DiagnosticsInput } from '../../src/hub/diagnostics.js';
import { parseTask, parseTodo } from '../../src/protocol/index.js';
import type { Diagnostic } from '../../src/protocol/types.js';

const task = (file: string, id: string, assignee: string): DiagnosticsInput['tasks'] extends ReadonlyMap<string, infer E> ? [string, E] : never => [
  file,
  { doc: parseTask(`---\nid: ${id}\ntitle: T\nstatus: todo\nassignee: ${assignee}\npriority: medium\n---\n`, file), assigneeLine: 5 },
];

function input(overrides: Partial<DiagnosticsInput> = {}): DiagnosticsInput {
  return {
    todo: parseTodo('# Plan\n\n- [ ] a (TASK-1)\n- [ ] b (TASK-9)\n', 'TODO.md', { agents: ['Agent_1'] }),
    tasks: new Map([task('.claude-hub/tasks/TASK-2.md', 'TASK-2', 'Ghost'), task('.claude-hub/tasks/TASK-1.md', 'TASK-1', 'Agent_1')]),
    agents: new Set(['Agent_1']),
    watch: [],
    hooks: [],
    ...overrides,
  };
}

const codes = (list: readonly Diagnostic[]): string[] => list.map((d) => `${d.file}:${d.line}:${d.code}`);

describe('sessionDiagnostics', () => {
  it('warns an unknown assignee (on its line) and a TODO item naming a task no file has', () => {
    expect(codes(sessionDiagnostics(input()))).toEqual(['.claude-hub/tasks/TASK-2.md:5:assignee-unknown', 'TODO.md:4:task-ref-unknown']);
  });

  it('checks no assignee when the team is not known', () => {
    expect(codes(sessionDiagnostics(input({ agents: null })))).toEqual(['TODO.md:4:task-ref-unknown']);
  });

  it('a broken task file does not make its id known to TODO items', () => {
    const tasks = new Map([['.claude-hub/tasks/TASK-9.md', { doc: parseTask('no front matter\n', '.claude-hub/tasks/TASK-9.md'), assigneeLine: 1 }]]);
    const list = sessionDiagnostics(input({ tasks }));
    expect(list.filter((d) => d.code === 'task-ref-unknown').map((d) => d.message)).toEqual([
      'The item names TASK-1, but no task file has that id.',
      'The item names TASK-9, but no task file has that id.',
    ]);
  });

  it('most severe first, in the order found within a severity; the list is frozen', () => {
    const watch: Diagnostic[] = [{ file: 'TODO.md', line: 1, severity: 'error', code: 'file-unreadable', message: 'x' }];
    const hooks: Diagnostic[] = [{ file: 'Agent_1.jsonl', line: 3, severity: 'info', code: 'hook-line-too-long', message: 'y' }];
    const list = sessionDiagnostics(input({ watch, hooks }));
    expect(list.map((d) => d.code)).toEqual(['file-unreadable', 'assignee-unknown', 'task-ref-unknown', 'hook-line-too-long']);
    expect(Object.isFrozen(list)).toBe(true);
  });
});
