import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, agentViewSchema } from '../schemas.js';

export const startNewAgentConversation = defineTool({
  name: 'start_new_agent_conversation',
  level: 'MEDIUM',
  config: {
    title: 'Start new agent conversation',
    description:
      'Restart an agent\'s Claude Code in its terminal: a fresh conversation, or with resume the last one again (claude --resume). ' +
      'Use it for an agent that exited or is stuck.',
    inputSchema: z.strictObject({
      agent_name: agentNameField,
      resume: z.boolean().default(false).describe('Reopen the agent\'s last conversation instead of starting an empty one. Default false.'),
    }),
    outputSchema: z.object({ agent: agentViewSchema }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  },
  async handler(hub, caller, args) {
    const agent = await hub.startNewConversation(caller, args.agent_name, args.resume);
    return {
      structured: { agent },
      text: `${agent.name} restarted with ${args.resume ? 'its last conversation resumed' : 'a new conversation'}; status: ${agent.status}.`,
    };
  },
});
