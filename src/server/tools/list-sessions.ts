import { z } from 'zod';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { sessionInfoSchema } from '../schemas.js';
import { sessionOut } from '../outputs.js';

export const listSessions = defineTool({
  name: 'list_sessions',
  level: 'LOW',
  config: {
    title: 'List sessions',
    description: 'Every session: session_id, name, root, agents.',
    inputSchema: z.strictObject({}),
    outputSchema: z.object({ sessions: z.array(sessionInfoSchema) }),
    annotations: READ_ONLY,
  },
  async handler(hub, caller) {
    const sessions = await hub.listSessions(caller);
    const lines = sessions.map((s) => `- session_id ${s.id}: "${s.name}" ${s.root} (${s.agents.length} agent(s))`);
    return {
      structured: { sessions: sessions.map(sessionOut) },
      text: sessions.length === 0 ? 'No sessions yet; create one with create_session.' : `${sessions.length} session(s):\n${lines.join('\n')}`,
    };
  },
});
