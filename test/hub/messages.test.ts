/**
 * The messages area (src/hub/messages.ts) through the real hub on the in-memory terminal: a
 * message is a task file first, then a nudge typed into an idle agent whose box is ready and
 * confirmed by its UserPromptSubmit hook; the queue is in the state store before the call
 * answers. The restart paths are in recovery.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CALLER, memoryHub, newSession, readyScreen, type MemoryHub } from '../helpers/memory-hub.js';
import { waitFor } from '../helpers/wait.js';
import { StateStore } from '../../src/store/state-store.js';
import { silentLogger } from '../../src/log.js';

let w: MemoryHub;
let session: string;
let root: string;
beforeEach(async () => {
  w = await memoryHub();
  ({ session, root } = await newSession(w));
  await w.hub.createAgent(CALLER, { session_id: session, agent_name: 'Agent_1' });
});
afterEach(async () => {
  await w.close();
});

describe('messages', () => {
  it('to an idle agent: written as a task file, typed once, confirmed by its hook, answered delivered', async () => {
    const pane = w.pane('Agent_1');
    pane.screen = await readyScreen();
    w.terminal.onSubmit = (_pane, prompt) => void w.hook(session, 'Agent_1', 'UserPromptSubmit', { prompt });
    await w.hook(session, 'Agent_1', 'SessionStart', { source: 'startup' });
    await waitFor(async () => (await w.hub.getSessionStatus(CALLER, session)).agents[0]?.status === 'idle', 'Agent_1 idle');
    const sent = await w.hub.sendMessage(CALLER, { agent_name: 'Agent_1', message: 'Please review the README.', from: 'Agent_2' });
    expect(sent).toMatchObject({ agent: 'Agent_1', state: 'delivered', taskId: expect.stringMatching(/^TASK-\d+$/) });
    const task = await readFile(join(root, sent.taskFile), 'utf8');
    expect(task).toContain('Please review the README.');
    expect(task).toMatch(/assignee: Agent_1/);
    expect(pane.submitted).toEqual([`${sent.taskId} from Agent_2 (${sent.taskFile}):\nPlease review the README.`]);
    expect(w.terminal.calls.filter((c) => c.startsWith('paste:'))).toHaveLength(1);
  });

  it('to a busy agent: queued, counted on the agent, and the queue entry is saved before the answer', async () => {
    const sent = await w.hub.sendMessage(CALLER, { agent_name: 'Agent_1', message: 'Later, please.' });
    expect(sent).toMatchObject({ state: 'queued', reason: expect.stringContaining('starting') });
    expect((await w.hub.getSessionStatus(CALLER, session)).agents[0]?.queuedMessages).toBe(1);
    // Already on disk (read as `claude-hub status` reads it, the hub still running), in the
    // queue's own shape, with where it was recorded.
    const store = await StateStore.open({ dir: w.config.stateDir, env: { HOME: w.dir }, logger: silentLogger, readOnly: true });
    expect(store.get().queue).toEqual([
      {
        deliveryId: sent.deliveryId,
        agent: 'Agent_1',
        session,
        taskId: sent.taskId,
        text: expect.stringContaining('Later, please.'),
        state: 'queued',
        enqueuedAt: expect.any(String),
        typedAt: null,
        submits: 0,
        reason: null,
      },
    ]);
    await store.close();
  });

  it('refuses a message that is only control sequences, writing nothing', async () => {
    await expect(w.hub.sendMessage(CALLER, { agent_name: 'Agent_1', message: '\u001b[31m\u0007' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await w.hub.listTasks(CALLER, { session_id: session })).toEqual({ tasks: [], broken: [] });
    await expect(w.hub.sendMessage(CALLER, { agent_name: 'Nobody', message: 'hi' })).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
  });
});
