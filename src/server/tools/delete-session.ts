import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { forceField, sessionIdField, sessionInfoSchema } from '../schemas.js';
import { sessionOut } from '../outputs.js';

export const deleteSession = defineTool({
  name: 'delete_session',
  level: 'HIGH',
  config: {
    title: 'Delete session',
    description: 'End a session: close its agents, forget it; files stay. Unless force, not while an agent works.',
    inputSchema: z.strictObject({ session_id: sessionIdField, force: forceField }),
    outputSchema: z.object({ session: sessionInfoSchema, closedAgents: z.array(z.string()) }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  },
  async handler(hub, caller, args) {
    const result = await hub.deleteSession(caller, args.session_id, args.force);
    return {
      structured: { session: sessionOut(result.session), closedAgents: [...result.closedAgents] },
      text: `Session "${result.session.name}" (session_id ${result.session.id}) deleted; closed ${result.closedAgents.length} agent(s). Its files stay in ${result.session.root}.`,
    };
  },
});
