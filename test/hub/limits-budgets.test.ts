/**
 * Issue 14, the team acts together, on the real hub with the in-memory terminal (agents played
 * by appending their hook events): one agent's usage limit holds every delivery (queued
 * messages stay queued and saved), at the reset ONE agent is tried first and only when the API
 * answers it does everything held go out, each message exactly once; a session's budget warns
 * at 80 % and at 100 % holds its messages and writes the stop file the agents' PreToolUse stop
 * hook refuses tool calls with, until it is raised.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CALLER, memoryHub, newSession, readyScreen, type MemoryHub } from '../helpers/memory-hub.js';
import { waitFor } from '../helpers/wait.js';
import { StateStore } from '../../src/store/state-store.js';
import { silentLogger } from '../../src/log.js';
import { sessionStopFile } from '../../src/agent/settings.js';
import { CONTINUE_TEXT } from '../../src/hub/limits.js';
import { exec } from '../../src/exec.js';
import { STOP_SCRIPT } from '../../src/agent/settings.js';

let w: MemoryHub;
afterEach(async () => {
  await w?.close();
});

const statusOf = async (session: string, agent: string) => (await w.hub.getSessionStatus(CALLER, session)).agents.find((a) => a.name === agent)?.status;

describe('the usage-limit circuit breaker', () => {
  it('holds every agent at one agent’s limit, probes one at the reset, then delivers every held message exactly once', async () => {
    w = await memoryHub({ config: { limitWaitSeconds: 3600 } });
    const { session } = await newSession(w);
    for (const name of ['Agent_1', 'Agent_2']) await w.hub.createAgent(CALLER, { session_id: session, agent_name: name });
    const screen = await readyScreen();
    const log: string[] = [];
    let limited = true;
    // Seconds granularity: a reset 5 s ahead (room for a loaded machine to see the limit before it), named the way Claude Code's limit message names it.
    const reset = Math.ceil(Date.now() / 1000) + 5;
    w.terminal.onSubmit = (pane, prompt) => {
      const agent = pane.spec.name;
      log.push(`${agent}: ${prompt.split('\n').at(-1)}`);
      void (async () => {
        await w.hook(session, agent, 'UserPromptSubmit', { prompt });
        if (agent === 'Agent_1' && limited) {
          limited = false;
          await w.hook(session, agent, 'StopFailure', { error: 'rate_limit', last_assistant_message: `Claude AI usage limit reached|${reset}` });
          return;
        }
        await w.hook(session, agent, 'PreToolUse', { tool_name: 'Read' });
        await w.hook(session, agent, 'Stop', {});
      })();
    };
    for (const name of ['Agent_1', 'Agent_2']) {
      w.pane(name).screen = screen;
      await w.hook(session, name, 'SessionStart', { source: 'startup' });
    }
    await waitFor(async () => (await statusOf(session, 'Agent_2')) === 'idle' && (await statusOf(session, 'Agent_1')) === 'idle', 'both idle');

    await w.hub.sendMessage(CALLER, { agent_name: 'Agent_1', message: 'first' });
    const held = await waitFor(async () => (await w.hub.getSessionStatus(CALLER, session)).limit ?? false, 'the hold');
    expect(held).toMatchObject({ agent: 'Agent_1', resetAt: new Date(reset * 1000).toISOString(), cut: ['Agent_1'] });
    expect(await statusOf(session, 'Agent_1')).toBe('rate_limited');
    // Saved: a restarted hub would keep holding.
    const saved = await waitFor(async () => {
      const store = await StateStore.open({ dir: w.config.stateDir, env: { HOME: w.dir }, logger: silentLogger, readOnly: true });
      const limit = store.get().limit;
      await store.close();
      return limit ?? false;
    }, 'the hold saved');
    expect(saved).toMatchObject({ agent: 'Agent_1', cut: ['Agent_1'] });

    const toA2 = await w.hub.sendMessage(CALLER, { agent_name: 'Agent_2', message: 'second' });
    const toA1 = await w.hub.sendMessage(CALLER, { agent_name: 'Agent_1', message: 'third' });
    expect(toA2).toMatchObject({ state: 'queued', reason: expect.stringContaining('usage or rate limit') });
    expect(toA1.state).toBe('queued');

    // At the reset: Agent_1 is tried first (its held message), the API answers, then everyone.
    await waitFor(() => log.filter((l) => l.startsWith('Agent_2')).length === 1 && log.some((l) => l.endsWith(CONTINUE_TEXT)), 'everything delivered', 20_000);
    await waitFor(async () => (await w.hub.getSessionStatus(CALLER, session)).agents.every((a) => a.queuedMessages === 0), 'queues empty');
    expect(log).toEqual(['Agent_1: first', 'Agent_1: third', expect.stringMatching(/^Agent_[12]: /), expect.stringMatching(/^Agent_[12]: /)]);
    expect(log.filter((l) => l === 'Agent_2: second')).toHaveLength(1);
    expect(log.filter((l) => l === `Agent_1: ${CONTINUE_TEXT}`)).toHaveLength(1);
    expect((await w.hub.getSessionStatus(CALLER, session)).limit).toBeNull();
  });
});

describe('session budgets', () => {
  it('warns at 80 %, holds messages and refuses tool calls at 100 %, and lets them go when raised', async () => {
    w = await memoryHub();
    const root = await w.root('app');
    const created = await w.hub.createSession(CALLER, { root_path: root, session_name: 'app', budget_tokens: 1000 });
    const session = created.id;
    await w.hub.createAgent(CALLER, { session_id: session, agent_name: 'Agent_1' });
    const pane = w.pane('Agent_1');
    pane.screen = await readyScreen();
    w.terminal.onSubmit = (_p, prompt) => void w.hook(session, 'Agent_1', 'UserPromptSubmit', { prompt });
    const conv = 'c-1';
    const transcript = join(w.dir, `${conv}.jsonl`);
    const spend = (id: string, tokens: number) =>
      appendFile(
        transcript,
        JSON.stringify({ type: 'assistant', sessionId: conv, message: { id, model: 'claude-sonnet-4-5', usage: { input_tokens: tokens, output_tokens: 0 } } }) +
          '\n',
      );
    await writeFile(transcript, '');
    await spend('m1', 850);
    await w.hook(session, 'Agent_1', 'SessionStart', { source: 'startup', transcript_path: transcript });
    const warned = await waitFor(
      async () => (await w.hub.getSessionStatus(CALLER, session)).budget?.state === 'warning' && (await w.hub.getSessionStatus(CALLER, session)).budget,
      'warning',
    );
    expect(warned).toMatchObject({ tokens: 1000, usedPct: 85 });

    await spend('m2', 200);
    await w.hook(session, 'Agent_1', 'Stop', { transcript_path: transcript });
    await waitFor(async () => (await w.hub.getSessionStatus(CALLER, session)).budget?.state === 'exceeded', 'exceeded');
    const stopFile = sessionStopFile(w.config.stateDir, session);
    await waitFor(() => existsSync(stopFile), 'stop file');
    expect(await readFile(stopFile, 'utf8')).toMatch(/budget of session .* is spent \(105%\).*set_session_budget/);
    // The agents' stop hook refuses a tool call with that reason (exit 2, the reason on stderr).
    const refused = await exec('/bin/sh', [STOP_SCRIPT, stopFile], { input: '{"tool_name":"Bash"}', allowFailure: true });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('is spent');

    const sent = await w.hub.sendMessage(CALLER, { agent_name: 'Agent_1', message: 'more work' });
    expect(sent).toMatchObject({ state: 'queued', reason: expect.stringContaining('budget') });

    const raised = await w.hub.setSessionBudget(CALLER, { session_id: session, budget_tokens: 5000 });
    expect(raised.budget).toMatchObject({ state: 'ok', usedPct: 21 });
    await waitFor(() => pane.submitted.length === 1, 'delivered after the raise');
    expect(existsSync(stopFile)).toBe(false);
    expect(pane.submitted[0]).toContain('more work');
    const allowed = await exec('/bin/sh', [STOP_SCRIPT, stopFile], { input: '{}', allowFailure: true });
    expect(allowed.exitCode).toBe(0);
    await expect(w.hub.setSessionBudget(CALLER, { session_id: session, budget_usd: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
