import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, LIMITS, sessionIdField, taskIdField, taskPriorityField, taskStatusField, taskSummarySchema } from '../schemas.js';

export const updateTask = defineTool({
  name: 'update_task',
  level: 'MEDIUM',
  config: {
    title: 'Update task',
    description:
      'Change a task file\'s front matter (status, assignee, priority, title) and/or append a line to its log. ' +
      'The edit is compare-and-swap: a concurrent edit by a person or an agent is never overwritten (EDIT_CONFLICT: read and retry).',
    inputSchema: z.strictObject({
      session_id: sessionIdField,
      task_id: taskIdField,
      status: taskStatusField.optional().describe('New status: todo, in_progress, blocked, review, done or cancelled.'),
      assignee: agentNameField.nullable().optional().describe('New assignee; null to unassign.'),
      priority: taskPriorityField.optional().describe('New priority.'),
      title: z.string().min(1).max(LIMITS.taskTitle).regex(/^[^\r\n\t]+$/, 'one line only').optional().describe('New one-line title.'),
      log: z.string().min(1).max(LIMITS.logLine).regex(/^[^\r\n]+$/, 'one line only; add several entries instead').optional().describe('One line to append to the task\'s log (dated by the hub).'),
    }),
    outputSchema: z.object({ task: taskSummarySchema }),
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
    });
    return { structured: { task }, text: `${task.id} updated: [${task.status}] ${task.title}${task.assignee ? ` @${task.assignee}` : ''}.` };
  },
});
