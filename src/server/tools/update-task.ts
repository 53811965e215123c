import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { taskOut } from '../outputs.js';
import { agentNameField, fromField, LIMITS, sessionIdField, taskIdField, taskPriorityField, taskStatusField, taskSchema } from '../schemas.js';

export const updateTask = defineTool({
  name: 'update_task',
  level: 'MEDIUM',
  config: {
    title: 'Update task',
    description: "Change a task's status, assignee, priority or title and/or log a line; never over a concurrent edit.",
    inputSchema: z.strictObject({
      session_id: sessionIdField,
      task_id: taskIdField,
      status: taskStatusField.optional().describe('New status.'),
      assignee: agentNameField.nullable().optional().describe('null: nobody.'),
      priority: taskPriorityField.optional().describe('New priority.'),
      title: z
        .string()
        .min(1)
        .max(LIMITS.taskTitle)
        .regex(/^[^\r\n\t]+$/, 'one line only')
        .optional()
        .describe('One line.'),
      log: z
        .string()
        .min(1)
        .max(LIMITS.logLine)
        .regex(/^[^\r\n]+$/, 'one line only; add several entries instead')
        .optional()
        .describe('A log line, dated by the hub.'),
      from: fromField.optional().describe('Who logs it (default user).'),
    }),
    outputSchema: z.object({ task: taskSchema }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  async handler(hub, caller, args) {
    const task = await hub.updateTask(caller, {
      session_id: args.session_id,
      task_id: args.task_id,
      ...(args.status === undefined ? {} : { status: args.status }),
      ...(args.assignee === undefined ? {} : { assignee: args.assignee }),
      ...(args.priority === undefined ? {} : { priority: args.priority }),
      ...(args.title === undefined ? {} : { title: args.title }),
      ...(args.log === undefined ? {} : { log: args.log }),
      ...(args.from === undefined ? {} : { from: args.from }),
    });
    return {
      structured: { task: taskOut(task) },
      text: `task_id ${task.id} updated: [${task.status}] ${task.title}${task.assignee ? ` @${task.assignee}` : ''}.`,
    };
  },
});
