import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, agentViewSchema } from '../schemas.js';

export const clearAgentConversation = defineTool({
  name: 'clear_agent_conversation',
  level: 'MEDIUM',
  config: {
    title: 'Clear agent conversation',
    description:
      'Empty an agent\'s conversation (Claude Code\'s /clear) so it starts its next turn with a fresh context; its files and tasks stay.',
    inputSchema: z.strictObject({ agent_name: agentNameField }),
    outputSchema: z.object({ agent: agentViewSchema }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  },
  async handler(hub, caller, args) {
    const agent = await hub.clearConversation(caller, args.agent_name);
    return { structured: { agent }, text: `Conversation of ${agent.name} cleared; status: ${agent.status}.` };
  },
});
