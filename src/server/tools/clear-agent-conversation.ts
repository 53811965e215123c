import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, agentSchema } from '../schemas.js';
import { agentOut } from '../outputs.js';

export const clearAgentConversation = defineTool({
  name: 'clear_agent_conversation',
  level: 'MEDIUM',
  config: {
    title: 'Clear agent conversation',
    description: "Clear an agent's Claude Code conversation (/clear): a fresh context; files and tasks stay.",
    inputSchema: z.strictObject({ agent_name: agentNameField }),
    outputSchema: z.object({ agent: agentSchema }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  },
  async handler(hub, caller, args) {
    const agent = await hub.clearConversation(caller, args.agent_name);
    return { structured: { agent: agentOut(agent) }, text: `Conversation of agent_name ${agent.name} cleared; status: ${agent.status}.` };
  },
});
