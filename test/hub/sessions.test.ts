/**
 * The sessions area (src/hub/sessions.ts) through the real hub on the in-memory terminal:
 * what create_session records and tells the guard, the refusals that change nothing, and
 * what delete_session closes, gives up and forgets.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CALLER, memoryHub, type MemoryHub } from '../helpers/memory-hub.js';
import { waitFor } from '../helpers/wait.js';

let w: MemoryHub;
beforeEach(async () => {
  w = await memoryHub();
});
afterEach(async () => {
  await w.close();
});

const roots = async (): Promise<string[]> => (await readFile(join(w.config.stateDir, 'roots.txt'), 'utf8')).split('\n').filter((l) => l !== '');

describe('sessions', () => {
  it('create_session records the session, lists it, and adds its root to the guard roots file', async () => {
    const root = await w.root('app');
    const session = await w.hub.createSession(CALLER, { root_path: root, session_name: 'App' });
    expect(session).toMatchObject({ name: 'App', root, agents: [] });
    expect(session.id).toMatch(/^app-[0-9a-f]{6}$/);
    expect((await w.hub.listSessions(CALLER)).map((s) => s.id)).toEqual([session.id]);
    expect(await roots()).toEqual([root]);
    // Survives a restart: the state store remembers it, the index watches it again.
    await w.restart();
    expect((await w.hub.listSessions(CALLER)).map((s) => [s.id, s.root])).toEqual([[session.id, root]]);
  });

  it('refuses a second session on the same root or name, naming the one in the way, and changes nothing', async () => {
    const root = await w.root('app');
    const first = await w.hub.createSession(CALLER, { root_path: root, session_name: 'app' });
    await expect(w.hub.createSession(CALLER, { root_path: root, session_name: 'other' })).rejects.toMatchObject({
      code: 'ROOT_OVERLAP',
      data: { session_id: first.id },
    });
    await expect(w.hub.createSession(CALLER, { root_path: await w.root('b'), session_name: 'app' })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
      data: { session_id: first.id },
    });
    await expect(w.hub.getSessionStatus(CALLER, 'app')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND', data: { candidates: [first.id] } });
    expect((await w.hub.listSessions(CALLER)).map((s) => s.id)).toEqual([first.id]);
    expect(await roots()).toEqual([root]);
  });

  it('delete_session refuses while an agent works, then closes its agents, gives up their messages and forgets the session', async () => {
    const session = await w.hub.createSession(CALLER, { root_path: await w.root('app'), session_name: 'app' });
    await w.hub.createAgent(CALLER, { session_id: session.id, agent_name: 'Agent_1' });
    const pane = w.pane('Agent_1');
    await w.hook(session.id, 'Agent_1', 'UserPromptSubmit', { prompt: 'busy' });
    await waitFor(async () => (await w.hub.getSessionStatus(CALLER, session.id)).agents[0]?.status === 'working', 'Agent_1 working');
    await expect(w.hub.deleteSession(CALLER, session.id, false)).rejects.toMatchObject({ code: 'AGENT_BUSY', data: { agents: ['Agent_1'] } });
    const sent = await w.hub.sendMessage(CALLER, { agent_name: 'Agent_1', message: 'never typed' });
    expect(sent.state).toBe('queued');
    const deleted = await w.hub.deleteSession(CALLER, session.id, true);
    expect(deleted).toMatchObject({ session: { id: session.id }, closedAgents: ['Agent_1'] });
    expect(w.terminal.calls).toContain(`close:${pane.handle.id}`);
    expect(w.terminal.calls.some((c) => c.startsWith('paste:'))).toBe(false);
    expect(await w.hub.listSessions(CALLER)).toEqual([]);
    expect(await roots()).toEqual([]);
    await expect(w.hub.readAgentOutput(CALLER, 'Agent_1', 5)).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    // Nothing of it comes back after a restart (no agent, no queued message).
    await w.restart();
    expect(await w.hub.listSessions(CALLER)).toEqual([]);
    expect(w.terminal.calls.filter((c) => c.startsWith('open:'))).toEqual(['open:Agent_1']);
  });
});
