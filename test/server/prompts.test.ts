/**
 * Issue 15, prompts and completions: through a real SDK client in front of the real hub on the
 * in-memory terminal. The prompts name only tools the server lists at its level; completion
 * answers session ids (prompt argument, resource templates), agent names (review_team's agent
 * focus) and task ids (task template).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { connectRealHub, type ConnectedRealHub } from './connect.js';

let real: ConnectedRealHub | undefined;
afterEach(async () => {
  await real?.close();
  real = undefined;
});

async function withSessionAndTask(): Promise<{ session: string; task: string }> {
  const root = join(real!.dir, 'webapp');
  await mkdir(root, { recursive: true });
  const created = (await real!.client.callTool({ name: 'create_session', arguments: { root_path: root, session_name: 'webapp' } })) as CallToolResult;
  const session = (created.structuredContent as { session: { session_id: string } }).session.session_id;
  const task = (await real!.client.callTool({ name: 'create_task', arguments: { session_id: session, title: 'Parse the config' } })) as CallToolResult;
  return { session, task: (task.structuredContent as { task: { task_id: string } }).task.task_id };
}

/** Every snake_case word in `text` that names a tool of this server. */
/** The text of a prompt's first message. */
function firstText(result: { messages: { content: unknown }[] }): string {
  const content = result.messages[0]?.content as { text?: string } | undefined;
  return content?.text ?? '';
}

function toolsNamed(text: string, all: readonly string[]): string[] {
  return all.filter((tool) => new RegExp(`\\b${tool}\\b`).test(text));
}

describe('prompts', () => {
  it('lists start_team and review_team with their arguments, and gets them with the arguments in the text', async () => {
    real = await connectRealHub({ config: { securityLevel: 'HIGH' } });
    const { prompts } = await real.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['review_team', 'start_team']);
    const start = prompts.find((p) => p.name === 'start_team')!;
    expect(start.arguments?.map((a) => [a.name, a.required ?? false])).toEqual([
      ['root_path', true],
      ['goal', true],
      ['agents', false],
    ]);

    const got = await real.client.getPrompt({ name: 'start_team', arguments: { root_path: '/work/app', goal: 'Add a login page', agents: '3' } });
    const text = firstText(got);
    expect(text).toContain('/work/app');
    expect(text).toContain('Add a login page');
    expect(text).toContain('3 Claude Code agent(s)');
    const { tools } = await real.client.listTools();
    const listed = tools.map((t) => t.name);
    // Every tool-like word it names is a tool this server lists.
    const named = text.match(/\b[a-z]+(?:_[a-z]+)+\b/g) ?? [];
    for (const word of named.filter((w) => /_(session|agent|task|team|status|todo|output|prompt|sessions|tasks)$/.test(w)))
      expect(listed, word).toContain(word);
    expect(toolsNamed(text, listed)).toEqual(expect.arrayContaining(['create_session', 'create_task', 'create_agent', 'wait_for_team']));

    const review = await real.client.getPrompt({ name: 'review_team', arguments: { session_id: 'webapp-abc123' } });
    const reviewText = firstText(review);
    expect(reviewText).toContain('webapp-abc123');
    expect(reviewText).not.toContain('Look closer');
    expect(prompts.find((p) => p.name === 'review_team')?.arguments?.map((a) => [a.name, a.required ?? false])).toEqual([
      ['session_id', true],
      ['agent_name', false],
    ]);
    const focused = firstText(await real.client.getPrompt({ name: 'review_team', arguments: { session_id: 'webapp-abc123', agent_name: 'Agent_2' } }));
    expect(focused).toContain('Look closer at agent_name Agent_2');
    expect(toolsNamed(focused, listed)).toEqual(expect.arrayContaining(['list_tasks', 'read_agent_output']));
    expect(toolsNamed(reviewText, listed)).toEqual(expect.arrayContaining(['get_session_status', 'list_tasks', 'answer_agent_prompt']));
  });

  it('a LOW server offers only review_team, naming no tool it does not list', async () => {
    real = await connectRealHub({ config: { securityLevel: 'LOW' } });
    const { prompts } = await real.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['review_team']);
    const listed = (await real.client.listTools()).tools.map((t) => t.name);
    const text = firstText(await real.client.getPrompt({ name: 'review_team', arguments: { session_id: 's1' } }));
    const all = ['answer_agent_prompt', 'update_task', 'create_task', 'create_agent', 'send_message_to_agent', ...listed];
    expect(toolsNamed(text, all).every((tool) => listed.includes(tool))).toBe(true);
    expect(text).toContain('get_session_status');
  });
});

describe('completion/complete', () => {
  it('completes session ids in the review_team prompt and the resource templates, task ids in the task template', async () => {
    real = await connectRealHub({ config: { securityLevel: 'HIGH' } });
    const { session, task } = await withSessionAndTask();

    const prompt = await real.client.complete({ ref: { type: 'ref/prompt', name: 'review_team' }, argument: { name: 'session_id', value: 'web' } });
    expect(prompt.completion.values).toEqual([session]);
    const none = await real.client.complete({ ref: { type: 'ref/prompt', name: 'review_team' }, argument: { name: 'session_id', value: 'zz' } });
    expect(none.completion.values).toEqual([]);

    const status = await real.client.complete({
      ref: { type: 'ref/resource', uri: 'hub://sessions/{session_id}/status' },
      argument: { name: 'session_id', value: '' },
    });
    expect(status.completion.values).toEqual([session]);

    const tasks = await real.client.complete({
      ref: { type: 'ref/resource', uri: 'hub://sessions/{session_id}/tasks/{task_id}' },
      argument: { name: 'task_id', value: 'TASK' },
      context: { arguments: { session_id: session } },
    });
    expect(tasks.completion.values).toEqual([task]);
  });

  it("completes agent names in review_team's agent focus, from the session the request names", async () => {
    real = await connectRealHub({ config: { securityLevel: 'HIGH' } });
    const { session } = await withSessionAndTask();
    const otherRoot = join(real.dir, 'api');
    await mkdir(otherRoot, { recursive: true });
    const other = (await real.client.callTool({ name: 'create_session', arguments: { root_path: otherRoot, session_name: 'api' } })) as CallToolResult;
    const otherId = (other.structuredContent as { session: { session_id: string } }).session.session_id;
    for (const [sessionId, agentName] of [
      [session, 'Agent_1'],
      [session, 'Reviewer'],
      [otherId, 'Agent_2'],
    ] as const) {
      const made = (await real.client.callTool({ name: 'create_agent', arguments: { session_id: sessionId, agent_name: agentName } })) as CallToolResult;
      expect(made.isError, JSON.stringify(made.content)).toBeFalsy();
    }
    const complete = (value: string, args?: Record<string, string>) =>
      real!.client
        .complete({
          ref: { type: 'ref/prompt', name: 'review_team' },
          argument: { name: 'agent_name', value },
          ...(args ? { context: { arguments: args } } : {}),
        })
        .then((r) => r.completion.values);

    expect(await complete('', { session_id: session })).toEqual(['Agent_1', 'Reviewer']);
    expect(await complete('agent', { session_id: session })).toEqual(['Agent_1']);
    expect(await complete('', { session_id: otherId })).toEqual(['Agent_2']);
    // No session named yet (or one that does not exist): every agent of the hub.
    expect((await complete('')).sort()).toEqual(['Agent_1', 'Agent_2', 'Reviewer']);
    expect((await complete('A', { session_id: 'nope' })).sort()).toEqual(['Agent_1', 'Agent_2']);
    expect(await complete('zz', { session_id: session })).toEqual([]);
  });
});
