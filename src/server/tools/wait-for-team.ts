import { z } from 'zod';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { sessionIdField, taskIdField } from '../schemas.js';
import { WAIT_CONDITIONS, WAIT_DEFAULT_S, WAIT_MAX_S, WAIT_TASK_MAX_S } from '../../hub/team-wait.js';
import { statusForModel } from './get-session-status.js';

const input = (maxS: number) =>
  z.strictObject({
    session_id: sessionIdField,
    until: z.enum(WAIT_CONDITIONS).describe('all_idle: none working, starting or with queued messages.'),
    task_id: taskIdField.optional().describe('For task_done.'),
    timeout_s: z.number().int().min(1).max(maxS).default(WAIT_DEFAULT_S).describe('Seconds.'),
  });

/**
 * wait_for_team: one call that blocks until the team reaches what the caller waits for, so a
 * model stops polling get_session_status. It never blocks longer than clients allow a tool call
 * (WAIT_MAX_S); at the timeout it says so and the model calls it again. Progress notifications
 * (elapsed seconds of timeout_s) go out while it waits when the client sent a progressToken.
 */
export const waitForTeam = defineTool({
  name: 'wait_for_team',
  level: 'LOW',
  config: {
    title: 'Wait for team',
    description: `Instead of polling: wait until the team's agents are all idle, one needs the person, a task is done or anything changes (≤${WAIT_MAX_S} s; call again).`,
    inputSchema: input(WAIT_MAX_S),
    outputSchema: z.object({
      session_id: z.string(),
      met: z.boolean().describe('False: timed out.'),
      changed: z.looseObject({}).describe('{agents [{agent_name, from, to}], task_ids, todo}.'),
      status: z.looseObject({}).describe('As get_session_status.'),
    }),
    annotations: READ_ONLY,
  },
  // As an MCP task the client holds no request open, so it may wait longer (up to WAIT_TASK_MAX_S).
  task: { inputSchema: input(WAIT_TASK_MAX_S) },
  async handler(hub, caller, args, context) {
    // Progress must grow with each notification: elapsed seconds, nudged up when two share a millisecond.
    let last = -1;
    const result = await hub.waitForTeam(
      caller,
      {
        session_id: args.session_id,
        until: args.until,
        timeout_s: args.timeout_s,
        ...(args.task_id === undefined ? {} : { task_id: args.task_id }),
      },
      {
        ...(context.signal ? { signal: context.signal } : {}),
        ...(context.task === true ? { longWait: true } : {}),
        ...(context.progress
          ? {
              onProgress: ({ elapsedMs, timeoutMs, message }) => {
                last = Math.max(elapsedMs / 1000, last + 0.001);
                context.progress?.(last, timeoutMs / 1000, message);
              },
            }
          : {}),
      },
    );
    const id = result.status.session.id;
    const waited = Math.round(result.waitedMs / 100) / 10;
    const moved = result.changed.agents.map((a) => `${a.agent_name} ${a.from ?? 'new'} → ${a.to ?? 'gone'}`);
    const what = args.until === 'task_done' ? `task_done ${args.task_id}` : args.until;
    const text = result.met
      ? `${what} holds in session_id ${id} after ${waited} s${moved.length > 0 ? `; ${moved.join(', ')}` : ''}.`
      : `Still waiting for ${what} in session_id ${id} after ${waited} s${moved.length > 0 ? ` (${moved.join(', ')})` : ''}; call wait_for_team again to keep waiting.`;
    return {
      structured: {
        session_id: id,
        met: result.met,
        changed: result.changed,
        status: statusForModel(result.status),
      },
      text,
    };
  },
});
