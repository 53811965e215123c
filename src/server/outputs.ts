/**
 * What the tools and JSON resources return, named the way the tools take it back: a session's
 * id is `session_id`, an agent's name `agent_name`, a task's id `task_id`, wherever they appear
 * (the hub's own values say `id`, `name`, `session`). A model then passes back exactly the key
 * and value it got. Everything else in a value keeps the hub's name. (Pure.)
 */
import type { AgentView, BrokenTaskFile, SessionInfo, SessionStatus, TaskSummary } from '../hub/types.js';

export function sessionOut(session: SessionInfo): Record<string, unknown> {
  const { id, ...rest } = session;
  return { session_id: id, ...rest, agents: [...session.agents] };
}

export function agentOut(agent: AgentView): Record<string, unknown> {
  const { name, session, ...rest } = agent;
  return { agent_name: name, session_id: session, ...rest };
}

export function taskOut(task: TaskSummary & { readonly session?: string }): Record<string, unknown> {
  const { id, session, ...rest } = task;
  return { task_id: id, ...(session === undefined ? {} : { session_id: session }), ...rest };
}

export function brokenTaskOut(broken: BrokenTaskFile & { readonly session: string }): Record<string, unknown> {
  const { id, session, ...rest } = broken;
  return { task_id: id, session_id: session, ...rest };
}

/** A whole status (the status resource), with the same names. */
export function statusOut(status: SessionStatus): Record<string, unknown> {
  return {
    session: sessionOut(status.session),
    agents: status.agents.map(agentOut),
    todo: { ...status.todo, sections: status.todo.sections.map(({ agent, ...rest }) => ({ ...rest, agent_name: agent })) },
    tasks: { ...status.tasks, items: status.tasks.items.map((t) => taskOut(t)) },
    diagnostics: status.diagnostics,
  };
}
