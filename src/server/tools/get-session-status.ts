import { z } from 'zod';
import type { SessionStatus } from '../../hub/types.js';
import { compactUsage } from '../../usage/ledger.js';
import { defineTool, READ_ONLY } from '../tool-definition.js';
import { agentViewSchema, diagnosticSchema, sessionIdField, sessionInfoSchema } from '../schemas.js';
import { statusUri, todoUri } from '../resource-uris.js';

/**
 * A status is read by a model, often and whole, so it has a byte budget whatever the files
 * hold: counts always, then the most pressing items, cut until it fits; `more` says where the
 * rest is (list_tasks, the status and todo resources).
 */
export const STATUS_MAX_BYTES = 8 * 1024;
/** At most this many open tasks, diagnostics and TODO sections are shown (fewer when they do not fit). */
export const STATUS_TASK_ITEMS = 10;
export const STATUS_DIAGNOSTICS = 10;
export const STATUS_SECTIONS = 12;
const CLOSED = new Set(['done', 'cancelled']);
const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** The most severe diagnostics first, cut to `max`; the rest are counted. (Pure.) */
export function summarizeDiagnostics(
  diagnostics: SessionStatus['diagnostics'],
  max = STATUS_DIAGNOSTICS,
): { shown: SessionStatus['diagnostics']; omitted: number } {
  const shown = [...diagnostics].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]).slice(0, max);
  return { shown, omitted: diagnostics.length - shown.length };
}

/**
 * The tasks part of a status, cut to the first open tasks. The index lists them most pressing
 * first and closed ones last, so this reads only as far as it shows. (Pure.)
 */
export function summarizeTasks(tasks: SessionStatus['tasks'], max = STATUS_TASK_ITEMS): SessionStatus['tasks'] & { omitted: number } {
  const items: SessionStatus['tasks']['items'][number][] = [];
  for (const task of tasks.items) {
    if (items.length === max) break;
    if (!CLOSED.has(task.status)) items.push(task);
  }
  return { total: tasks.total, byStatus: tasks.byStatus, items, omitted: tasks.items.length - items.length };
}

/** How much of each list a status shows, from generous to bare; the first that fits is used. */
const LEVELS = [
  { tasks: STATUS_TASK_ITEMS, sections: STATUS_SECTIONS, diagnostics: STATUS_DIAGNOSTICS, text: 160, choices: 6, label: 40, agents: Infinity, usage: true },
  { tasks: 6, sections: 6, diagnostics: 5, text: 100, choices: 6, label: 30, agents: Infinity, usage: true },
  { tasks: 3, sections: 3, diagnostics: 2, text: 60, choices: 4, label: 20, agents: Infinity, usage: true },
  { tasks: 0, sections: 0, diagnostics: 0, text: 30, choices: 2, label: 16, agents: Infinity, usage: true },
  { tasks: 0, sections: 0, diagnostics: 0, text: 20, choices: 2, label: 12, agents: Infinity, usage: false },
  { tasks: 0, sections: 0, diagnostics: 0, text: 0, choices: 0, label: 0, agents: Infinity, usage: false },
  { tasks: 0, sections: 0, diagnostics: 0, text: 0, choices: 0, label: 0, agents: 8, usage: false },
  { tasks: 0, sections: 0, diagnostics: 0, text: 0, choices: 0, label: 0, agents: 0, usage: false },
] as const;

const cut = (text: string | null, max: number): string | null => (text === null ? null : text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`);

/** What get_session_status returns for `status`: at most STATUS_MAX_BYTES of JSON. (Pure.) */
export function statusForModel(status: SessionStatus, maxBytes = STATUS_MAX_BYTES): Record<string, unknown> {
  const id = status.session.id;
  const openSections = status.todo.sections.filter((s) => s.done < s.total);
  const errors = status.diagnostics.filter((d) => d.severity === 'error').length;
  let last: Record<string, unknown> = {};
  for (const level of LEVELS) {
    const tasks = summarizeTasks(status.tasks, level.tasks);
    const diagnostics = summarizeDiagnostics(status.diagnostics, level.diagnostics);
    const agents = status.agents.slice(0, level.agents);
    const sections = openSections.slice(0, level.sections);
    last = {
      session: { session_id: id, name: status.session.name, root: cut(status.session.root, 300), agents: status.session.agents.length },
      agents: agents.map((a) => ({
        agent_name: a.name,
        status: a.status,
        why: cut(a.why, level.text),
        currentTask: a.currentTask,
        progress: a.progress,
        lastActivity: a.lastActivity,
        queuedMessages: a.queuedMessages,
        ...(level.usage ? { usage: compactUsage(a.usage) } : {}),
        ...(a.idleReason === null ? {} : { idleReason: a.idleReason }),
        ...(a.resetAt === null ? {} : { resetAt: a.resetAt }),
        pendingPrompt:
          a.pendingPrompt === null
            ? null
            : {
                kind: a.pendingPrompt.kind,
                question: cut(a.pendingPrompt.question, Math.max(level.text, 30)),
                choices: a.pendingPrompt.choices.slice(0, level.choices).map((c) => ({ number: c.number, label: cut(c.label, level.label) })),
                choicesOmitted: a.pendingPrompt.choices.length - Math.min(level.choices, a.pendingPrompt.choices.length),
              },
      })),
      agentsOmitted: status.agents.length - agents.length,
      usage: compactUsage(status.usage.total),
      limit:
        status.limit === null
          ? null
          : {
              since: status.limit.since,
              resetAt: status.limit.resetAt,
              resumeAt: status.limit.resumeAt,
              agent: status.limit.agent,
              held: 'every delivery to every agent',
              cut: status.limit.cut.length,
              reason: cut(status.limit.reason, Math.max(level.text, 40)),
            },
      budget: status.budget,
      todo: {
        done: status.todo.done,
        total: status.todo.total,
        sectionCount: status.todo.sections.length,
        openSections: sections.map((s) => ({ title: cut(s.title, Math.max(level.text, 40)), agent_name: s.agent, done: s.done, total: s.total })),
        sectionsOmitted: openSections.length - sections.length,
      },
      tasks: {
        total: tasks.total,
        byStatus: tasks.byStatus,
        items: tasks.items.map((t) => ({
          task_id: t.id,
          title: cut(t.title, Math.max(level.text, 40)),
          status: t.status,
          priority: t.priority,
          assignee: t.assignee,
          progress: t.progress,
        })),
        omitted: tasks.omitted,
      },
      diagnosticCounts: { total: status.diagnostics.length, errors },
      diagnostics: diagnostics.shown.map((d) => ({
        file: cut(d.file, 120),
        line: d.line,
        severity: d.severity,
        code: d.code,
        message: cut(d.message, Math.max(level.text, 60)),
      })),
      diagnosticsOmitted: diagnostics.omitted,
      more: `All tasks: list_tasks {session_id: "${id}"}; the whole status: ${statusUri(id)}; the plan: ${todoUri(id)}.`,
    };
    if (Buffer.byteLength(JSON.stringify(last), 'utf8') <= maxBytes - 512) return last;
  }
  return last;
}

export const getSessionStatus = defineTool({
  name: 'get_session_status',
  level: 'LOW',
  config: {
    title: 'Session status',
    description: "A session's team now: each Claude Code agent's state, tasks, TODO.md progress, problems. To wait: wait_for_team.",
    inputSchema: z.strictObject({ session_id: sessionIdField }),
    outputSchema: z.object({
      session: sessionInfoSchema,
      agents: z.array(agentViewSchema),
      agentsOmitted: z.number().int(),
      usage: z.looseObject({}).describe('Session {tokens, usd, partial?}.'),
      limit: z.looseObject({}).nullable().describe('Usage limit: deliveries held until resumeAt.'),
      budget: z.looseObject({}).nullable().describe('{usd, tokens, usedPct, state}.'),
      todo: z.looseObject({}).describe('{done, total, sectionCount, openSections, sectionsOmitted}.'),
      tasks: z.looseObject({}).describe('{total, byStatus, items, omitted}.'),
      diagnosticCounts: z.looseObject({}).describe('{total, errors}.'),
      diagnostics: z.array(diagnosticSchema).describe('Most severe first.'),
      diagnosticsOmitted: z.number().int(),
      more: z.string(),
    }),
    annotations: READ_ONLY,
  },
  async handler(hub, caller, args) {
    const status = await hub.getSessionStatus(caller, args.session_id);
    const working = status.agents.filter((a) => a.status === 'working').length;
    const waiting = status.agents.filter((a) => a.status === 'waiting_for_person').length;
    return {
      structured: statusForModel(status),
      text:
        `Session "${cut(status.session.name, 64)}" (session_id ${status.session.id}): ${status.agents.length} agent(s) (${working} working${waiting > 0 ? `, ${waiting} waiting for you` : ''}), ` +
        `${status.tasks.total} task(s), TODO ${status.todo.done}/${status.todo.total} done, ${status.diagnostics.length} diagnostic(s).` +
        (status.limit ? ` Usage limit: every delivery held until ${status.limit.resumeAt}.` : '') +
        (status.budget && status.budget.state !== 'ok' ? ` Budget ${status.budget.state} (${status.budget.usedPct}% spent).` : ''),
    };
  },
});
