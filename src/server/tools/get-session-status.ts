import { z } from 'zod';
import type { SessionStatus } from '../../hub/types.js';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { sessionIdField, sessionStatusSchema } from '../schemas.js';

/**
 * Open tasks shown in the status; the rest are counted. A status is read by a model, often and
 * whole: 500 task summaries would cost ~100 KB of its context on every call (list_tasks has them all).
 */
export const STATUS_TASK_ITEMS = 50;
const CLOSED = new Set(['done', 'cancelled']);

/** The tasks part of a status, cut to the open tasks that fit. (Pure.) */
export function summarizeTasks(tasks: SessionStatus['tasks']): SessionStatus['tasks'] & { omitted: number } {
  const items = tasks.items.filter((task) => !CLOSED.has(task.status)).slice(0, STATUS_TASK_ITEMS);
  return { total: tasks.total, byStatus: tasks.byStatus, items, omitted: tasks.items.length - items.length };
}

export const getSessionStatus = defineTool({
  name: 'get_session_status',
  level: 'LOW',
  config: {
    title: 'Session status',
    description:
      'What a session looks like right now, from the live index: each agent (status and why, current task, progress, last activity, pending dialog), ' +
      `the tasks by status with up to ${STATUS_TASK_ITEMS} open tasks (list_tasks lists them all), TODO.md progress per section, and diagnostics for files that could not be read.`,
    inputSchema: z.strictObject({ session_id: sessionIdField }),
    outputSchema: sessionStatusSchema.extend({
      tasks: sessionStatusSchema.shape.tasks.extend({
        omitted: z.number().int().nonnegative().describe('Tasks not in items: closed ones, and open ones past the first ' + STATUS_TASK_ITEMS + '.'),
      }),
    }),
    annotations: READ_ONLY,
  },
  async handler(hub, caller, args) {
    const status = await hub.getSessionStatus(caller, args.session_id);
    const working = status.agents.filter((a) => a.status === 'working').length;
    const waiting = status.agents.filter((a) => a.status === 'waiting_for_person').length;
    return {
      structured: { ...status, tasks: summarizeTasks(status.tasks) },
      text:
        `Session "${status.session.name}": ${status.agents.length} agent(s) (${working} working${waiting > 0 ? `, ${waiting} waiting for you` : ''}), ` +
        `${status.tasks.total} task(s), TODO ${status.todo.done}/${status.todo.total} done, ${status.diagnostics.length} diagnostic(s).`,
    };
  },
});
