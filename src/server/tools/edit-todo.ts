import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, LIMITS, progressSchema, sessionIdField } from '../schemas.js';

export const editTodo = defineTool({
  name: 'edit_todo',
  level: 'MEDIUM',
  config: {
    title: 'Edit TODO.md',
    description: "Add an item to an agent's TODO.md section, or tick/untick the item on a line.",
    inputSchema: z.strictObject({
      session_id: sessionIdField,
      action: z.enum(['add', 'check', 'uncheck']).describe('add (agent, text) or check/uncheck (line).'),
      agent: agentNameField.optional().describe('add: whose section.'),
      text: z
        .string()
        .min(1)
        .max(LIMITS.todoItem)
        .regex(/^[^\r\n\t]+$/, 'one line only')
        .optional()
        .describe('add: one line.'),
      line: z.number().int().min(1).optional().describe('check/uncheck: its line number.'),
    }),
    outputSchema: z.object({
      file: z.string(),
      item: z.looseObject({}).describe('{line, text, checked, assignee, section}.'),
      progress: progressSchema,
      changed: z.boolean().describe('False: it already was.'),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  async handler(hub, caller, args) {
    // The hub validates what each action needs (and audits the call, refused or not).
    const result = await hub.editTodo(
      caller,
      args.action === 'add'
        ? { session_id: args.session_id, action: 'add', agent: args.agent as string, text: args.text as string }
        : { session_id: args.session_id, action: args.action, line: args.line as number },
    );
    const what = args.action === 'add' ? `added on line ${result.item.line}` : result.changed ? `${args.action}ed` : `already ${args.action}ed`;
    return {
      structured: { ...result },
      text: `${result.file}: "${result.item.text}" ${what}; TODO ${result.progress.done}/${result.progress.total} done.`,
    };
  },
});
