/**
 * The one owner of "which terminal is this agent in": it sets the handle (in the state store,
 * which survives a restart) and tells the live index at the same time (its runtime view is what
 * status shows), and it is where everyone asks (`of`): the delivery queue, the screen watch,
 * read_agent_output, answer_agent_prompt, closing. Whether the terminal still runs is the
 * index's `terminalAlive`, set here on attach and by the liveness check.
 */
import type { TerminalBackend, TerminalHandle } from '../terminal/backend.js';
import type { Frozen, StateStore } from '../store/state-store.js';
import type { AgentRecord } from '../store/state-schema.js';
import type { LiveIndex } from './index.js';

/** An agent's terminal as the backend drives it. */
export interface AgentTerminal {
  readonly backend: TerminalBackend;
  readonly handle: TerminalHandle;
}

export class AgentTerminals {
  readonly #deps: { readonly store: StateStore; readonly index: LiveIndex; readonly backend: TerminalBackend };

  constructor(deps: { readonly store: StateStore; readonly index: LiveIndex; readonly backend: TerminalBackend }) {
    this.#deps = deps;
  }

  /** The agent's terminal, or null when it has none (or one of another backend than this hub's). */
  of(name: string): AgentTerminal | null {
    const record = this.#deps.store.get().agents.find((a) => a.name === name);
    if (!record?.terminal || record.terminal.backend !== this.#deps.backend.name) return null;
    return { backend: this.#deps.backend, handle: toHandle(record.terminal) as TerminalHandle };
  }

  /**
   * A terminal was opened for the agent (`handle`), or it has none any more (null): recorded
   * durably, and shown on the agent (a new terminal runs and has no dialog up yet).
   */
  async set(session: string, name: string, handle: TerminalHandle | null): Promise<void> {
    await this.#deps.store.update((draft) => {
      const agent = draft.agents.find((a) => a.name === name);
      if (agent) agent.terminal = handle === null ? null : { ...handle };
    });
    this.#deps.index.setAgentRuntime(session, name, {
      ...(handle === null ? {} : { backend: this.#deps.backend.name }),
      terminal: handle,
      terminalAlive: handle !== null,
      pendingPrompt: null,
    });
  }

  /**
   * After a restart: which recorded terminals still run (one backend call for all), shown on
   * each agent. A terminal of another backend than this hub's counts as gone.
   */
  async attach(agents: readonly Frozen<AgentRecord>[]): Promise<Map<string, boolean>> {
    const living = new Map((await this.#deps.backend.list().catch(() => [])).map((t) => [t.handle.id, t.alive] as const));
    const alive = new Map<string, boolean>();
    for (const agent of agents) {
      const runs = agent.terminal !== null && agent.terminal.backend === this.#deps.backend.name && (living.get(agent.terminal.id) ?? false);
      this.#deps.index.setAgentRuntime(agent.session, agent.name, { backend: agent.backend, terminal: toHandle(agent.terminal), terminalAlive: runs });
      alive.set(agent.name, runs);
    }
    return alive;
  }
}

/** A stored terminal handle as the backend wants it (no `container: undefined`). */
export function toHandle(record: Frozen<AgentRecord>['terminal']): TerminalHandle | null {
  if (record === null) return null;
  return record.container === undefined ? { backend: record.backend, id: record.id } : { backend: record.backend, id: record.id, container: record.container };
}
