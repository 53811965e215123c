import { afterEach, describe, expect, it } from 'vitest';
import { TOOL_LEVELS, toolLevel } from '../../src/server/tool-levels.js';
import { TOOLS } from '../../src/server/tools/index.js';
import { connect, type Connected } from './connect.js';

const EXPECTED_PARAMETERS: Record<string, { required: string[]; optional: string[] }> = {
  create_session: { required: ['root_path', 'session_name'], optional: ['trust_root', 'budget_usd', 'budget_tokens'] },
  get_session_status: { required: ['session_id'], optional: [] },
  wait_for_team: { required: ['session_id', 'until'], optional: ['task_id', 'timeout_s'] },
  delete_session: { required: ['session_id'], optional: ['force'] },
  set_session_budget: { required: ['session_id'], optional: ['budget_usd', 'budget_tokens'] },
  create_agent: { required: ['session_id'], optional: ['agent_name', 'specialization', 'system_prompt_suffix'] },
  delete_agent: { required: ['agent_name'], optional: ['force'] },
  send_message_to_agent: { required: ['agent_name', 'message'], optional: ['from'] },
  clear_agent_conversation: { required: ['agent_name'], optional: [] },
  start_new_agent_conversation: { required: ['agent_name'], optional: ['resume'] },
  answer_agent_prompt: { required: ['agent_name', 'choice'], optional: [] },
  list_sessions: { required: [], optional: [] },
  list_tasks: { required: [], optional: ['session_id', 'status', 'assignee'] },
  create_task: { required: ['session_id', 'title'], optional: ['assignee', 'from', 'priority', 'body', 'depends_on'] },
  update_task: { required: ['session_id', 'task_id'], optional: ['status', 'assignee', 'priority', 'title', 'log', 'from'] },
  edit_todo: { required: ['session_id', 'action'], optional: ['agent', 'text', 'line'] },
  read_agent_output: { required: ['agent_name'], optional: ['lines'] },
  show_board: { required: [], optional: [] },
};

let connected: Connected | undefined;
afterEach(async () => {
  await connected?.close();
  connected = undefined;
});

describe('tools/list', () => {
  it('lists exactly the eighteen tools with their exact parameters at HIGH', async () => {
    connected = await connect({ config: { securityLevel: 'HIGH' } });
    const { tools } = await connected.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(Object.keys(EXPECTED_PARAMETERS).sort());
    for (const tool of tools) {
      const expected = EXPECTED_PARAMETERS[tool.name]!;
      const properties = Object.keys(tool.inputSchema.properties ?? {}).sort();
      expect(properties, tool.name).toEqual([...expected.required, ...expected.optional].sort());
      expect([...(tool.inputSchema.required ?? [])].sort(), tool.name).toEqual([...expected.required].sort());
      // Every parameter is described for the model.
      for (const [name, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect((schema as { description?: string }).description, `${tool.name}.${name}`).toMatch(/\w{3,}/);
      }
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      // A title is listed only when it says more than the name in words.
      const defined = TOOLS.find((t) => t.name === tool.name)!.config.title;
      expect(tool.title, tool.name).toBe(defined.toLowerCase() === tool.name.replaceAll('_', ' ') ? undefined : defined);
      expect(tool.description!.length, tool.name).toBeGreaterThan(30);
    }
  });

  it('tells the truth in annotations: reads are read-only, deletes destructive, terminals open-world', async () => {
    connected = await connect();
    const { tools } = await connected.client.listTools();
    // tools/list leaves out hints equal to MCP's defaults; a client reads them with the defaults applied.
    const defaults = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };
    const byName = new Map(tools.map((t) => [t.name, { ...defaults, ...t.annotations }]));
    for (const read of ['get_session_status', 'wait_for_team', 'list_sessions', 'list_tasks', 'read_agent_output', 'show_board']) {
      expect(byName.get(read), read).toMatchObject({ readOnlyHint: true });
      // MCP: destructiveHint and idempotentHint are meaningful only when readOnlyHint is false; a read leaves them out.
      const listed = tools.find((t) => t.name === read)?.annotations ?? {};
      expect(listed, read).not.toHaveProperty('destructiveHint');
      expect(listed, read).not.toHaveProperty('idempotentHint');
    }
    for (const write of [
      'create_session',
      'set_session_budget',
      'delete_session',
      'create_agent',
      'delete_agent',
      'send_message_to_agent',
      'clear_agent_conversation',
      'start_new_agent_conversation',
      'answer_agent_prompt',
      'create_task',
      'update_task',
      'edit_todo',
    ]) {
      expect(byName.get(write)?.readOnlyHint, write).toBe(false);
    }
    for (const destructive of ['delete_session', 'delete_agent', 'clear_agent_conversation', 'start_new_agent_conversation']) {
      expect(byName.get(destructive)?.destructiveHint, destructive).toBe(true);
    }
    for (const touchesTerminals of [
      'create_agent',
      'delete_agent',
      'delete_session',
      'send_message_to_agent',
      'clear_agent_conversation',
      'start_new_agent_conversation',
      'answer_agent_prompt',
      'read_agent_output',
    ]) {
      expect(byName.get(touchesTerminals)?.openWorldHint, touchesTerminals).toBe(true);
    }
    for (const filesOnly of [
      'create_session',
      'set_session_budget',
      'get_session_status',
      'list_sessions',
      'list_tasks',
      'create_task',
      'update_task',
      'edit_todo',
    ]) {
      expect(byName.get(filesOnly)?.openWorldHint, filesOnly).toBe(false);
    }
  });

  it("the level checks read each tool's level from its definition (the one place it is written)", () => {
    for (const tool of TOOLS) expect(toolLevel(tool.name), tool.name).toBe(tool.level);
    for (const tool of TOOLS) expect(tool.level, tool.name).toBe(TOOL_LEVELS[tool.name]);
    expect(TOOLS.map((t) => t.name).sort()).toEqual(Object.keys(TOOL_LEVELS).sort());
  });
});
