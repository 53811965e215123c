import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, fromField, LIMITS, sessionIdField, taskIdField, taskPriorityField, taskSummarySchema } from '../schemas.js';

export const createTask = defineTool({
  name: 'create_task',
  level: 'MEDIUM',
  config: {
    title: 'Create task',
    description:
      'Write a new task file under the session\'s .claude-hub/tasks/ (the protocol\'s own format, readable and editable by people and agents). ' +
      'An assignee is told about it through the usual delivery.',
    inputSchema: z.strictObject({
      session_id: sessionIdField,
      title: z.string().min(1).max(LIMITS.taskTitle).regex(/^[^\r\n\t]+$/, 'one line only').describe('One-line title of the task.'),
      assignee: agentNameField.optional().describe('The agent who should do it.'),
      from: fromField.optional(),
      priority: taskPriorityField.optional().describe('low, medium (default), high or critical.'),
      body: z.string().max(LIMITS.taskBody).optional().describe('Markdown body: what to do, acceptance criteria, a checklist.'),
      depends_on: z.array(taskIdField).max(50).optional().describe('Ids of tasks that must be done first.'),
    }),
    outputSchema: z.object({ task: taskSummarySchema }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  async handler(hub, caller, args) {
    const task = await hub.createTask(caller, {
      session_id: args.session_id,
      title: args.title,
      ...(args.assignee === undefined ? {} : { assignee: args.assignee }),
      ...(args.from === undefined ? {} : { from: args.from }),
      ...(args.priority === undefined ? {} : { priority: args.priority }),
      ...(args.body === undefined ? {} : { body: args.body }),
      ...(args.depends_on === undefined ? {} : { depends_on: args.depends_on }),
    });
    return { structured: { task }, text: `${task.id} "${task.title}" created in ${task.file}${task.assignee ? ` for ${task.assignee}` : ''}.` };
  },
});
