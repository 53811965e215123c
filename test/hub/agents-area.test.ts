/**
 * The agents area through the real hub on the in-memory terminal: the life of an agent
 * (agent-lifecycle.ts: create, clear, start again, resume, delete), its terminal recorded in one
 * place (terminals.ts: the state store and the index agree after each step), and what is on
 * its screen (agent-screen.ts: read_agent_output, a dialog shown as pendingPrompt and answered
 * with answer_agent_prompt). Re-attach after a restart is in recovery.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { CALLER, memoryHub, readyScreen, type MemoryHub } from '../helpers/memory-hub.js';
import { waitFor } from '../helpers/wait.js';

let w: MemoryHub;
let session: string;
beforeEach(async () => {
  w = await memoryHub();
  session = (await w.hub.createSession(CALLER, { root_path: await w.root('app'), session_name: 'app' })).id;
});
afterEach(async () => {
  await w.close();
});

/** The agent's terminal as the index shows it, and as the state store has it (after a restart). */
async function terminalOf(agent: string): Promise<{ shown: string | null; stored: string | null }> {
  const view = (await w.hub.getSessionStatus(CALLER, session)).agents.find((a) => a.name === agent);
  await w.restart();
  const after = (await w.hub.getSessionStatus(CALLER, session)).agents.find((a) => a.name === agent);
  return { shown: view?.terminal?.id ?? null, stored: after?.terminal?.id ?? null };
}

/** The Claude conversation the agent's latest terminal runs (--session-id or --resume). */
function conversationOf(agent: string): string {
  const argv = w.pane(agent).spec.argv;
  const at = argv.findIndex((arg) => arg === '--session-id' || arg === '--resume');
  return argv[at + 1] as string;
}

describe('agent lifecycle', () => {
  it('create opens one terminal running claude with its settings; names are unique across the hub', async () => {
    const view = await w.hub.createAgent(CALLER, { session_id: session, specialization: 'tests' });
    expect(view).toMatchObject({ name: 'Agent_1', session, status: 'starting', specialization: 'tests' });
    const pane = w.pane('Agent_1');
    expect(pane.spec.argv).toEqual(expect.arrayContaining(['--settings', '--session-id']));
    expect(view.terminal?.id).toBe(pane.handle.id);
    await expect(w.hub.createAgent(CALLER, { session_id: session, agent_name: 'Agent_1' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(w.terminal.calls).toEqual(['open:Agent_1']);
    expect(await terminalOf('Agent_1')).toEqual({ shown: pane.handle.id, stored: pane.handle.id });
  });

  it('clear closes the terminal and forgets it; start_new opens a new conversation, resume the same one', async () => {
    await w.hub.createAgent(CALLER, { session_id: session, agent_name: 'Agent_1' });
    const first = w.pane('Agent_1').handle.id;
    const created = conversationOf('Agent_1');
    const cleared = await w.hub.clearConversation(CALLER, 'Agent_1');
    expect(cleared).toMatchObject({ terminal: null, status: 'exited' });
    expect(w.terminal.calls).toEqual(['open:Agent_1', `close:${first}`]);
    expect(await terminalOf('Agent_1')).toEqual({ shown: null, stored: null });

    await w.hub.startNewConversation(CALLER, 'Agent_1', false);
    const fresh = conversationOf('Agent_1');
    expect(fresh).not.toBe(created);
    expect(w.pane('Agent_1').spec.argv).not.toContain('--resume');
    await w.hub.startNewConversation(CALLER, 'Agent_1', true);
    const pane = w.pane('Agent_1');
    expect(pane.spec.argv).toEqual(expect.arrayContaining(['--resume', fresh]));
    expect(w.terminal.panes().map((p) => p.handle.id)).toEqual([pane.handle.id]);
    expect(await terminalOf('Agent_1')).toEqual({ shown: pane.handle.id, stored: pane.handle.id });
  });

  it('delete closes the terminal and removes the agent, its settings and its events', async () => {
    await w.hub.createAgent(CALLER, { session_id: session, agent_name: 'Agent_1' });
    const settings = w.pane('Agent_1').spec.argv[w.pane('Agent_1').spec.argv.indexOf('--settings') + 1] as string;
    expect(JSON.parse(await readFile(settings, 'utf8'))).toHaveProperty('hooks');
    expect(await w.hub.deleteAgent(CALLER, 'Agent_1', false)).toEqual({ agent: 'Agent_1', session });
    expect(w.terminal.panes()).toEqual([]);
    await expect(readFile(settings, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await w.hub.getSessionStatus(CALLER, session)).agents).toEqual([]);
    await expect(w.hub.deleteAgent(CALLER, 'Agent_1', false)).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
  });
});

describe('agent screen', () => {
  it('read_agent_output gives the last lines of a living terminal, nothing of a dead one', async () => {
    await w.hub.createAgent(CALLER, { session_id: session, agent_name: 'Agent_1' });
    const pane = w.pane('Agent_1');
    pane.screen = 'one\ntwo\nthree\n\n';
    expect(await w.hub.readAgentOutput(CALLER, 'Agent_1', 2)).toEqual({ agent: 'Agent_1', alive: true, text: 'two\nthree' });
    w.terminal.exit(pane.handle);
    expect(await w.hub.readAgentOutput(CALLER, 'Agent_1', 2)).toEqual({ agent: 'Agent_1', alive: false, text: '' });
  });

  it('a dialog on screen is shown as pendingPrompt; answer_agent_prompt picks the choice and the box is ready after', async () => {
    await w.hub.createAgent(CALLER, { session_id: session, agent_name: 'Agent_1' });
    const pane = w.pane('Agent_1');
    const ready = await readyScreen();
    pane.screen = await readFile(new URL('../../fixtures/screens/2.1.332/trust.txt', import.meta.url), 'utf8');
    const shown = await waitFor(async () => (await w.hub.getSessionStatus(CALLER, session)).agents[0]?.pendingPrompt ?? undefined, 'the trust dialog shown');
    expect(shown.choices.map((c) => c.label)).toEqual(['No, exit', 'Yes, I trust this folder']);
    // The agent's side: Down moves the pointer, Enter confirms the choice under it and the prompt box comes up.
    let pointer = 0;
    const sendKeys = w.terminal.sendKeys.bind(w.terminal);
    w.terminal.sendKeys = async (handle, keys) => {
      await sendKeys(handle, keys);
      for (const key of keys) {
        if (key === 'Down' && pointer === 0) {
          pointer = 1;
          pane.screen = pane.screen.replace(' ❯ No, exit', '   No, exit').replace('   Yes, I trust this folder', ' ❯ Yes, I trust this folder');
        }
        if (key === 'Enter' && pointer === 1) pane.screen = ready;
      }
    };
    const answer = await w.hub.answerPrompt(CALLER, 'Agent_1', 'Yes, I trust this folder');
    expect(answer).toMatchObject({ agent: 'Agent_1', choice: { number: 2, label: 'Yes, I trust this folder' }, now: { state: 'ready', question: null } });
    expect(pane.keys.flat()).toEqual(['Down', 'Enter']);
    expect((await w.hub.getSessionStatus(CALLER, session)).agents[0]?.pendingPrompt).toBeNull();
  });
});
