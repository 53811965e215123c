import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, agentSchema } from '../schemas.js';
import { agentOut } from '../outputs.js';

export const startNewAgentConversation = defineTool({
  name: 'start_new_agent_conversation',
  level: 'MEDIUM',
  config: {
    title: 'Start new agent conversation',
    description: "Restart an exited or stuck agent's Claude Code: a fresh conversation, or resume the last.",
    inputSchema: z.strictObject({
      agent_name: agentNameField,
      resume: z.boolean().default(false).describe('claude --resume.'),
    }),
    outputSchema: z.object({ agent: agentSchema }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  },
  async handler(hub, caller, args) {
    const agent = await hub.startNewConversation(caller, args.agent_name, args.resume);
    return {
      structured: { agent: agentOut(agent) },
      text: `agent_name ${agent.name} restarted with ${args.resume ? 'its last conversation resumed' : 'a new conversation'}; status: ${agent.status}.`,
    };
  },
});
