/**
 * The life of an agent as the tools see it: create (recorded before its terminal opens, so a
 * crash in between leaves a known, exited agent), delete, clear its conversation (close the
 * terminal, keep the agent), start a new or resumed conversation, and — after a restart —
 * re-attach to the terminals that still run. Launching itself (settings, hooks, argv) is
 * agents.ts; which terminal an agent is in is terminals.ts.
 */
import { randomUUID } from 'node:crypto';
import type { HubConfig } from '../config.js';
import { HubError, ErrorCodes } from '../errors.js';
import type { Frozen, StateStore } from '../store/state-store.js';
import type { AgentRecord, HubState } from '../store/state-schema.js';
import type { AuditAppend } from '../store/audit-log.js';
import { validateAgentName, validateSpecialization, validateSystemPromptSuffix } from '../security/validate.js';
import type { BackendName } from '../terminal/backend.js';
import type { LiveIndex } from './index.js';
import type { AgentManager } from './agents.js';
import type { Messages } from './messages.js';
import type { Records } from './records.js';
import type { AgentTerminals } from './terminals.js';
import type { AgentView } from './types.js';
import type { Caller } from './api.js';
import { optionalSession, type ToolRunner } from './tool-call.js';

/** The agents' lifecycle part of HubApi. */
export interface AgentCalls {
  createAgent(caller: Caller, input: { session_id: string; agent_name?: string; specialization?: string; system_prompt_suffix?: string }): Promise<AgentView>;
  deleteAgent(caller: Caller, agentName: string, force: boolean): Promise<{ agent: string; session: string }>;
  clearConversation(caller: Caller, agentName: string): Promise<AgentView>;
  startNewConversation(caller: Caller, agentName: string, resume: boolean): Promise<AgentView>;
}

/** The lifecycle tool calls, each audited by `run` (tagged with the agent's session, if it has one by then). */
export function agentCalls(lifecycle: AgentLifecycle, records: Records, run: ToolRunner): AgentCalls {
  const sessionOf = (name: string) => () => optionalSession(records.agentRecord(name)?.session);
  return {
    createAgent: (caller, input) =>
      run(
        caller,
        'create_agent',
        input,
        () => lifecycle.create(input),
        () => optionalSession(input.session_id),
      ),
    deleteAgent: (caller, name, force) => run(caller, 'delete_agent', { agent_name: name, force }, () => lifecycle.delete(name, force), sessionOf(name)),
    clearConversation: (caller, name) => run(caller, 'clear_agent_conversation', { agent_name: name }, () => lifecycle.clear(name), sessionOf(name)),
    startNewConversation: (caller, name, resume) =>
      run(caller, 'start_new_agent_conversation', { agent_name: name, resume }, () => lifecycle.startNew(name, resume), sessionOf(name)),
  };
}

export interface AgentLifecycleDeps {
  readonly config: HubConfig;
  /** The backend new agents' terminals open in. */
  readonly backend: BackendName;
  readonly store: StateStore;
  readonly index: LiveIndex;
  readonly records: Records;
  readonly terminals: AgentTerminals;
  readonly agents: AgentManager;
  readonly messages: Pick<Messages, 'abandon' | 'kick'>;
  /** Records an event in the audit log. */
  readonly audit: (entry: AuditAppend) => Promise<void>;
}

export class AgentLifecycle {
  readonly #deps: AgentLifecycleDeps;

  constructor(deps: AgentLifecycleDeps) {
    this.#deps = deps;
  }

  async create(input: { session_id: string; agent_name?: string; specialization?: string; system_prompt_suffix?: string }): Promise<AgentView> {
    const { config, store, records, index } = this.#deps;
    const session = records.session(input.session_id);
    const state = store.get();
    const name = input.agent_name === undefined ? nextAgentName(state) : validateAgentName(input.agent_name);
    const specialization = input.specialization === undefined ? null : validateSpecialization(input.specialization);
    const suffix = input.system_prompt_suffix === undefined ? null : validateSystemPromptSuffix(input.system_prompt_suffix);
    if (state.agents.some((a) => a.name === name)) {
      const owner = state.agents.find((a) => a.name === name)?.session;
      throw new HubError(
        ErrorCodes.ALREADY_EXISTS,
        `An agent named ${name} already exists (session ${owner}); agent names are unique across the hub. Pick another name or omit agent_name.`,
        {
          data: { agent: name, session: owner },
        },
      );
    }
    if (state.agents.length >= config.maxAgents) {
      throw new HubError(
        ErrorCodes.LIMIT_REACHED,
        `The hub already runs ${state.agents.length} agents (--max-agents ${config.maxAgents}); delete one or raise --max-agents.`,
        {
          data: { limit: config.maxAgents },
        },
      );
    }
    const record: AgentRecord = {
      name,
      session: session.id,
      specialization,
      systemPromptSuffix: suffix,
      backend: this.#deps.backend,
      terminal: null,
      claudeSessionId: randomUUID(),
      launch: { permissionMode: config.permissionMode, model: config.model, extraArgs: [] },
      createdAt: new Date().toISOString(),
      conversationStartedAt: new Date().toISOString(),
    };
    // Recorded before the terminal opens, so a crash in between leaves a known, exited agent.
    await store.update((draft) => {
      draft.agents.push(record);
    });
    this.#showAgentsOf(session.id);
    try {
      await this.#open(name, false);
    } catch (error) {
      await store.update((draft) => {
        draft.agents = draft.agents.filter((a) => a.name !== name);
      });
      this.#showAgentsOf(session.id);
      throw error;
    }
    return index.agentView(session.id, name);
  }

  async delete(agentName: string, force: boolean): Promise<{ agent: string; session: string }> {
    const { records, index, agents, messages, store } = this.#deps;
    const agent = records.agent(agentName);
    if (!force && index.getStatus(agent.name) === 'working') {
      throw new HubError(ErrorCodes.AGENT_BUSY, `${agent.name} is working; wait until it is idle or pass force: true to stop it.`, {
        data: { agent: agent.name },
      });
    }
    messages.abandon(agent.name, `${agent.name} was deleted`);
    await agents.close(agent.name);
    await store.update((draft) => {
      draft.agents = draft.agents.filter((a) => a.name !== agent.name);
      draft.queue = draft.queue.filter((m) => m.agent !== agent.name);
    });
    this.#showAgentsOf(agent.session);
    await agents.forget(agent);
    return { agent: agent.name, session: agent.session };
  }

  /** Closes the agent's terminal (and with it its conversation); the agent stays, exited. */
  async clear(agentName: string): Promise<AgentView> {
    const agent = this.#deps.records.agent(agentName);
    await this.#deps.agents.close(agent.name);
    await this.#deps.terminals.set(agent.session, agent.name, null);
    return this.#deps.index.agentView(agent.session, agent.name);
  }

  /** A fresh terminal running a new conversation, or (`resume`) the agent's last one. */
  async startNew(agentName: string, resume: boolean): Promise<AgentView> {
    const { records, agents, terminals, store, index } = this.#deps;
    const agent = records.agent(agentName);
    if (resume && agent.claudeSessionId === null) {
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, `${agent.name} has no earlier conversation to resume; call again with resume: false.`, {
        data: { agent: agent.name },
      });
    }
    await agents.close(agent.name);
    await terminals.set(agent.session, agent.name, null);
    if (!resume) {
      await store.update((draft) => {
        const a = draft.agents.find((x) => x.name === agent.name);
        if (!a) return;
        a.claudeSessionId = randomUUID();
        a.conversationStartedAt = new Date().toISOString();
      });
    }
    await this.#open(agent.name, resume);
    return index.agentView(agent.session, agent.name);
  }

  /**
   * After a restart: an agent whose terminal still runs keeps its process (and its screen is
   * watched like a fresh one's: a dialog may be up now); the others are exited. Each is audited.
   */
  async reattach(state: Frozen<HubState>): Promise<void> {
    const alive = await this.#deps.terminals.attach(state.agents);
    for (const agent of state.agents) {
      const runs = alive.get(agent.name) ?? false;
      if (runs) this.#deps.agents.screens.attach(agent.session, agent.name);
      await this.#deps.audit({ kind: 'recovery', actor: 'hub', session: agent.session, agent: agent.name, outcome: runs ? 'reattached' : 'exited' });
    }
  }

  async #open(name: string, resume: boolean): Promise<void> {
    const agent = this.#deps.records.agent(name);
    const session = this.#deps.records.session(agent.session);
    await this.#deps.agents.launch(agent, session, resume);
    this.#deps.messages.kick(name);
  }

  /** The index lists a session's agents from the records (who exists is not in the files). */
  #showAgentsOf(sessionId: string): void {
    const agents = this.#deps.records.agentsOf(sessionId);
    this.#deps.index.setAgents(
      sessionId,
      agents.map((a) => ({ name: a.name, specialization: a.specialization })),
    );
  }
}

/** The smallest `Agent_<n>` no agent of the hub has. */
export function nextAgentName(state: Frozen<HubState>): string {
  const taken = new Set(state.agents.map((a) => a.name));
  for (let n = 1; ; n++) if (!taken.has(`Agent_${n}`)) return `Agent_${n}`;
}
