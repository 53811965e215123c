import { z } from 'zod';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { agentNameField, brokenTaskSchema, sessionIdField, taskStatusField, taskSummarySchema } from '../schemas.js';
import { brokenTaskOut, taskOut } from '../outputs.js';

export const listTasks = defineTool({
  name: 'list_tasks',
  level: 'LOW',
  config: {
    title: 'List tasks',
    description: 'Tasks of one session or all, filtered; and task files that do not parse (broken).',
    inputSchema: z.strictObject({
      session_id: sessionIdField.optional().describe('Default: every session.'),
      status: taskStatusField.optional().describe('Only this status.'),
      assignee: agentNameField.optional().describe("Only this agent's."),
    }),
    outputSchema: z.object({
      tasks: z.array(taskSummarySchema),
      broken: z.array(brokenTaskSchema),
    }),
    annotations: READ_ONLY,
  },
  async handler(hub, caller, args) {
    const { tasks, broken } = await hub.listTasks(caller, {
      ...(args.session_id === undefined ? {} : { session_id: args.session_id }),
      ...(args.status === undefined ? {} : { status: args.status }),
      ...(args.assignee === undefined ? {} : { assignee: args.assignee }),
    });
    const shown = tasks.slice(0, 50).map((t) => `- ${t.id} [${t.status}] ${t.title}${t.assignee ? ` @${t.assignee}` : ''}`);
    const more = tasks.length > shown.length ? `\n… and ${tasks.length - shown.length} more in structured content.` : '';
    const brokenText = broken.slice(0, 20).map((b) => `- ${b.id ?? '(no id)'} BROKEN ${b.file} line ${b.line}: ${b.message}`);
    const brokenMore = broken.length > brokenText.length ? `\n… and ${broken.length - brokenText.length} more broken files in structured content.` : '';
    const text =
      (tasks.length === 0 ? 'No tasks match.' : `${tasks.length} task(s) (task_id [status] title @agent_name):\n${shown.join('\n')}${more}`) +
      (broken.length === 0 ? '' : `\n${broken.length} task file(s) do not parse; fix them by hand:\n${brokenText.join('\n')}${brokenMore}`);
    return { structured: { tasks: tasks.map(taskOut), broken: broken.map(brokenTaskOut) }, text };
  },
});
