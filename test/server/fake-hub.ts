import { NO_AGENT_USAGE, ZERO } from '../../src/usage/ledger.js';
/**
 * TEST DOUBLE of HubApi: an in-memory hub for the MCP server tests. It does not touch files,
 * terminals or processes; it only records calls, keeps a tiny model, throws the HubErrors the
 * real hub would, and lets a test fire onChange events. Never used outside test/.
 *
 * It fakes the calls the server tests drive; a call added to HubApi need not be faked here
 * (its tool is tested against the real hub on the in-memory terminal, connectRealHub), and
 * calling an unfaked one through the server is an INTERNAL error result.
 */
import { byUrgency } from '../../src/hub/status.js';
import { ErrorCodes, HubError } from '../../src/errors.js';
import type {
  AnsweredPrompt,
  Caller,
  CreatedTask,
  CreateTaskInput,
  HubApi,
  HubChange,
  MessageResult,
  TaskFileText,
  TaskFilter,
  TaskList,
  TodoEditInput,
  TodoEditResult,
  UpdateTaskInput,
} from '../../src/hub/api.js';
import type { AgentView, SessionInfo, SessionStatus, TaskSummary } from '../../src/hub/types.js';
import type { TeamWaitResult, WaitInput } from '../../src/hub/team-wait.js';

export interface RecordedCall {
  readonly method: string;
  readonly caller: Caller;
  readonly args: readonly unknown[];
}

// The calls it does not fake are declared, not defined (see the header).
export interface FakeHub extends HubApi {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the calls it does not fake are declared by HubApi, never defined (see the header)
export class FakeHub {
  readonly calls: RecordedCall[] = [];
  private readonly sessions = new Map<string, SessionInfo>();
  private readonly agents = new Map<string, AgentView>();
  private readonly tasks = new Map<string, TaskSummary & { session: string; body: string }>();
  private readonly listeners = new Set<(change: HubChange) => void>();
  private nextSession = 1;
  private nextTask = 1;
  todoText = '# TODO\n\n- [ ] first thing\n';

  emit(change: HubChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private record(method: string, caller: Caller, ...args: unknown[]): void {
    this.calls.push({ method, caller, args });
  }

  private session(id: string): SessionInfo {
    const session = this.sessions.get(id);
    if (!session) throw new HubError(ErrorCodes.SESSION_NOT_FOUND, `No session ${id}; list_sessions shows the sessions.`, { data: { session_id: id } });
    return session;
  }

  private agent(name: string): AgentView {
    const agent = this.agents.get(name);
    if (!agent) throw new HubError(ErrorCodes.AGENT_NOT_FOUND, `No agent ${name}; get_session_status lists the agents.`, { data: { agent_name: name } });
    return agent;
  }

  async listSessions(caller: Caller): Promise<readonly SessionInfo[]> {
    this.record('listSessions', caller);
    return [...this.sessions.values()];
  }

  async createSession(caller: Caller, input: { root_path: string; session_name: string; trust_root?: boolean }): Promise<SessionInfo> {
    this.record('createSession', caller, input);
    if (!input.root_path.startsWith('/'))
      throw new HubError(ErrorCodes.INVALID_PATH, `${input.root_path} is not an absolute path; give the full path of the folder.`);
    for (const s of this.sessions.values()) {
      if (s.root === input.root_path) throw new HubError(ErrorCodes.ROOT_OVERLAP, `${input.root_path} is already session ${s.id}.`);
    }
    const session: SessionInfo = {
      id: `s${this.nextSession++}`,
      name: input.session_name,
      root: input.root_path,
      createdAt: '2026-01-01T00:00:00.000Z',
      agents: [],
    };
    this.sessions.set(session.id, session);
    this.emit({ kind: 'sessions' });
    return session;
  }

  async getSessionStatus(caller: Caller, sessionId: string): Promise<SessionStatus> {
    this.record('getSessionStatus', caller, sessionId);
    const session = this.session(sessionId);
    const items = [...this.tasks.values()].filter((t) => t.session === sessionId).map(({ body: _body, session: _s, ...t }) => t);
    return {
      session,
      agents: [...this.agents.values()].filter((a) => a.session === sessionId),
      todo: { done: 0, total: 1, sections: [{ title: 'TODO', agent: null, done: 0, total: 1 }] },
      // Like the live index: most pressing first.
      tasks: { total: items.length, byStatus: { todo: items.length }, items: byUrgency(items) },
      diagnostics: [{ file: 'TODO.md', line: 3, severity: 'warning', code: 'demo', message: 'a diagnostic' }],
      usage: { total: ZERO, byTask: {} },
      limit: null,
      budget: null,
    };
  }

  /** Answers at once: the condition holds, and the session's agents are said to have moved from starting. */
  async waitForTeam(caller: Caller, input: WaitInput): Promise<TeamWaitResult> {
    this.record('waitForTeam', caller, input);
    const status = await this.getSessionStatus(caller, input.session_id);
    const agents = status.agents.map((a) => ({ agent_name: a.name, from: 'starting' as const, to: a.status }));
    return {
      until: input.until,
      met: true,
      ended: 'condition',
      waitedMs: 0,
      changed: { agents, task_ids: status.tasks.items.map((t) => t.id), todo: false },
      status,
    };
  }

  async deleteSession(caller: Caller, sessionId: string, force: boolean): Promise<{ session: SessionInfo; closedAgents: readonly string[] }> {
    this.record('deleteSession', caller, sessionId, force);
    const session = this.session(sessionId);
    const closed = [...this.agents.values()].filter((a) => a.session === sessionId);
    if (!force && closed.some((a) => a.status === 'working'))
      throw new HubError(ErrorCodes.AGENT_BUSY, 'An agent is working; pass force: true to close it anyway.');
    for (const a of closed) this.agents.delete(a.name);
    this.sessions.delete(sessionId);
    this.emit({ kind: 'sessions' });
    return { session, closedAgents: closed.map((a) => a.name) };
  }

  async createAgent(
    caller: Caller,
    input: { session_id: string; agent_name?: string; specialization?: string; system_prompt_suffix?: string },
  ): Promise<AgentView> {
    this.record('createAgent', caller, input);
    const session = this.session(input.session_id);
    const name = input.agent_name ?? `Agent_${this.agents.size + 1}`;
    if (this.agents.has(name)) throw new HubError(ErrorCodes.ALREADY_EXISTS, `An agent named ${name} exists; choose another name.`);
    const agent: AgentView = {
      name,
      session: session.id,
      status: 'starting',
      why: 'launched',
      specialization: input.specialization ?? null,
      currentTask: null,
      progress: { done: 0, total: 0 },
      lastActivity: null,
      claudeSessionId: null,
      backend: 'tmux',
      idleReason: null,
      stuckSince: null,
      lastTool: null,
      resetAt: null,
      usage: NO_AGENT_USAGE,
      terminal: { backend: 'tmux', id: '%1' },
      pendingPrompt: {
        kind: 'trust',
        question: 'Do you trust the files in this folder?',
        choices: [
          { number: 1, label: 'Yes, proceed' },
          { number: 2, label: 'No, exit' },
        ],
        since: '2026-01-01T00:00:00.000Z',
      },
      queuedMessages: 0,
    };
    this.agents.set(name, agent);
    this.sessions.set(session.id, { ...session, agents: [...session.agents, name] });
    return agent;
  }

  async deleteAgent(caller: Caller, agentName: string, force: boolean): Promise<{ agent: string; session: string }> {
    this.record('deleteAgent', caller, agentName, force);
    const agent = this.agent(agentName);
    this.agents.delete(agentName);
    return { agent: agent.name, session: agent.session };
  }

  async sendMessage(caller: Caller, input: { agent_name: string; message: string; from?: string }): Promise<MessageResult> {
    this.record('sendMessage', caller, input);
    const agent = this.agent(input.agent_name);
    return { agent: agent.name, taskId: 'TASK-9', taskFile: '.claude-hub/tasks/TASK-9.md', deliveryId: 'd1', state: 'queued', reason: 'agent is working' };
  }

  async clearConversation(caller: Caller, agentName: string): Promise<AgentView> {
    this.record('clearConversation', caller, agentName);
    return this.agent(agentName);
  }

  async startNewConversation(caller: Caller, agentName: string, resume: boolean): Promise<AgentView> {
    this.record('startNewConversation', caller, agentName, resume);
    return { ...this.agent(agentName), status: 'starting' };
  }

  async answerPrompt(caller: Caller, agentName: string, choice: string): Promise<AnsweredPrompt> {
    this.record('answerPrompt', caller, agentName, choice);
    const agent = this.agent(agentName);
    if (!agent.pendingPrompt) throw new HubError(ErrorCodes.NO_PROMPT, `${agentName} is not waiting at a dialog.`);
    const picked = agent.pendingPrompt.choices.find((c) => String(c.number) === choice || c.label === choice);
    if (!picked) throw new HubError(ErrorCodes.INVALID_ARGUMENT, `"${choice}" is not one of the dialog's choices.`);
    return { agent: agentName, answered: agent.pendingPrompt, choice: picked, now: { state: 'ready', question: null } };
  }

  async readAgentOutput(caller: Caller, agentName: string, lines: number): Promise<{ agent: string; alive: boolean; text: string }> {
    this.record('readAgentOutput', caller, agentName, lines);
    this.agent(agentName);
    return { agent: agentName, alive: true, text: Array.from({ length: Math.min(lines, 3) }, (_, i) => `line ${i + 1}`).join('\n') };
  }

  async listTasks(caller: Caller, filter: TaskFilter): Promise<TaskList> {
    this.record('listTasks', caller, filter);
    const tasks = [...this.tasks.values()]
      .filter(
        (t) =>
          (filter.session_id === undefined || t.session === filter.session_id) &&
          (filter.status === undefined || t.status === filter.status) &&
          (filter.assignee === undefined || t.assignee === filter.assignee),
      )
      .map(({ body: _body, ...t }) => t);
    return { tasks, broken: [] };
  }

  async editTodo(caller: Caller, input: TodoEditInput): Promise<TodoEditResult> {
    this.record('editTodo', caller, input);
    this.session(input.session_id);
    const lines = this.todoText.split('\n');
    let line: number;
    if (input.action === 'add') {
      lines.splice(lines.length - 1, 0, `- [ ] ${input.text}`);
      line = lines.length - 1;
    } else {
      line = input.line;
      const text = lines[line - 1];
      if (text === undefined || !/^- \[[ x]\]/.test(text)) throw new HubError(ErrorCodes.INVALID_ARGUMENT, `TODO.md has no checklist item on line ${line}.`);
      lines[line - 1] = text.replace(/^- \[[ x]\]/, input.action === 'check' ? '- [x]' : '- [ ]');
    }
    this.todoText = lines.join('\n');
    this.emit({ kind: 'todo', session: input.session_id });
    const items = lines.filter((l) => /^- \[[ x]\]/.test(l));
    const at = lines[line - 1] ?? '';
    return {
      file: 'TODO.md',
      item: { line, text: at.slice(6), checked: at.startsWith('- [x]'), assignee: null, section: 'TODO' },
      progress: { done: items.filter((l) => l.startsWith('- [x]')).length, total: items.length },
      changed: true,
    };
  }

  async createTask(caller: Caller, input: CreateTaskInput): Promise<CreatedTask> {
    this.record('createTask', caller, input);
    this.session(input.session_id);
    const id = `TASK-${this.nextTask++}`;
    const task = {
      id,
      title: input.title,
      status: 'todo' as const,
      priority: input.priority ?? ('medium' as const),
      assignee: input.assignee ?? null,
      from: input.from ?? null,
      progress: { done: 0, total: 0 },
      file: `.claude-hub/tasks/${id}.md`,
      updated: null,
      session: input.session_id,
      body: input.body ?? '',
    };
    this.tasks.set(`${input.session_id}/${id}`, task);
    this.emit({ kind: 'tasks', session: input.session_id });
    const { body: _b, session: _s, ...summary } = task;
    return { task: summary, warnings: [] };
  }

  async updateTask(caller: Caller, input: UpdateTaskInput): Promise<TaskSummary> {
    this.record('updateTask', caller, input);
    const task = this.tasks.get(`${input.session_id}/${input.task_id}`);
    if (!task) throw new HubError(ErrorCodes.TASK_NOT_FOUND, `No task ${input.task_id} in session ${input.session_id}.`);
    const next = {
      ...task,
      ...(input.status ? { status: input.status } : {}),
      ...(input.title ? { title: input.title } : {}),
      ...(input.priority ? { priority: input.priority } : {}),
      ...(input.assignee !== undefined ? { assignee: input.assignee } : {}),
    };
    this.tasks.set(`${input.session_id}/${input.task_id}`, next);
    this.emit({ kind: 'task', session: input.session_id, taskId: input.task_id });
    const { body: _b, session: _s, ...summary } = next;
    return summary;
  }

  async readTodo(sessionId: string): Promise<string> {
    this.session(sessionId);
    return this.todoText;
  }

  async readTask(sessionId: string, taskId: string): Promise<TaskFileText> {
    const task = this.tasks.get(`${sessionId}/${taskId}`);
    if (!task) throw new HubError(ErrorCodes.TASK_NOT_FOUND, `No task ${taskId} in session ${sessionId}.`);
    return { text: `---\nid: ${task.id}\ntitle: ${task.title}\nstatus: ${task.status}\n---\n\n${task.body}\n`, diagnostics: [] };
  }

  onChange(listener: (change: HubChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
