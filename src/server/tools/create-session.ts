import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { LIMITS, budgetTokensField, budgetUsdField, sessionInfoSchema } from '../schemas.js';
import { sessionOut } from '../outputs.js';

export const createSession = defineTool({
  name: 'create_session',
  level: 'MEDIUM',
  config: {
    title: 'Create session',
    description: 'First step: open a session on a codebase folder for a team of Claude Code agents; returns session_id.',
    inputSchema: z.strictObject({
      root_path: z.string().min(1).max(LIMITS.path).describe('Absolute path of an existing folder.'),
      session_name: z.string().min(1).max(LIMITS.sessionName).describe('A short name, e.g. "webapp".'),
      trust_root: z.boolean().optional().describe("Pre-accept Claude Code's folder trust dialog."),
      budget_usd: budgetUsdField.optional(),
      budget_tokens: budgetTokensField.optional(),
    }),
    outputSchema: z.object({ session: sessionInfoSchema }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  async handler(hub, caller, args) {
    const session = await hub.createSession(caller, {
      root_path: args.root_path,
      session_name: args.session_name,
      ...(args.trust_root === undefined ? {} : { trust_root: args.trust_root }),
      ...(args.budget_usd === undefined ? {} : { budget_usd: args.budget_usd }),
      ...(args.budget_tokens === undefined ? {} : { budget_tokens: args.budget_tokens }),
    });
    return { structured: { session: sessionOut(session) }, text: `Session "${session.name}" created at ${session.root}: session_id ${session.id}.` };
  },
});
