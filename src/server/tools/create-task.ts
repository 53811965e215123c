import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { taskOut } from '../outputs.js';
import { agentNameField, diagnosticSchema, fromField, LIMITS, sessionIdField, taskIdField, taskPriorityField, taskSchema } from '../schemas.js';

export const createTask = defineTool({
  name: 'create_task',
  level: 'MEDIUM',
  config: {
    title: 'Create task',
    description: 'Assign work: a task file in .claude-hub/tasks/, its assignee agent told; unknown names warned.',
    inputSchema: z.strictObject({
      session_id: sessionIdField,
      title: z
        .string()
        .min(1)
        .max(LIMITS.taskTitle)
        .regex(/^[^\r\n\t]+$/, 'one line only')
        .describe('One line.'),
      assignee: agentNameField.optional().describe('Who should do it.'),
      from: fromField.optional(),
      priority: taskPriorityField.optional().describe('Default medium.'),
      body: z.string().max(LIMITS.taskBody).optional().describe('Markdown: what to do, a checklist.'),
      depends_on: z.array(taskIdField).max(50).optional().describe('Tasks to finish first.'),
    }),
    outputSchema: z.object({ task: taskSchema, warnings: z.array(diagnosticSchema) }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  async handler(hub, caller, args) {
    const { task, warnings } = await hub.createTask(caller, {
      session_id: args.session_id,
      title: args.title,
      ...(args.assignee === undefined ? {} : { assignee: args.assignee }),
      ...(args.from === undefined ? {} : { from: args.from }),
      ...(args.priority === undefined ? {} : { priority: args.priority }),
      ...(args.body === undefined ? {} : { body: args.body }),
      ...(args.depends_on === undefined ? {} : { depends_on: args.depends_on }),
    });
    const warned = warnings.length === 0 ? '' : ` Warning: ${warnings.map((w) => w.message).join(' ')}`;
    return {
      structured: { task: taskOut(task), warnings: [...warnings] },
      text: `Task created: task_id ${task.id} "${task.title}" in ${task.file}${task.assignee ? ` for agent_name ${task.assignee}` : ''}.${warned}`,
    };
  },
});
