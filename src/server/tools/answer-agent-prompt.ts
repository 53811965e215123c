import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, LIMITS, pendingPromptSchema } from '../schemas.js';

export const answerAgentPrompt = defineTool({
  name: 'answer_agent_prompt',
  level: 'MEDIUM',
  config: {
    title: 'Answer agent prompt',
    description:
      'Answer the dialog an agent\'s terminal is stopped at (shown as pendingPrompt in get_session_status): a permission request, a question, the trust dialog. ' +
      'Give the choice\'s number or its label.',
    inputSchema: z.strictObject({
      agent_name: agentNameField,
      choice: z.string().min(1).max(LIMITS.choice).describe('The number of the choice (e.g. "1") or its label, as listed in the agent\'s pendingPrompt.'),
    }),
    outputSchema: z.object({
      agent: z.string(),
      answered: pendingPromptSchema,
      choice: z.object({ number: z.number().int(), label: z.string() }),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  },
  async handler(hub, caller, args) {
    const result = await hub.answerPrompt(caller, args.agent_name, args.choice);
    return {
      structured: { agent: result.agent, answered: result.answered, choice: { ...result.choice } },
      text: `${result.agent}: answered "${result.answered.question}" with ${result.choice.number}. ${result.choice.label}.`,
    };
  },
});
