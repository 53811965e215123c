/**
 * The tasks area (src/hub/tasks.ts, src/hub/todo.ts) through the real hub on the in-memory
 * terminal: create, update, list and read task files, edit TODO.md; a file that does not parse
 * is listed and served raw, never rewritten.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CALLER, memoryHub, newSession, type MemoryHub } from '../helpers/memory-hub.js';
import { waitFor } from '../helpers/wait.js';

let w: MemoryHub;
let session: string;
let root: string;
beforeEach(async () => {
  w = await memoryHub();
  ({ session, root } = await newSession(w));
});
afterEach(async () => {
  await w.close();
});

describe('tasks', () => {
  it('create_task writes a task file the index shows at once, warning of an unknown assignee; update_task edits it', async () => {
    const created = await w.hub.createTask(CALLER, { session_id: session, title: 'Fix the build', assignee: 'Agent_9', priority: 'high' });
    expect(created.task).toMatchObject({ title: 'Fix the build', assignee: 'Agent_9', priority: 'high', status: 'todo' });
    expect(created.warnings.map((d) => d.code)).toEqual(['assignee-unknown']);
    const listed = await w.hub.listTasks(CALLER, { session_id: session });
    expect(listed.tasks.map((t) => t.id)).toEqual([created.task.id]);
    const updated = await w.hub.updateTask(CALLER, { session_id: session, task_id: created.task.id, status: 'in_progress', log: 'started', from: 'Agent_9' });
    expect(updated).toMatchObject({ id: created.task.id, status: 'in_progress' });
    const text = (await w.hub.readTask(session, created.task.id)).text;
    expect(text).toMatch(/status: in_progress/);
    expect(text).toMatch(/Agent_9: started/);
    expect(await readFile(join(root, created.task.file), 'utf8')).toBe(text);
    expect((await w.hub.listTasks(CALLER, { session_id: session, status: 'done' })).tasks).toEqual([]);
  });

  it('a task file that does not parse is listed as broken, served raw, and refused for editing with where it breaks', async () => {
    await mkdir(join(root, '.claude-hub', 'tasks'), { recursive: true });
    await writeFile(join(root, '.claude-hub', 'tasks', 'TASK-7.md'), '---\ntitle: [unclosed\n---\nbody\n');
    const broken = await waitFor(async () => (await w.hub.listTasks(CALLER, { session_id: session })).broken[0], 'the broken file listed');
    expect(broken).toMatchObject({ id: 'TASK-7', session });
    expect((await w.hub.readTask(session, 'TASK-7')).text).toBe('---\ntitle: [unclosed\n---\nbody\n');
    await expect(w.hub.updateTask(CALLER, { session_id: session, task_id: 'TASK-7', status: 'done' })).rejects.toMatchObject({ code: 'NOT_EDITABLE' });
    await expect(w.hub.updateTask(CALLER, { session_id: session, task_id: 'TASK-8', status: 'done' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    expect(await readFile(join(root, '.claude-hub', 'tasks', 'TASK-7.md'), 'utf8')).toBe('---\ntitle: [unclosed\n---\nbody\n');
  });

  it('edit_todo writes the first TODO.md on add, then ticks the item on its line', async () => {
    expect(await w.hub.readTodo(session)).toBe('');
    const added = await w.hub.editTodo(CALLER, { session_id: session, action: 'add', agent: 'Agent_1', text: 'write the tests' });
    expect(added).toMatchObject({
      file: 'TODO.md',
      changed: true,
      item: { text: 'write the tests', checked: false, assignee: 'Agent_1' },
      progress: { done: 0, total: 1 },
    });
    const ticked = await w.hub.editTodo(CALLER, { session_id: session, action: 'check', line: added.item.line });
    expect(ticked).toMatchObject({ changed: true, item: { checked: true }, progress: { done: 1, total: 1 } });
    expect(await w.hub.readTodo(session)).toContain('- [x] write the tests');
    const again = await w.hub.editTodo(CALLER, { session_id: session, action: 'check', line: added.item.line });
    expect(again.changed).toBe(false);
  });
});
