import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { agentNameField, LIMITS, pendingPromptSchema } from '../schemas.js';

export const answerAgentPrompt = defineTool({
  name: 'answer_agent_prompt',
  level: 'MEDIUM',
  config: {
    title: 'Answer agent prompt',
    description: 'When an agent needs the person: answer the dialog it is stopped at (its pendingPrompt).',
    inputSchema: z.strictObject({
      agent_name: agentNameField,
      choice: z.string().min(1).max(LIMITS.choice).describe('Its number or label, from pendingPrompt.'),
    }),
    outputSchema: z.object({
      agent_name: z.string(),
      answered: pendingPromptSchema,
      choice: z.looseObject({}).describe('{number, label}.'),
      now: z.looseObject({}).describe('{state (ready|menu|press_enter|unknown), question}.'),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  },
  async handler(hub, caller, args) {
    const result = await hub.answerPrompt(caller, args.agent_name, args.choice);
    return {
      structured: { agent_name: result.agent, answered: result.answered, choice: { ...result.choice }, now: { ...result.now } },
      text: `agent_name ${result.agent}: answered "${result.answered.question}" with ${result.choice.number}. ${result.choice.label}; ${
        result.now.state === 'ready'
          ? 'its prompt box is ready.'
          : result.now.question
            ? `now it asks "${result.now.question}".`
            : 'its screen now shows something else (see read_agent_output).'
      }`,
    };
  },
});
