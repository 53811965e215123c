/**
 * The views the live index derives from a session's state: agent views and statuses, tasks by
 * id and by number, broken task files, diagnostics, the whole session status. Each is cached
 * on the state and rebuilt only after `dropViews` (session-state.ts) dropped it, so a status
 * read is O(1) until something in the session changes. Reads state, never writes files.
 */
import { taskIdFromFileName } from '../protocol/index.js';
import type { Diagnostic, TaskDoc, TaskStatus, TodoItem } from '../protocol/types.js';
import type { BackendName } from '../terminal/backend.js';
import { TODO_FILE } from '../watch/layout.js';
import { sessionDiagnostics } from './diagnostics.js';
import type { AgentActivity, BrokenTask, IndexChange, IndexedTask } from './index-types.js';
import type { AgentTasks, Grouped, SessionState } from './session-state.js';
import { byUrgency, deriveAgentStatus } from './status.js';
import { budgetView } from '../usage/budget.js';
import type { AgentStatus, AgentView, SessionStatus, TaskSummary } from './types.js';

/** The whole live status of a session. Cached: O(1) until something in the session changes. */
export function sessionStatusOf(state: SessionState, defaultBackend: BackendName): SessionStatus {
  if (state.status) return state.status;
  const views = agentViews(state, defaultBackend);
  const summaries = taskSummaries(state);
  const byStatus: Partial<Record<TaskStatus, number>> = {};
  for (const t of summaries) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
  const todo = state.todo;
  state.status = Object.freeze({
    session: state.info,
    agents: [...views.values()],
    todo: {
      done: todo?.progress.done ?? 0,
      total: todo?.progress.total ?? 0,
      sections: (todo?.sections ?? []).map((s) => ({ title: s.title, agent: s.agent, done: s.progress.done, total: s.progress.total })),
    },
    tasks: { total: summaries.length, byStatus, items: byUrgency(summaries) },
    diagnostics: diagnosticsOf(state),
    usage: { total: state.usage.total, byTask: state.usage.snapshot().tasks },
    limit: state.limit,
    budget: budgetView(state.budget, state.usage.total),
  });
  return state.status;
}

/** The agents whose status changed since the last call (the statuses seen are remembered). */
export function agentStatusChanges(state: SessionState, defaultBackend: BackendName): IndexChange[] {
  const changes: IndexChange[] = [];
  const seen = new Map<string, AgentStatus>();
  for (const view of agentViews(state, defaultBackend).values()) {
    const previous = state.lastStatuses.get(view.name) ?? null;
    seen.set(view.name, view.status);
    if (previous !== view.status) {
      changes.push({
        kind: 'agent',
        session: state.info.id,
        agent: view.name,
        status: view.status,
        previous,
        why: view.why,
        progress: view.progress,
        currentTask: view.currentTask,
      });
    }
  }
  state.lastStatuses = seen;
  return changes;
}

/** Task files that do not parse, by file name: listed with their diagnostics, never dropped. Cached. */
export function brokenTasksOf(state: SessionState): readonly BrokenTask[] {
  if (state.broken) return state.broken;
  const out: BrokenTask[] = [];
  for (const file of [...state.tasks.keys()].sort()) {
    const entry = state.tasks.get(file);
    if (entry && entry.doc.task === null) out.push(brokenOf(file, entry.doc));
  }
  state.broken = Object.freeze(out);
  return state.broken;
}

/** Tasks and TODO items per agent: rebuilt only when files change. */
function groupedOf(state: SessionState): Grouped {
  if (state.grouped) return state.grouped;
  const tasks = new Map<string, AgentTasks>();
  for (const entry of state.tasks.values()) {
    const assignee = entry.doc.task?.assignee;
    if (!assignee) continue;
    let mine = tasks.get(assignee);
    if (!mine) tasks.set(assignee, (mine = { docs: [], statusLines: new Map() }));
    mine.docs.push(entry.doc);
    mine.statusLines.set(entry.doc, entry.statusLine);
  }
  const items = new Map<string, TodoItem[]>();
  for (const item of state.todo?.items ?? []) {
    if (!item.assignee) continue;
    const list = items.get(item.assignee) ?? [];
    list.push(item);
    items.set(item.assignee, list);
  }
  state.grouped = { tasks, items };
  return state.grouped;
}

/** Each agent's view (status, why, progress, terminal, dialog, queue), cached. */
export function agentViews(state: SessionState, defaultBackend: BackendName): ReadonlyMap<string, AgentView> {
  if (state.views) return state.views;
  const grouped = groupedOf(state);
  const views = new Map<string, AgentView>();
  for (const agent of state.agents.values()) {
    const mine = grouped.tasks.get(agent.name);
    const hooks = state.hooks.get(agent.name);
    const runtime = state.runtime.get(agent.name);
    const derived = deriveAgentStatus(
      {
        latest: hooks?.latest ?? null,
        lastEventAt: hooks?.lastEventAt ?? null,
        terminalAlive: runtime?.terminalAlive ?? null,
        pendingPrompt: runtime?.pendingPrompt ?? null,
        tasks: mine?.docs ?? [],
        todoItems: grouped.items.get(agent.name) ?? [],
        todoFile: TODO_FILE,
        now: state.now(),
        stuckMs: state.stuckMs,
        lastTool: hooks?.lastTool ?? null,
      },
      (doc) => mine?.statusLines.get(doc) ?? 1,
    );
    views.set(
      agent.name,
      Object.freeze({
        name: agent.name,
        session: state.info.id,
        ...derived,
        specialization: agent.specialization,
        claudeSessionId: hooks?.claudeSessionId ?? null,
        backend: runtime?.backend ?? defaultBackend,
        terminal: runtime?.terminal ?? null,
        pendingPrompt: runtime?.pendingPrompt ?? null,
        queuedMessages: runtime?.queuedMessages ?? 0,
        usage: state.usage.agent(agent.name),
      }),
    );
  }
  state.views = views;
  return views;
}

/** Valid tasks by id; with duplicate ids, the first file by name. Cached. */
export function tasksById(state: SessionState): ReadonlyMap<string, IndexedTask> {
  if (state.byId) return state.byId;
  const byId = new Map<string, IndexedTask>();
  const files = [...state.tasks.keys()].sort();
  for (const file of files) {
    const entry = state.tasks.get(file);
    const task = entry?.doc.task;
    if (!entry || !task || byId.has(task.id)) continue;
    byId.set(
      task.id,
      Object.freeze({
        doc: entry.doc,
        summary: Object.freeze({
          id: task.id,
          title: task.title,
          status: task.status,
          priority: task.priority,
          assignee: task.assignee,
          from: task.from,
          progress: entry.doc.progress,
          file,
          updated: task.updated,
        }),
      }),
    );
  }
  state.byId = byId;
  return byId;
}

/** Every valid task, by id number. Cached. */
export function taskSummaries(state: SessionState): readonly TaskSummary[] {
  if (state.summaries) return state.summaries;
  state.summaries = Object.freeze([...tasksById(state).values()].map((t) => t.summary).sort((a, b) => taskNumber(a.id) - taskNumber(b.id)));
  return state.summaries;
}

/** The one list (hub/diagnostics.ts), for this session's team rule. Cached. */
export function diagnosticsOf(state: SessionState): readonly Diagnostic[] {
  state.diagnostics ??= sessionDiagnostics({
    todo: state.todo,
    tasks: state.tasks,
    agents: state.agentsKnown ? new Set(state.agents.keys()) : null,
    watch: state.watchDiagnostics,
    hooks: state.hookDiagnostics,
  });
  return state.diagnostics;
}

/** What a person needs to fix a task file that does not parse. */
export function brokenOf(file: string, doc: TaskDoc): BrokenTask {
  const first = doc.diagnostics.find((d) => d.severity === 'error') ?? doc.diagnostics[0];
  return Object.freeze({
    id: taskIdFromFileName(file),
    file,
    line: first?.line ?? 1,
    code: first?.code ?? 'task-missing',
    message: first?.message ?? 'No task could be read from this file.',
    diagnostics: doc.diagnostics,
  });
}

function taskNumber(id: string): number {
  const n = Number(id.slice(id.indexOf('-') + 1));
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** The latest status-bearing hook activity of an agent (for delivery: is it idle?). */
export function activityOf(state: SessionState, agent: string): AgentActivity {
  const hooks = state.hooks.get(agent);
  return { latest: hooks?.latest ?? null, lastEventAt: hooks?.lastEventAt ?? null, claudeSessionId: hooks?.claudeSessionId ?? null };
}
