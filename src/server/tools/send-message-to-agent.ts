import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, fromField, LIMITS } from '../schemas.js';

export const sendMessageToAgent = defineTool({
  name: 'send_message_to_agent',
  level: 'MEDIUM',
  config: {
    title: 'Send message to agent',
    description: 'Message an agent (work, answers): kept in a task file, typed into its Claude Code when idle; delivered, queued or why not.',
    inputSchema: z.strictObject({
      agent_name: agentNameField,
      message: z.string().min(1).max(LIMITS.message).describe('Text or markdown.'),
      from: fromField.optional(),
    }),
    outputSchema: z.looseObject({
      agent_name: z.string(),
      task_id: z.string(),
      taskFile: z.string(),
      deliveryId: z.string(),
      state: z.enum(['delivered', 'queued', 'undelivered']),
      reason: z.string().optional(),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  },
  async handler(hub, caller, args) {
    const result = await hub.sendMessage(caller, {
      agent_name: args.agent_name,
      message: args.message,
      ...(args.from === undefined ? {} : { from: args.from }),
    });
    const why = result.reason === undefined ? '' : ` (${result.reason})`;
    const { agent, taskId, ...rest } = result;
    return {
      structured: { agent_name: agent, task_id: taskId, ...rest },
      text: `Message to agent_name ${agent} recorded in task_id ${taskId} (${result.taskFile}): ${result.state}${why}.`,
    };
  },
});
