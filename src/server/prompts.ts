/**
 * MCP prompts for the workflows people start from (in Claude Code they are slash commands):
 * start a team on a repository for a goal, and review a team. Each prompt is words for the
 * model that name only tools this server lists at its security level (a prompt whose tools
 * are above the ceiling is not registered), and teach the protocol: TODO.md sections per
 * agent, task files, wait_for_team instead of polling. Argument completion
 * (`completion/complete`) offers session ids, agent names (review_team's agent focus, from
 * the session named in the same request when there is one) and task ids in the task resource
 * template (`completers` serves them all).
 */
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { SecurityLevel } from '../config.js';
import type { Caller, HubApi } from '../hub/api.js';
import { allowedAt } from './tool-levels.js';

/** At most this many completion values are offered (MCP caps a completion at 100). */
const MAX_COMPLETIONS = 50;

export interface Completers {
  /** Session ids starting with `prefix`. */
  sessionIds(prefix: string): Promise<string[]>;
  /** Task ids of `sessionId` (every session when it is unknown) starting with `prefix`. */
  taskIds(prefix: string, sessionId?: string): Promise<string[]>;
  /** Agent names of `sessionId` (every session when it is unknown) starting with `prefix`. */
  agentNames(prefix: string, sessionId?: string): Promise<string[]>;
}

/** Completions read the hub as the client would; a failure offers nothing rather than an error. */
export function completers(hub: HubApi, caller: Caller): Completers {
  const starting = (prefix: string, values: readonly string[]): string[] =>
    [...new Set(values)].filter((v) => v.toLowerCase().startsWith(prefix.toLowerCase())).slice(0, MAX_COMPLETIONS);
  return {
    async sessionIds(prefix) {
      const sessions = await hub.listSessions(caller).catch(() => []);
      return starting(
        prefix,
        sessions.map((s) => s.id),
      );
    },
    async agentNames(prefix, sessionId) {
      const sessions = await hub.listSessions(caller).catch(() => []);
      const known = sessionId !== undefined && sessions.some((s) => s.id === sessionId);
      return starting(
        prefix,
        sessions.filter((s) => !known || s.id === sessionId).flatMap((s) => s.agents),
      );
    },
    async taskIds(prefix, sessionId) {
      const { tasks } = await hub.listTasks(caller, sessionId ? { session_id: sessionId } : {}).catch(() => ({ tasks: [] }));
      return starting(
        prefix,
        tasks.map((t) => t.id),
      );
    },
  };
}

export function registerPrompts(server: McpServer, level: SecurityLevel, complete: Completers): void {
  const can = (tool: string): boolean => allowedAt(tool, level);

  if (['create_session', 'create_agent', 'create_task', 'wait_for_team'].every(can)) {
    server.registerPrompt(
      'start_team',
      {
        title: 'Start a team of Claude Code agents on a repository',
        description: 'Create a session on a folder, split a goal into tasks, start agents for them and follow their work.',
        argsSchema: {
          root_path: z.string().describe('Absolute path of the repository (the session root).'),
          goal: z.string().describe('What the team should achieve.'),
          agents: z.string().optional().describe('How many agents (default 2).'),
        },
      },
      ({ root_path, goal, agents }) => userText(startTeam(root_path, goal, agents)),
    );
  }

  server.registerPrompt(
    'review_team',
    {
      title: 'Review the team: done, blocked, waiting for me, overlapping',
      description: "Summarise a session's agents and tasks: what is done, what is blocked, what waits for the person, and where work overlaps.",
      argsSchema: {
        session_id: completable(z.string().describe('The session (list_sessions).'), (value) => complete.sessionIds(value ?? '')),
        agent_name: completable(z.string().optional().describe('Look closer at this agent (optional).'), (value, context) =>
          complete.agentNames(value ?? '', context?.arguments?.['session_id']),
        ),
      },
    },
    ({ session_id, agent_name }) => userText(reviewTeam(session_id, agent_name, can('answer_agent_prompt'), can('update_task'))),
  );
}

function userText(text: string) {
  return { messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }] };
}

function startTeam(root: string, goal: string, agents: string | undefined): string {
  const count = agents !== undefined && /^\d+$/.test(agents.trim()) ? Number(agents.trim()) : 2;
  return [
    `Start a team of ${count} Claude Code agent(s) with the claude-hub tools on the repository ${root}, for this goal:`,
    '',
    goal,
    '',
    `1. create_session {root_path: "${root}", session_name: a short name}; keep the session_id it returns.`,
    '2. Split the goal into tasks, one outcome each: create_task for each (title, body with a checklist, depends_on where order matters). Tasks are files in .claude-hub/tasks/ that the agents read and update.',
    `3. create_agent ${count} time(s), each with a specialization that fits some of the tasks; then assign each task to one agent (update_task {assignee}). Each agent also has its own section in the root's TODO.md for its checklist.`,
    '4. Follow the work with wait_for_team {session_id, until: "any_needs_person"} or "all_idle"; when it answers "still waiting", call it again rather than polling get_session_status.',
    '5. When an agent waits for me (a dialog), tell me its question and choices. When all are idle, tell me in a few lines what is done and what is left.',
  ].join('\n');
}

function reviewTeam(sessionId: string, agentName: string | undefined, canAnswer: boolean, canUpdate: boolean): string {
  const focus = agentName?.trim();
  return [
    `Review the claude-hub session ${sessionId} for me.`,
    '',
    `1. get_session_status {session_id: "${sessionId}"} and list_tasks {session_id: "${sessionId}"}.`,
    '2. Report, briefly: what is done; what is blocked and on what (task status blocked, depends_on); which agent waits for me (pendingPrompt: quote the question and choices); what is in progress by whom.',
    '3. Point out overlap: two agents on the same task or files, tasks with the same outcome, TODO.md items in two sections.',
    `4. ${canAnswer ? 'Ask me before answering any dialog (answer_agent_prompt). ' : ''}${canUpdate ? 'Suggest reassignments (update_task) but make none without my word.' : 'Suggest what to change; this server only reads.'}`,
    "read_agent_output shows an agent's screen when the status does not say enough.",
    ...(focus
      ? [
          '',
          `Look closer at agent_name ${focus}: its status and why, its current task and the tasks assigned to it (list_tasks {session_id: "${sessionId}", assignee: "${focus}"}), its section of TODO.md, and the last lines of its screen (read_agent_output {agent_name: "${focus}"}).`,
        ]
      : []),
  ].join('\n');
}
