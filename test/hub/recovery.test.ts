/**
 * What survives a restart, through the real hub on the in-memory terminal (no tmux, no
 * Claude): agents whose terminal still runs are re-attached, the others are exited; queued
 * messages come back and are typed once the agent is idle; a message already confirmed in the
 * agent's hook history is never typed again. test/e2e/crash.test.ts proves the same against a
 * killed hub process and a real Claude Code.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CALLER, memoryHub, readyScreen, type MemoryHub } from '../helpers/memory-hub.js';
import { waitFor } from '../helpers/wait.js';

let w: MemoryHub;
beforeEach(async () => {
  w = await memoryHub();
});
afterEach(async () => {
  await w.close();
});

async function sessionWithAgent(name = 'Agent_1'): Promise<string> {
  const session = await w.hub.createSession(CALLER, { root_path: await w.root('app'), session_name: 'app' });
  await w.hub.createAgent(CALLER, { session_id: session.id, agent_name: name });
  return session.id;
}

/** The audit log's records of one kind, oldest first. */
async function audited(kind: string): Promise<Record<string, unknown>[]> {
  await w.hub.whenSettled();
  const text = await readFile(join(w.config.stateDir, 'audit.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r['kind'] === kind);
}

describe('re-attach after a restart', () => {
  it('keeps an agent whose pane still runs, and marks the one whose pane died exited', async () => {
    const session = await sessionWithAgent('Agent_1');
    await w.hub.createAgent(CALLER, { session_id: session, agent_name: 'Agent_2' });
    const living = w.pane('Agent_1');
    w.terminal.exit(w.pane('Agent_2').handle);
    await w.restart();
    // No new terminal was opened: the same pane is the agent's.
    expect(w.terminal.calls.filter((c) => c.startsWith('open:'))).toEqual(['open:Agent_1', 'open:Agent_2']);
    const status = await w.hub.getSessionStatus(CALLER, session);
    const byName = new Map(status.agents.map((a) => [a.name, a]));
    expect(byName.get('Agent_1')).toMatchObject({ status: 'starting', terminal: { id: living.handle.id } });
    expect(byName.get('Agent_2')).toMatchObject({ status: 'exited' });
    const recovery = await audited('recovery');
    expect(recovery.map((r) => [r['agent'], r['outcome']])).toEqual([
      ['Agent_1', 'reattached'],
      ['Agent_2', 'exited'],
    ]);
    // The re-attached agent is driven in its old pane: read_agent_output reads it.
    living.screen = 'still here';
    expect(await w.hub.readAgentOutput(CALLER, 'Agent_1', 5)).toEqual({ agent: 'Agent_1', alive: true, text: 'still here' });
  });

  it('restore: true reopens an exited agent with claude --resume of its conversation', async () => {
    await sessionWithAgent('Agent_1');
    w.terminal.exit(w.pane('Agent_1').handle);
    await w.restart({ config: { restore: true } });
    const reopened = w.pane('Agent_1');
    expect(reopened.alive).toBe(true);
    expect(reopened.spec.argv).toContain('--resume');
    expect(w.terminal.calls.filter((c) => c.startsWith('open:'))).toEqual(['open:Agent_1', 'open:Agent_1']);
  });
});

describe('the delivery queue after a restart', () => {
  it('a message queued for a busy agent is typed once, after the restart, when the agent is idle', async () => {
    const session = await sessionWithAgent();
    const sent = await w.hub.sendMessage(CALLER, { agent_name: 'Agent_1', message: 'Please run the tests and report back.' });
    expect(sent.state).toBe('queued');
    await w.restart();
    // The restored entry shows on the agent before anything is typed.
    await waitFor(async () => (await w.hub.getSessionStatus(CALLER, session)).agents[0]?.queuedMessages === 1, 'the restored message counted on the agent');
    expect(w.terminal.calls.some((c) => c.startsWith('paste:'))).toBe(false);
    // The agent's side: its box is ready, it says idle, and it confirms what is submitted.
    const pane = w.pane('Agent_1');
    pane.screen = await readyScreen();
    w.terminal.onSubmit = (_pane, prompt) => void w.hook(session, 'Agent_1', 'UserPromptSubmit', { prompt });
    await w.hook(session, 'Agent_1', 'SessionStart', { source: 'startup' });
    await waitFor(() => pane.submitted.length === 1, 'the restored message submitted');
    expect(pane.submitted[0]).toContain('Please run the tests and report back.');
    expect(pane.submitted[0]).toContain(sent.taskId);
    const deliveries = await waitFor(async () => {
      const rows = await audited('delivery');
      return rows.some((r) => r['outcome'] === 'delivered') ? rows : undefined;
    }, 'the delivery audited');
    expect(deliveries.filter((r) => r['outcome'] === 'delivered')).toMatchObject([{ agent: 'Agent_1', session, detail: sent.deliveryId }]);
    await waitFor(async () => (await w.hub.getSessionStatus(CALLER, session)).agents[0]?.queuedMessages === 0, 'the queue emptied');
    expect(w.terminal.calls.filter((c) => c.startsWith('paste:'))).toHaveLength(1);
  });

  it('a message typed before the restart whose prompt the history confirms is never typed again', async () => {
    // The hub answers at once and waits long for the confirmation: it is down before one comes.
    await w.close();
    w = await memoryHub({ hub: { deliveryWaitMs: 0, confirmTimeoutMs: 60_000 } });
    const session = await sessionWithAgent();
    const pane = w.pane('Agent_1');
    pane.screen = await readyScreen();
    // The agent takes the paste but the hub goes down before its confirmation is read.
    let typed = '';
    w.terminal.onSubmit = (_pane, prompt) => {
      typed = prompt;
    };
    await w.hook(session, 'Agent_1', 'SessionStart', { source: 'startup' });
    const sent = await w.hub.sendMessage(CALLER, { agent_name: 'Agent_1', message: 'Summarise the open tasks for me.' });
    expect(sent.state).not.toBe('delivered');
    await waitFor(() => typed !== '', 'the message typed');
    await w.hub.close();
    // While the hub was down the agent's hook recorded the prompt.
    await w.hook(session, 'Agent_1', 'UserPromptSubmit', { prompt: typed });
    w.terminal.calls.length = 0;
    await w.restart();
    const delivered = await waitFor(
      async () => (await audited('delivery')).find((r) => String(r['detail']).includes('confirmed before restart')),
      'the confirmed-before-restart audit',
    );
    expect(delivered).toMatchObject({ agent: 'Agent_1', session, outcome: 'delivered', detail: `${sent.deliveryId} (confirmed before restart)` });
    expect((await w.hub.getSessionStatus(CALLER, session)).agents[0]?.queuedMessages).toBe(0);
    expect(w.terminal.calls.filter((c) => c.startsWith('paste:') || c === 'submit')).toEqual([]);
  });
});
