import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { budgetTokensField, budgetUsdField, sessionIdField } from '../schemas.js';

export const setSessionBudget = defineTool({
  name: 'set_session_budget',
  level: 'MEDIUM',
  config: {
    title: 'Set session budget',
    description: "Set or raise a session's spend cap (null clears); a spent budget holds messages and refuses agents' tool calls until raised.",
    inputSchema: z.strictObject({
      session_id: sessionIdField,
      budget_usd: budgetUsdField.optional(),
      budget_tokens: budgetTokensField.optional(),
    }),
    outputSchema: z.object({ session_id: z.string(), budget: z.looseObject({}).nullable() }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  async handler(hub, caller, args) {
    const result = await hub.setSessionBudget(caller, {
      session_id: args.session_id,
      ...(args.budget_usd === undefined ? {} : { budget_usd: args.budget_usd }),
      ...(args.budget_tokens === undefined ? {} : { budget_tokens: args.budget_tokens }),
    });
    const b = result.budget;
    return {
      structured: { session_id: result.session, budget: b },
      text:
        b === null
          ? `Session (session_id ${result.session}) has no budget.`
          : `Session (session_id ${result.session}): ${b.usedPct}% of its budget spent (${b.state}).`,
    };
  },
});
