/**
 * Issue 18, item 8: get_session_status fits 8 KiB whatever the files hold. A property over
 * random statuses (up to 16 agents with long reasons and dialogs, hundreds of tasks, sections
 * and diagnostics with long texts), and one through the MCP client with the largest of them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AgentView, SessionStatus, TaskSummary } from '../../src/hub/types.js';
import { STATUS_MAX_BYTES, statusForModel } from '../../src/server/tools/get-session-status.js';
import { connect, type Connected } from './connect.js';
import { FakeHub } from './fake-hub.js';

const long = (n: number) => fc.string({ minLength: 0, maxLength: n, unit: 'grapheme' });

const agent = (session: string) =>
  fc
    .record({
      name: fc.stringMatching(/^Agent_[0-9]{1,3}$/),
      why: long(2000),
      question: long(4000),
      choices: fc.array(long(300), { maxLength: 12 }),
      prompt: fc.boolean(),
    })
    .map(
      (a): AgentView => ({
        name: a.name,
        session,
        status: a.prompt ? 'waiting_for_person' : 'working',
        why: a.why,
        specialization: a.why.slice(0, 100),
        currentTask: 'TASK-1',
        progress: { done: 1, total: 3 },
        lastActivity: '2026-11-21T10:00:00Z',
        claudeSessionId: 'abc',
        backend: 'tmux',
        terminal: { backend: 'tmux', id: '%1' },
        pendingPrompt: a.prompt
          ? { kind: 'question', question: a.question, choices: a.choices.map((label, i) => ({ number: i + 1, label })), since: '2026-11-21T10:00:00Z' }
          : null,
        queuedMessages: 2,
        idleReason: a.prompt ? null : 'open_work',
        stuckSince: a.prompt ? null : '2026-11-21T10:00:00Z',
        lastTool: 'mcp__some_server__some_long_tool_name_for_budget',
        resetAt: '2026-11-21T15:00:00.000Z',
        usage: {
          input: 123_456_789,
          output: 98_765_432,
          cacheRead: 1_234_567_890,
          cacheWrite: 234_567_890,
          messages: 99_999,
          costUsd: 12345.678901,
          unpricedMessages: 3,
          model: 'claude-opus-4-8-20261101',
          contextTokens: 987_654,
          contextWindow: 1_000_000,
          skipped: 2,
        },
      }),
    );

const task = fc.record({ n: fc.integer({ min: 1, max: 99999 }), title: long(300), open: fc.boolean() }).map(
  (t): TaskSummary => ({
    id: `TASK-${t.n}`,
    title: t.title,
    status: t.open ? 'todo' : 'done',
    priority: 'high',
    assignee: 'Agent_1',
    from: 'user',
    progress: { done: 0, total: 4 },
    file: `.claude-hub/tasks/TASK-${t.n}-${'x'.repeat(60)}.md`,
    updated: null,
  }),
);

const status = fc
  .record({
    name: long(64),
    root: long(500),
    agents: fc.array(agent('s1'), { maxLength: 16 }),
    tasks: fc.array(task, { maxLength: 300 }),
    sections: fc.array(fc.record({ title: long(400), done: fc.nat(60), total: fc.integer({ min: 0, max: 60 }) }), { maxLength: 500 }),
    diagnostics: fc.array(fc.record({ file: long(300), message: long(1000), error: fc.boolean() }), { maxLength: 400 }),
  })
  .map(
    (s): SessionStatus => ({
      session: { id: 's1', name: s.name, root: `/${s.root}`, createdAt: '2026-11-21T00:00:00Z', agents: s.agents.map((a) => a.name) },
      agents: s.agents,
      todo: { done: 0, total: 0, sections: s.sections.map((x) => ({ ...x, agent: 'Agent_1' })) },
      tasks: { total: s.tasks.length, byStatus: { todo: s.tasks.length }, items: s.tasks },
      diagnostics: s.diagnostics.map((d) => ({ file: d.file, line: 3, severity: d.error ? 'error' : 'warning', code: 'yaml-invalid', message: d.message })),
      usage: {
        total: { input: 1e9, output: 1e9, cacheRead: 1e10, cacheWrite: 1e9, messages: 1e6, costUsd: 99999.99, unpricedMessages: 0 },
        byTask: Object.fromEntries(
          s.tasks.map((t) => [t.id, { input: 1e6, output: 1e6, cacheRead: 1e7, cacheWrite: 1e6, messages: 100, costUsd: 12.5, unpricedMessages: 0 }]),
        ),
      },
      limit: {
        since: '2026-11-21T10:00:00.000Z',
        resetAt: '2026-11-21T15:00:00.000Z',
        resumeAt: '2026-11-21T15:00:00.000Z',
        agent: s.agents[0]?.name ?? 'Agent_1',
        reason: s.name.repeat(20),
        cut: s.agents.map((a) => a.name),
        probe: null,
      },
      budget: { usd: 1234.5, tokens: 987_654_321, usedPct: 99.9, state: 'warning' },
    }),
  );

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('get_session_status fits its budget whatever the files hold', () => {
  it('statusForModel is at most 8 KiB minus room for the text, on random statuses, and keeps the counts', () => {
    fc.assert(
      fc.property(status, (s) => {
        const shown = statusForModel(s) as { tasks: { total: number }; diagnosticCounts: { total: number }; todo: { sectionCount: number } };
        expect(bytes(shown)).toBeLessThanOrEqual(STATUS_MAX_BYTES - 512);
        expect(shown.tasks.total).toBe(s.tasks.total);
        expect(shown.diagnosticCounts.total).toBe(s.diagnostics.length);
        expect(shown.todo.sectionCount).toBe(s.todo.sections.length);
      }),
      { numRuns: 150 },
    );
  });

  let c: Connected | undefined;
  afterEach(async () => {
    await c?.close();
    c = undefined;
  });

  it('through the MCP client: 16 agents at dialogs with long questions, 300 tasks, 400 diagnostics', async () => {
    const huge = fc.sample(status, { numRuns: 1, seed: 7 })[0] as SessionStatus;
    const agents = Array.from({ length: 16 }, (_, i) => ({
      ...(fc.sample(agent('s1'), { numRuns: 1, seed: i })[0] as AgentView),
      name: `Agent_${i + 1}`,
      why: 'w'.repeat(3000),
      pendingPrompt: {
        kind: 'question' as const,
        question: 'q'.repeat(5000),
        choices: Array.from({ length: 12 }, (_, n) => ({ number: n + 1, label: 'l'.repeat(300) })),
        since: 'now',
      },
    }));
    const everything: SessionStatus = {
      ...huge,
      agents,
      diagnostics: Array.from({ length: 400 }, (_, i) => ({
        file: `f${i}.md`,
        line: i,
        severity: 'error' as const,
        code: 'yaml-invalid',
        message: 'm'.repeat(900),
      })),
    };
    class BigHub extends FakeHub {
      override async getSessionStatus(): Promise<SessionStatus> {
        return everything;
      }
    }
    c = await connect({ hub: new BigHub() });
    const result = (await c.client.callTool({ name: 'get_session_status', arguments: { session_id: 's1' } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(bytes(result)).toBeLessThanOrEqual(STATUS_MAX_BYTES);
    const shown = result.structuredContent as {
      agents: { agent_name: string; pendingPrompt: unknown }[];
      agentsOmitted: number;
      diagnosticsOmitted: number;
      more: string;
    };
    // Every agent is still there (a dialog waiting for a person must not be cut away), each in brief.
    expect(shown.agents).toHaveLength(16);
    expect(shown.agentsOmitted).toBe(0);
    expect(shown.agents.every((a) => a.pendingPrompt !== null)).toBe(true);
    expect(shown.diagnosticsOmitted).toBeGreaterThan(390);
    expect(shown.more).toMatch(/list_tasks .*hub:\/\/sessions\/s1\/status/);
  });
});
