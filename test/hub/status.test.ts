import { describe, expect, it } from 'vitest';
import { activityOf, byUrgency, currentTaskOf, deriveAgentStatus, statusLineIn, type StatusInput } from '../../src/hub/status.js';
import type { TaskDoc, TaskStatus, TodoItem } from '../../src/protocol/types.js';

const AT = Date.UTC(2026, 10, 21, 12, 3, 4);

function task(id: string, status: TaskStatus, progress = { done: 0, total: 0 }, priority: 'low' | 'medium' | 'high' = 'medium'): TaskDoc {
  return {
    file: `.claude-hub/tasks/${id}-x.md`,
    task: { id, title: id, status, assignee: 'Agent_1', from: null, priority, depends_on: [], created: null, updated: null },
    progress,
    log: [],
    diagnostics: [],
    editable: true,
  };
}

function item(checked: boolean): TodoItem {
  return { text: 't', checked, depth: 0, line: 1, assignee: 'Agent_1', taskRefs: [], section: 0, checkbox: { start: 0, end: 0 } };
}

function input(event: string | null, payload: Record<string, unknown> = {}, extra: Partial<StatusInput> = {}): StatusInput {
  const latest = event === null ? null : activityOf(event, payload, AT);
  return { latest, lastEventAt: event === null ? null : AT, terminalAlive: true, pendingPrompt: null, tasks: [], todoItems: [], todoFile: 'TODO.md', ...extra };
}

describe('hook events of newer releases (both pinned releases know them)', () => {
  it('PermissionDenied and PostToolUseFailure keep the agent working; Elicitation waits for a person until its result', () => {
    expect(activityOf('PermissionDenied', { tool_name: 'Bash' }, AT)).toMatchObject({ status: 'working', detail: 'Bash' });
    expect(activityOf('PostToolUseFailure', { tool_name: 'Edit' }, AT)).toMatchObject({ status: 'working', detail: 'Edit' });
    expect(activityOf('Elicitation', { mcp_server_name: 'github' }, AT)).toMatchObject({ status: 'waiting_for_person', detail: 'github' });
    expect(activityOf('ElicitationResult', { mcp_server_name: 'github' }, AT)).toMatchObject({ status: 'working' });
    expect(activityOf('Notification', { notification_type: 'elicitation_dialog', message: 'needs input' }, AT)).toMatchObject({ status: 'waiting_for_person' });
    expect(activityOf('StopFailure', { error: 'rate_limit' }, AT)).toMatchObject({ status: 'rate_limited', detail: 'rate_limit' });
    expect(activityOf('SessionEnd', { reason: 'logout' }, AT)).toMatchObject({ status: 'exited', detail: 'logout' });
  });
});

describe('deriveAgentStatus', () => {
  it.each([
    ['UserPromptSubmit', {}, 'working', 'UserPromptSubmit hook at 12:03:04'],
    ['PreToolUse', { tool_name: 'Edit' }, 'working', 'PreToolUse hook (Edit) at 12:03:04'],
    ['PostToolUse', { tool_name: 'Bash' }, 'working', 'PostToolUse hook (Bash) at 12:03:04'],
    ['PermissionRequest', { tool_name: 'Edit' }, 'waiting_for_person', 'PermissionRequest hook (Edit) at 12:03:04'],
    [
      'Notification',
      { notification_type: 'permission_prompt', message: 'Claude needs your permission to use Edit' },
      'waiting_for_person',
      'Notification hook (Claude needs your permission to use Edit) at 12:03:04',
    ],
    ['Stop', {}, 'idle', 'Stop hook at 12:03:04'],
    ['StopFailure', { error: 'rate_limit' }, 'rate_limited', 'StopFailure hook at 12:03:04: the turn ended on an error (rate_limit); reset time not said'],
    ['SessionStart', { source: 'startup' }, 'idle', 'SessionStart hook (startup) at 12:03:04: prompt box ready'],
    ['SessionStart', { source: 'resume' }, 'idle', 'SessionStart hook (resume) at 12:03:04: prompt box ready'],
    ['SessionEnd', { reason: 'prompt_input_exit' }, 'exited', 'SessionEnd hook at 12:03:04 (reason: prompt_input_exit)'],
  ])('%s %j → %s', (event, payload, status, why) => {
    const derived = deriveAgentStatus(input(event, payload));
    expect(derived.status).toBe(status);
    expect(derived.why).toBe(why);
    expect(derived.lastActivity).toBe('2026-11-21T12:03:04.000Z');
  });

  it('says nothing for SubagentStop, compaction and other notifications (the previous event holds)', () => {
    expect(activityOf('SubagentStop', {}, AT)).toBeNull();
    expect(activityOf('SessionStart', { source: 'compact' }, AT)).toBeNull();
    expect(activityOf('Notification', { notification_type: 'auth_success' }, AT)).toBeNull();
    expect(activityOf('PreCompact', {}, AT)).toBeNull();
  });

  it('is starting with no hook event, and exited when the terminal is gone whatever the hooks say', () => {
    expect(deriveAgentStatus(input(null)).status).toBe('starting');
    expect(deriveAgentStatus(input(null, {}, { terminalAlive: null })).status).toBe('starting');
    const gone = deriveAgentStatus(input('UserPromptSubmit', {}, { terminalAlive: false }));
    expect(gone.status).toBe('exited');
    expect(gone.why).toMatch(/terminal gone/);
  });

  it('is waiting for a person while a dialog is open, even before any hook', () => {
    const derived = deriveAgentStatus(
      input(null, {}, { pendingPrompt: { kind: 'trust', question: 'Do you trust this folder?', choices: [], since: '2026-11-21T12:00:00Z' } }),
    );
    expect(derived).toMatchObject({ status: 'waiting_for_person' });
    expect(derived.why).toContain('Do you trust this folder?');
  });

  it('is blocked when a task says so and it is not working, naming task, file and line', () => {
    const tasks = [task('TASK-3', 'blocked'), task('TASK-1', 'done')];
    const idle = deriveAgentStatus(input('Stop', {}, { tasks }), () => 4);
    expect(idle.status).toBe('blocked');
    expect(idle.why).toBe('TASK-3 status blocked (.claude-hub/tasks/TASK-3-x.md:4)');
    expect(deriveAgentStatus(input('PreToolUse', {}, { tasks })).status).toBe('working');
    expect(deriveAgentStatus(input('PermissionRequest', {}, { tasks })).status).toBe('waiting_for_person');
  });

  it('adds progress across TODO items and task checklists, and picks the current task', () => {
    const tasks = [
      task('TASK-9', 'todo', { done: 1, total: 4 }, 'high'),
      task('TASK-2', 'in_progress', { done: 2, total: 2 }),
      task('TASK-5', 'done', { done: 3, total: 3 }),
    ];
    const derived = deriveAgentStatus(input('Stop', {}, { tasks, todoItems: [item(true), item(false), item(false)] }));
    expect(derived.progress).toEqual({ done: 1 + 1 + 2 + 3, total: 3 + 4 + 2 + 3 });
    expect(derived.currentTask).toBe('TASK-2');
    expect(currentTaskOf([task('TASK-9', 'todo', undefined, 'low'), task('TASK-12', 'todo', undefined, 'high')])?.task?.id).toBe('TASK-12');
    expect(currentTaskOf([task('TASK-1', 'done')])).toBeNull();
  });

  it('finds the line of the status key', () => {
    expect(statusLineIn('---\nid: TASK-1\ntitle: x\nstatus: blocked\n---\n')).toBe(4);
    expect(statusLineIn('no front matter')).toBe(1);
  });
});

describe('byUrgency', () => {
  it('puts in progress, blocked, todo, review first (then by priority), closed last, and keeps the given order otherwise', () => {
    const t = (id: string, status: string, priority: 'low' | 'medium' | 'high' | 'critical' = 'medium') => ({ id, status, priority });
    const tasks = [
      t('T1', 'done'),
      t('T2', 'todo'),
      t('T3', 'review', 'critical'),
      t('T4', 'todo', 'high'),
      t('T5', 'cancelled'),
      t('T6', 'blocked', 'low'),
      t('T7', 'in_progress', 'low'),
      t('T8', 'todo'),
    ];
    expect(byUrgency(tasks).map((x) => x.id)).toEqual(['T7', 'T6', 'T4', 'T2', 'T8', 'T3', 'T1', 'T5']);
    expect(tasks.map((x) => x.id)).toEqual(['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8']); // not sorted in place
  });
});
