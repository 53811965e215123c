import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { LIMITS, sessionInfoSchema } from '../schemas.js';

export const createSession = defineTool({
  name: 'create_session',
  level: 'MEDIUM',
  config: {
    title: 'Create session',
    description:
      'Start coordinating a codebase: registers ROOT as a session (its TODO.md and .claude-hub/tasks/ are watched from now on) and returns its session_id. ' +
      'Refuses a root that does not exist, is not a directory, is / or a home folder, or overlaps another session\'s root.',
    inputSchema: z.strictObject({
      root_path: z.string().min(1).max(LIMITS.path).describe('Absolute path of the codebase to coordinate (an existing directory).'),
      session_name: z.string().min(1).max(LIMITS.sessionName).describe('A short human name for the session, e.g. "webapp" (printable, at most 64 characters).'),
      trust_root: z
        .boolean()
        .optional()
        .describe('Pre-accept Claude Code\'s "trust this folder" dialog for ROOT so agents start without waiting for a person. Default false.'),
    }),
    outputSchema: z.object({ session: sessionInfoSchema }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  },
  async handler(hub, caller, args) {
    const session = await hub.createSession(caller, {
      root_path: args.root_path,
      session_name: args.session_name,
      ...(args.trust_root === undefined ? {} : { trust_root: args.trust_root }),
    });
    return { structured: { session }, text: `Session "${session.name}" created with id ${session.id} at ${session.root}.` };
  },
});
