import { afterEach, describe, expect, it } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from '../../src/hub/api.js';
import { ERROR_META_KEY, type CallOutcome } from '../../src/server/call-tool.js';
import { connect, type Connected } from './connect.js';

let c: Connected | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const LOW_TOOLS = ['get_session_status', 'wait_for_team', 'list_sessions', 'list_tasks', 'read_agent_output', 'show_board'];

describe('security ceiling', () => {
  it('LOW lists only the LOW tools and refuses the others with FORBIDDEN, without calling the hub', async () => {
    const audited: { caller: Caller; tool: string; outcome: CallOutcome }[] = [];
    c = await connect({ config: { securityLevel: 'LOW' }, audit: (caller, tool, outcome) => audited.push({ caller, tool, outcome }) });
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...LOW_TOOLS].sort());

    const refused = (await c.client.callTool({ name: 'create_session', arguments: { root_path: '/w', session_name: 'w' } })) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(refused._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'FORBIDDEN', data: { tool: 'create_session', needed: 'MEDIUM', ceiling: 'LOW' } });
    expect((refused.content[0] as { text: string }).text).toContain('--security-level MEDIUM');
    expect(c.hub.calls).toHaveLength(0);
    expect(audited).toEqual([
      {
        caller: { kind: 'mcp', id: 'stdio' },
        tool: 'create_session',
        outcome: { status: 'refused', code: 'FORBIDDEN', message: expect.stringContaining('MEDIUM') },
      },
    ]);

    const allowed = (await c.client.callTool({ name: 'list_sessions', arguments: {} })) as CallToolResult;
    expect(allowed.isError).toBeFalsy();
    expect(audited.at(-1)).toMatchObject({ tool: 'list_sessions', outcome: { status: 'ok' } });
  });

  it('MEDIUM lists LOW and MEDIUM tools but not the HIGH ones (create/delete agents, delete sessions)', async () => {
    c = await connect({ config: { securityLevel: 'MEDIUM' } });
    const names = (await c.client.listTools()).tools.map((t) => t.name);
    expect(names).toHaveLength(15);
    expect(names).toContain('edit_todo');
    expect(names).toContain('set_session_budget');
    for (const high of ['create_agent', 'delete_agent', 'delete_session']) expect(names).not.toContain(high);
    const refused = (await c.client.callTool({ name: 'delete_session', arguments: { session_id: 's1' } })) as CallToolResult;
    expect(refused._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('the audit hook sees invalid arguments and hub failures too', async () => {
    const outcomes: CallOutcome[] = [];
    c = await connect({ audit: (_caller, _tool, outcome) => outcomes.push(outcome) });
    await c.client.callTool({ name: 'get_session_status', arguments: {} });
    await c.client.callTool({ name: 'get_session_status', arguments: { session_id: 'missing' } });
    expect(outcomes).toEqual([
      { status: 'invalid', code: 'INVALID_ARGUMENT', message: expect.any(String) },
      { status: 'failed', code: 'SESSION_NOT_FOUND', message: expect.any(String) },
    ]);
  });
});
