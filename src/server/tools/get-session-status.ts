import { z } from 'zod';
import type { SessionStatus } from '../../hub/types.js';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { sessionIdField, sessionStatusSchema } from '../schemas.js';

/**
 * Open tasks shown in the status, most pressing first; the rest are counted. A status is read
 * by a model, often and whole: 500 task summaries would cost ~100 KB of its context on every
 * call (list_tasks has them all).
 */
export const STATUS_TASK_ITEMS = 20;
export const STATUS_DIAGNOSTICS = 50;
const CLOSED = new Set(['done', 'cancelled']);
const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** The most severe diagnostics first, cut to what fits; the rest are counted. (Pure.) */
export function summarizeDiagnostics(diagnostics: SessionStatus['diagnostics']): { shown: SessionStatus['diagnostics']; omitted: number } {
  const shown = [...diagnostics].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]).slice(0, STATUS_DIAGNOSTICS);
  return { shown, omitted: diagnostics.length - shown.length };
}

/**
 * The tasks part of a status, cut to the first open tasks that fit. The index lists them most
 * pressing first and closed ones last, so this reads only as far as it shows. (Pure.)
 */
export function summarizeTasks(tasks: SessionStatus['tasks']): SessionStatus['tasks'] & { omitted: number } {
  const items: SessionStatus['tasks']['items'][number][] = [];
  for (const task of tasks.items) {
    if (items.length === STATUS_TASK_ITEMS) break;
    if (!CLOSED.has(task.status)) items.push(task);
  }
  return { total: tasks.total, byStatus: tasks.byStatus, items, omitted: tasks.items.length - items.length };
}

export const getSessionStatus = defineTool({
  name: 'get_session_status',
  level: 'LOW',
  config: {
    title: 'Session status',
    description:
      'What a session looks like right now, from the live index: each agent (status and why, current task, progress, last activity, pending dialog), ' +
      `the tasks by status with the ${STATUS_TASK_ITEMS} most pressing open tasks (in progress, blocked, todo, review; then by priority; list_tasks lists them all), TODO.md progress per section, ` +
      `and up to ${STATUS_DIAGNOSTICS} diagnostics (most severe first) for files that could not be read or disagree.`,
    inputSchema: z.strictObject({ session_id: sessionIdField }),
    outputSchema: sessionStatusSchema.extend({
      tasks: sessionStatusSchema.shape.tasks.extend({
        omitted: z.number().int().nonnegative().describe('Tasks not in items: closed ones, and open ones past the first ' + STATUS_TASK_ITEMS + '.'),
      }),
      diagnosticsOmitted: z.number().int().nonnegative().describe(`Diagnostics past the first ${STATUS_DIAGNOSTICS}, counted.`),
    }),
    annotations: READ_ONLY,
  },
  async handler(hub, caller, args) {
    const status = await hub.getSessionStatus(caller, args.session_id);
    const working = status.agents.filter((a) => a.status === 'working').length;
    const waiting = status.agents.filter((a) => a.status === 'waiting_for_person').length;
    const diagnostics = summarizeDiagnostics(status.diagnostics);
    return {
      structured: { ...status, tasks: summarizeTasks(status.tasks), diagnostics: diagnostics.shown, diagnosticsOmitted: diagnostics.omitted },
      text:
        `Session "${status.session.name}": ${status.agents.length} agent(s) (${working} working${waiting > 0 ? `, ${waiting} waiting for you` : ''}), ` +
        `${status.tasks.total} task(s), TODO ${status.todo.done}/${status.todo.total} done, ${status.diagnostics.length} diagnostic(s).`,
    };
  },
});
