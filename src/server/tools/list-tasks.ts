import { z } from 'zod';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { agentNameField, sessionIdField, taskStatusField, taskSummarySchema } from '../schemas.js';

export const listTasks = defineTool({
  name: 'list_tasks',
  level: 'LOW',
  config: {
    title: 'List tasks',
    description: 'Tasks from the sessions\' task files, optionally only one session\'s, one status or one assignee\'s.',
    inputSchema: z.strictObject({
      session_id: sessionIdField.optional().describe('Only this session\'s tasks; default: every session.'),
      status: taskStatusField.optional().describe('Only tasks with this status.'),
      assignee: agentNameField.optional().describe('Only tasks assigned to this agent.'),
    }),
    outputSchema: z.object({ tasks: z.array(taskSummarySchema.extend({ session: z.string() })) }),
    annotations: READ_ONLY,
  },
  async handler(hub, caller, args) {
    const tasks = await hub.listTasks(caller, {
      ...(args.session_id === undefined ? {} : { session_id: args.session_id }),
      ...(args.status === undefined ? {} : { status: args.status }),
      ...(args.assignee === undefined ? {} : { assignee: args.assignee }),
    });
    const shown = tasks.slice(0, 50).map((t) => `- ${t.id} [${t.status}] ${t.title}${t.assignee ? ` @${t.assignee}` : ''}`);
    const more = tasks.length > shown.length ? `\n… and ${tasks.length - shown.length} more in structured content.` : '';
    return { structured: { tasks: [...tasks] }, text: tasks.length === 0 ? 'No tasks match.' : `${tasks.length} task(s):\n${shown.join('\n')}${more}` };
  },
});
