import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connect, type Connected } from './connect.js';

let c: Connected;
let sessionId: string;
beforeEach(async () => {
  c = await connect();
  const created = await c.client.callTool({ name: 'create_session', arguments: { root_path: '/work/app', session_name: 'app' } });
  sessionId = (created.structuredContent as { session: { session_id: string } }).session.session_id;
  await c.client.callTool({ name: 'create_task', arguments: { session_id: sessionId, title: 'Parse it', body: 'the body' } });
});
afterEach(async () => {
  await c.close();
});

/** Collects notifications of one kind; `next()` resolves with the next one. */
function collect<T>(register: (push: (value: T) => void) => void): { items: T[]; next(): Promise<T> } {
  const items: T[] = [];
  const waiters: ((value: T) => void)[] = [];
  register((value) => {
    items.push(value);
    waiters.shift()?.(value);
  });
  return { items, next: () => new Promise<T>((resolve) => waiters.push(resolve)) };
}

describe('resources', () => {
  it('declares subscribe and listChanged', () => {
    expect(c.client.getServerCapabilities()?.resources).toEqual({ subscribe: true, listChanged: true });
  });

  it('lists the sessions resource and, per session, status, todo and each task', async () => {
    const { resources } = await c.client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual(
      [
        'hub://sessions',
        'ui://claude-hub/board.html',
        `hub://sessions/${sessionId}/status`,
        `hub://sessions/${sessionId}/tasks/TASK-1`,
        `hub://sessions/${sessionId}/todo`,
      ].sort(),
    );
    expect(resources.find((r) => r.uri.endsWith('/todo'))?.mimeType).toBe('text/markdown');
    const templates = (await c.client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate).sort();
    expect(templates).toEqual(['hub://sessions/{session_id}/status', 'hub://sessions/{session_id}/tasks/{task_id}', 'hub://sessions/{session_id}/todo']);
  });

  it('reads JSON and markdown', async () => {
    const sessions = await c.client.readResource({ uri: 'hub://sessions' });
    expect(JSON.parse((sessions.contents[0] as { text: string }).text)).toMatchObject({ sessions: [{ session_id: sessionId, name: 'app' }] });
    const status = await c.client.readResource({ uri: `hub://sessions/${sessionId}/status` });
    expect(status.contents[0]?.mimeType).toBe('application/json');
    expect(JSON.parse((status.contents[0] as { text: string }).text)).toMatchObject({ session: { session_id: sessionId }, tasks: { total: 1 } });
    const todo = await c.client.readResource({ uri: `hub://sessions/${sessionId}/todo` });
    expect(todo.contents[0]).toMatchObject({ mimeType: 'text/markdown', text: c.hub.todoText });
    const task = await c.client.readResource({ uri: `hub://sessions/${sessionId}/tasks/TASK-1` });
    expect((task.contents[0] as { text: string }).text).toContain('the body');
  });

  it('a read of something missing is an error that carries the HubError code', async () => {
    await expect(c.client.readResource({ uri: 'hub://sessions/nope/status' })).rejects.toThrow(/SESSION_NOT_FOUND/);
    await expect(c.client.readResource({ uri: `hub://sessions/${sessionId}/tasks/TASK-404` })).rejects.toThrow(/TASK_NOT_FOUND/);
  });

  it('sends resources/updated only for subscribed uris, and list_changed when tasks or sessions come and go', async () => {
    const updated = collect<string>((push) => c.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => push(n.params.uri)));
    const listChanged = collect<true>((push) => c.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => push(true)));
    const todo = `hub://sessions/${sessionId}/todo`;
    await c.client.subscribeResource({ uri: todo });

    let next = updated.next();
    c.hub.emit({ kind: 'task', session: sessionId, taskId: 'TASK-1' }); // not subscribed: nothing
    c.hub.emit({ kind: 'todo', session: sessionId });
    expect(await next).toBe(todo);

    next = updated.next();
    c.hub.emit({ kind: 'todo', session: sessionId });
    c.hub.emit({ kind: 'todo', session: sessionId }); // coalesced with the one before
    expect(await next).toBe(todo);

    const changed = listChanged.next();
    await c.client.callTool({ name: 'create_task', arguments: { session_id: sessionId, title: 'Another' } });
    expect(await changed).toBe(true);

    await c.client.unsubscribeResource({ uri: todo });
    const status = `hub://sessions/${sessionId}/status`;
    await c.client.subscribeResource({ uri: status });
    next = updated.next();
    c.hub.emit({ kind: 'todo', session: sessionId }); // a TODO change updates the status, not the unsubscribed todo
    expect(await next).toBe(status);
    expect(updated.items).toEqual([todo, todo, status]);
  });

  it("refuses to subscribe to a uri that is not one of the hub's", async () => {
    await expect(c.client.subscribeResource({ uri: 'file:///etc/passwd' })).rejects.toThrow(/hub:\/\/sessions/);
  });
});
