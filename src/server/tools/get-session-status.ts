import { z } from 'zod';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { sessionIdField, sessionStatusSchema } from '../schemas.js';

export const getSessionStatus = defineTool({
  name: 'get_session_status',
  level: 'LOW',
  config: {
    title: 'Session status',
    description:
      'What a session looks like right now, from the live index: each agent (status and why, current task, progress, last activity, pending dialog), ' +
      'the tasks by status, TODO.md progress per section, and diagnostics for files that could not be read.',
    inputSchema: z.strictObject({ session_id: sessionIdField }),
    outputSchema: sessionStatusSchema,
    annotations: READ_ONLY,
  },
  async handler(hub, caller, args) {
    const status = await hub.getSessionStatus(caller, args.session_id);
    const working = status.agents.filter((a) => a.status === 'working').length;
    return {
      structured: status,
      text:
        `Session "${status.session.name}": ${status.agents.length} agent(s) (${working} working), ` +
        `${status.tasks.total} task(s), TODO ${status.todo.done}/${status.todo.total} done, ${status.diagnostics.length} diagnostic(s).`,
    };
  },
});
