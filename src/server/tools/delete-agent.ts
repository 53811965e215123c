import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, forceField } from '../schemas.js';

export const deleteAgent = defineTool({
  name: 'delete_agent',
  level: 'HIGH',
  config: {
    title: 'Delete agent',
    description: 'Remove an agent: close its Claude Code terminal; files stay. Refused while it works, unless force.',
    inputSchema: z.strictObject({
      agent_name: agentNameField,
      force: forceField.describe('Close it even then.'),
    }),
    outputSchema: z.object({ agent_name: z.string(), session_id: z.string() }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  },
  async handler(hub, caller, args) {
    const result = await hub.deleteAgent(caller, args.agent_name, args.force);
    return {
      structured: { agent_name: result.agent, session_id: result.session },
      text: `Agent closed: agent_name ${result.agent} (session_id ${result.session}).`,
    };
  },
});
