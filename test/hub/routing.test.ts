import { describe, expect, it } from 'vitest';
import { routeTaskChange } from '../../src/hub/routing.js';
import type { TaskDoc, TaskStatus, TaskLogEntry } from '../../src/protocol/types.js';

const FILE = '.claude-hub/tasks/TASK-12-fix-login.md';

function doc(fields: { status?: TaskStatus; assignee?: string | null; from?: string | null }, log: Partial<TaskLogEntry>[] = []): TaskDoc {
  return {
    file: FILE,
    task: {
      id: 'TASK-12',
      title: 'Fix the login',
      status: fields.status ?? 'todo',
      assignee: fields.assignee ?? null,
      from: fields.from ?? 'Agent_1',
      priority: 'medium',
      depends_on: [],
      created: null,
      updated: null,
    },
    progress: { done: 0, total: 0 },
    log: log.map((l, i) => ({ line: 10 + i, at: l.at ?? null, to: l.to ?? null, text: l.text ?? '' })),
    diagnostics: [],
    editable: true,
  };
}

const route = (a: TaskDoc | null, b: TaskDoc | null) => routeTaskChange('s1', FILE, a, b).map((n) => [n.agent, n.reasons.join('+')]);

describe('routeTaskChange', () => {
  it('nudges the assignee of a new task with the protocol sentence', () => {
    const [nudge] = routeTaskChange('s1', FILE, null, doc({ assignee: 'Agent_2' }));
    expect(nudge).toEqual({
      session: 's1',
      agent: 'Agent_2',
      taskId: 'TASK-12',
      file: FILE,
      reasons: ['assigned'],
      text: 'TASK-12 from Agent_1: Fix the login; read .claude-hub/tasks/TASK-12-fix-login.md',
    });
  });

  it('nudges a new assignee, a task moved back to todo, and new addressed log lines; nothing else', () => {
    const base = doc({ assignee: 'Agent_2', status: 'in_progress' });
    expect(route(base, doc({ assignee: 'Agent_3', status: 'in_progress' }))).toEqual([['Agent_3', 'assigned']]);
    expect(route(base, doc({ assignee: 'Agent_2', status: 'todo' }))).toEqual([['Agent_2', 'reopened']]);
    expect(route(base, doc({ assignee: 'Agent_2', status: 'review' }))).toEqual([]);
    expect(route(base, base)).toEqual([]);
    const withLog = doc({ assignee: 'Agent_2', status: 'in_progress' }, [
      { text: 'Agent_1: see @Agent_4', to: 'Agent_4' },
      { text: 'note', to: null },
    ]);
    expect(route(base, withLog)).toEqual([['Agent_4', 'log']]);
    // The same log again (a rescan, a re-save) routes nothing; one more line routes once.
    expect(route(withLog, withLog)).toEqual([]);
    const more = doc({ assignee: 'Agent_2', status: 'in_progress' }, [
      { text: 'Agent_1: see @Agent_4', to: 'Agent_4' },
      { text: 'note', to: null },
      { text: 'ping @Agent_2', to: 'Agent_2' },
    ]);
    expect(route(withLog, more)).toEqual([['Agent_2', 'log']]);
  });

  it('merges reasons per agent, stays quiet for closed, unassigned, deleted and broken tasks', () => {
    expect(route(null, doc({ assignee: 'Agent_2' }, [{ text: 'hi @Agent_2', to: 'Agent_2' }]))).toEqual([['Agent_2', 'assigned+log']]);
    expect(route(null, doc({ assignee: 'Agent_2', status: 'done' }))).toEqual([]);
    expect(route(null, doc({ assignee: null }))).toEqual([]);
    expect(route(doc({ assignee: 'Agent_2' }), null)).toEqual([]);
    expect(route(null, { ...doc({}), task: null })).toEqual([]);
  });
});

describe('routeTaskChange, property', () => {
  it('the same content twice never routes, and nudges only go to the assignee or addressed agents', async () => {
    const fc = await import('fast-check');
    const agent = fc.constantFrom('Agent_1', 'Agent_2', 'Agent_3');
    const docArb = fc
      .record({
        status: fc.constantFrom<TaskStatus>('todo', 'in_progress', 'blocked', 'review', 'done', 'cancelled'),
        assignee: fc.option(agent, { nil: null }),
        log: fc.array(fc.record({ text: fc.string({ maxLength: 8 }), to: fc.option(agent, { nil: null }) }), { maxLength: 4 }),
      })
      .map((r) => doc({ status: r.status, assignee: r.assignee }, r.log));
    fc.assert(
      fc.property(fc.option(docArb, { nil: null }), docArb, (previous, next) => {
        expect(routeTaskChange('s', FILE, next, next)).toEqual([]);
        const allowed = new Set([next.task?.assignee, ...next.log.map((l) => l.to)].filter(Boolean));
        const nudges = routeTaskChange('s', FILE, previous, next);
        for (const n of nudges) expect(allowed.has(n.agent)).toBe(true);
        expect(new Set(nudges.map((n) => n.agent)).size).toBe(nudges.length);
      }),
      { numRuns: 300 },
    );
  });
});
