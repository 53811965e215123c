import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, agentSchema, LIMITS, sessionIdField } from '../schemas.js';
import { agentOut } from '../outputs.js';

export const createAgent = defineTool({
  name: 'create_agent',
  level: 'HIGH',
  config: {
    title: 'Create agent',
    description: 'Add a Claude Code agent to the team, in its own terminal, working from TODO.md and task files.',
    inputSchema: z.strictObject({
      session_id: sessionIdField,
      agent_name: agentNameField.optional().describe('Default: the next free Agent_<n>.'),
      specialization: z.string().min(1).max(LIMITS.specialization).optional().describe('Its focus, e.g. "frontend"; told to it.'),
      system_prompt_suffix: z.string().min(1).max(LIMITS.systemPromptSuffix).optional().describe("Appended to the agent's system prompt."),
    }),
    outputSchema: z.object({ agent: agentSchema }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  },
  async handler(hub, caller, args) {
    const agent = await hub.createAgent(caller, {
      session_id: args.session_id,
      ...(args.agent_name === undefined ? {} : { agent_name: args.agent_name }),
      ...(args.specialization === undefined ? {} : { specialization: args.specialization }),
      ...(args.system_prompt_suffix === undefined ? {} : { system_prompt_suffix: args.system_prompt_suffix }),
    });
    return {
      structured: { agent: agentOut(agent) },
      text: `Agent started: agent_name ${agent.name} in session_id ${agent.session} (${agent.backend}); status: ${agent.status}.`,
    };
  },
});
