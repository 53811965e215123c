import { describe, expect, it } from 'vitest';
import { ROLE_LEVELS } from '../../src/security/levels.js';
import { allowedAt, checkToolAllowed, TOOL_LEVELS, toolLevel, toolsAllowedAt } from '../../src/server/tool-levels.js';
import { HubError } from '../../src/errors.js';

function refusal(fn: () => void): HubError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HubError) return error;
    throw error;
  }
  throw new Error('expected a HubError');
}

describe('tool levels', () => {
  it('gives every tool of the MCP issue its level', () => {
    expect(TOOL_LEVELS).toEqual({
      create_session: 'MEDIUM',
      get_session_status: 'LOW',
      wait_for_team: 'LOW',
      delete_session: 'HIGH',
      set_session_budget: 'MEDIUM',
      create_agent: 'HIGH',
      delete_agent: 'HIGH',
      send_message_to_agent: 'MEDIUM',
      clear_agent_conversation: 'MEDIUM',
      start_new_agent_conversation: 'MEDIUM',
      answer_agent_prompt: 'MEDIUM',
      list_sessions: 'LOW',
      list_tasks: 'LOW',
      create_task: 'MEDIUM',
      update_task: 'MEDIUM',
      edit_todo: 'MEDIUM',
      read_agent_output: 'LOW',
      show_board: 'LOW',
    });
    expect(ROLE_LEVELS).toEqual({ viewer: 'LOW', operator: 'MEDIUM', admin: 'HIGH' });
  });

  it('lists only LOW tools on a LOW server, and everything on a HIGH one', () => {
    expect(toolsAllowedAt('LOW').sort()).toEqual(['get_session_status', 'list_sessions', 'list_tasks', 'read_agent_output', 'show_board', 'wait_for_team']);
    expect(toolsAllowedAt('HIGH')).toHaveLength(Object.keys(TOOL_LEVELS).length);
    expect(toolsAllowedAt('HIGH', 'operator')).not.toContain('create_agent');
    expect(toolsAllowedAt('HIGH', 'operator')).toContain('send_message_to_agent');
  });

  it('treats an unknown tool as HIGH (fails closed)', () => {
    expect(toolLevel('drop_everything')).toBe('HIGH');
    expect(allowedAt('drop_everything', 'MEDIUM')).toBe(false);
    expect(allowedAt('__proto__', 'MEDIUM')).toBe(false);
  });

  it('refuses create_agent on a LOW server, saying what it needs and how to allow it', () => {
    const error = refusal(() => checkToolAllowed('create_agent', 'LOW'));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain('create_agent needs security level HIGH');
    expect(error.message).toContain('runs at LOW');
    expect(error.message).toContain('--security-level HIGH');
    expect(error.data).toMatchObject({ tool: 'create_agent', needed: 'HIGH', ceiling: 'LOW' });
  });

  it('refuses a viewer token send_message_to_agent, naming the role that would do', () => {
    const error = refusal(() => checkToolAllowed('send_message_to_agent', 'HIGH', 'viewer'));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain('role "viewer" allows only LOW');
    expect(error.message).toContain('"operator"');
    expect(error.data).toMatchObject({ role: 'viewer', roleLevel: 'LOW', needed: 'MEDIUM' });
  });

  it('allows exactly the pairs within both ceilings', () => {
    for (const tool of Object.keys(TOOL_LEVELS)) {
      for (const ceiling of ['LOW', 'MEDIUM', 'HIGH'] as const) {
        for (const role of [undefined, 'viewer', 'operator', 'admin'] as const) {
          const allowed = allowedAt(tool, ceiling, role);
          if (allowed) expect(() => checkToolAllowed(tool, ceiling, role)).not.toThrow();
          else expect(refusal(() => checkToolAllowed(tool, ceiling, role)).code).toBe('FORBIDDEN');
        }
      }
    }
    expect(allowedAt('list_sessions', 'LOW', 'viewer')).toBe(true);
    expect(allowedAt('delete_session', 'HIGH', 'admin')).toBe(true);
    expect(allowedAt('delete_session', 'MEDIUM', 'admin')).toBe(false);
  });
});
