import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { STATUS_DIAGNOSTICS, STATUS_TASK_ITEMS, summarizeDiagnostics } from '../../src/server/tools/get-session-status.js';
import { connect, type Connected } from './connect.js';

let c: Connected;
beforeEach(async () => {
  c = await connect();
});
afterEach(async () => {
  await c.close();
});

describe("get_session_status keeps the model's context small", () => {
  it('shows counts for every task but at most the first open ones as items; list_tasks still has all', async () => {
    const caller = { kind: 'cli' as const, id: 'test' };
    const session = await c.hub.createSession(caller, { root_path: '/srv/big', session_name: 'big' });
    for (let i = 0; i < 70; i++) await c.hub.createTask(caller, { session_id: session.id, title: `task ${i}` });
    for (let i = 1; i <= 10; i++) await c.hub.updateTask(caller, { session_id: session.id, task_id: `TASK-${i}`, status: 'done' });
    await c.hub.updateTask(caller, { session_id: session.id, task_id: 'TASK-60', status: 'in_progress' });
    await c.hub.updateTask(caller, { session_id: session.id, task_id: 'TASK-50', status: 'blocked' });
    await c.hub.updateTask(caller, { session_id: session.id, task_id: 'TASK-45', priority: 'critical' });
    await c.hub.updateTask(caller, { session_id: session.id, task_id: 'TASK-30', status: 'review' });

    const result = (await c.client.callTool({ name: 'get_session_status', arguments: { session_id: session.id } })) as CallToolResult;
    const tasks = (result.structuredContent as { tasks: { total: number; items: { task_id: string; status: string }[]; omitted: number } }).tasks;
    expect(tasks.total).toBe(70);
    expect(tasks.items).toHaveLength(STATUS_TASK_ITEMS);
    expect(tasks.items.every((t) => t.status !== 'done')).toBe(true);
    // Most pressing first: in progress, blocked, then todo by priority and number; review after todo.
    expect(tasks.items.slice(0, 5).map((t) => t.task_id)).toEqual(['TASK-60', 'TASK-50', 'TASK-45', 'TASK-11', 'TASK-12']);
    expect(tasks.items.map((t) => t.task_id)).not.toContain('TASK-30');
    expect(tasks.omitted).toBe(70 - STATUS_TASK_ITEMS);

    const all = (await c.client.callTool({ name: 'list_tasks', arguments: { session_id: session.id } })) as CallToolResult;
    expect((all.structuredContent as { tasks: unknown[] }).tasks).toHaveLength(70);
  });
});

describe('diagnostics in the status', () => {
  it('most severe first, at most the first ones, the rest counted', () => {
    const many = Array.from({ length: STATUS_DIAGNOSTICS + 5 }, (_, i) => ({ file: `f${i}`, line: 1, severity: 'warning' as const, code: 'w', message: 'm' }));
    const withError = [...many, { file: 'bad.md', line: 2, severity: 'error' as const, code: 'yaml-invalid', message: 'broken' }];
    const { shown, omitted } = summarizeDiagnostics(withError);
    expect(shown).toHaveLength(STATUS_DIAGNOSTICS);
    expect(shown[0]).toMatchObject({ file: 'bad.md', severity: 'error' });
    expect(omitted).toBe(6);
  });

  it('the tool reports diagnosticsOmitted', async () => {
    const result = (await c.client.callTool({
      name: 'get_session_status',
      arguments: { session_id: (await c.hub.createSession({ kind: 'cli', id: 't' }, { root_path: '/srv/d', session_name: 'd' })).id },
    })) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ diagnostics: [{ code: 'demo' }], diagnosticsOmitted: 0 });
  });
});
