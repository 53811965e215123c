/**
 * Issue 15: found by tool search. Newer Claude Code defers MCP tools and a model loads them by
 * calling ToolSearch with keywords. What it matches, read from Claude Code 2.1.332's binary: each
 * keyword scores against the parts of the tool's name (exact 12, a part containing it 6), the
 * description (the whole word, 2) and `_meta["anthropic/searchHint"]` (4); the best five are
 * loaded. This scores tools/list the same way for what a person asks, and wants the right tool
 * among the first few. (The real ToolSearch runs in test/e2e/orchestrator-claude.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { connect, type Connected } from './connect.js';

let c: Connected;
let tools: Tool[];
beforeAll(async () => {
  c = await connect({ config: { securityLevel: 'HIGH' } });
  tools = (await c.client.listTools()).tools;
});
afterAll(async () => {
  await c.close();
});

const escapeRegExp = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Claude Code's keyword score of one tool for a query (see the header). */
function score(tool: Tool, query: string): number {
  const parts = tool.name.toLowerCase().split('_');
  const description = (tool.description ?? '').toLowerCase();
  const hint = typeof tool._meta?.['anthropic/searchHint'] === 'string' ? tool._meta['anthropic/searchHint'].toLowerCase() : '';
  let total = 0;
  for (const word of query.toLowerCase().split(/\s+/).filter(Boolean)) {
    const whole = new RegExp(`\\b${escapeRegExp(word)}\\b`);
    if (parts.includes(word)) total += 12;
    else if (parts.some((p) => p.includes(word))) total += 6;
    if (hint && whole.test(hint)) total += 4;
    if (description.includes(word) && whole.test(description)) total += 2;
  }
  return total;
}

function search(query: string, max = 5): string[] {
  return tools
    .map((tool) => ({ name: tool.name, score: score(tool, query) }))
    .filter((t) => t.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, max)
    .map((t) => t.name);
}

describe('tool search finds each tool by the words a person uses', () => {
  const cases: [string, string, number][] = [
    // query, the tool it must find, within the first N
    ['claude code agent', 'create_agent', 5],
    ['start agent team', 'create_agent', 3],
    ['new session codebase', 'create_session', 2],
    ['wait team', 'wait_for_team', 1],
    ['wait agents idle', 'wait_for_team', 1],
    ['team status', 'get_session_status', 3],
    ['session status', 'get_session_status', 1],
    ['message agent', 'send_message_to_agent', 1],
    ['send work to agent', 'send_message_to_agent', 2],
    ['assign task', 'create_task', 2],
    ['update task status', 'update_task', 1],
    ['list tasks', 'list_tasks', 1],
    ['list sessions', 'list_sessions', 1],
    ['agent permission dialog', 'answer_agent_prompt', 3],
    ['agent screen terminal', 'read_agent_output', 2],
    ['restart agent claude code', 'start_new_agent_conversation', 3],
    ['clear agent context', 'clear_agent_conversation', 1],
    ['todo checklist item', 'edit_todo', 2],
    ['remove agent', 'delete_agent', 2],
    ['end session', 'delete_session', 2],
  ];
  it.each(cases)('%j finds %s in the first %i', (query, tool, within) => {
    expect(search(query, within), `${query}: ${search(query, 8).join(', ')}`).toContain(tool);
  });

  it('every description says Claude Code, agent, team, session, task or message, and all six are said', () => {
    const words = ['claude code', 'agent', 'team', 'session', 'task', 'message'];
    for (const tool of tools)
      expect(
        words.some((w) => `${tool.name} ${tool.description}`.toLowerCase().includes(w)),
        tool.name,
      ).toBe(true);
    for (const word of words)
      expect(
        tools.some((t) => (t.description ?? '').toLowerCase().includes(word)),
        word,
      ).toBe(true);
  });
});
