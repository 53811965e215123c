/**
 * Sessions and agents as the state store records them, looked up by the id or name a caller
 * gave: a miss is SESSION_NOT_FOUND / AGENT_NOT_FOUND saying which ids or names exist (and,
 * for a session name or root given where its id belongs, which id it means). Every area asks
 * here, so the errors read the same from every tool.
 */
import { HubError, ErrorCodes } from '../errors.js';
import type { Frozen, StateStore } from '../store/state-store.js';
import type { AgentRecord, SessionRecord } from '../store/state-schema.js';

export type Agent = Frozen<AgentRecord>;
export type Session = Frozen<SessionRecord>;

export class Records {
  readonly #store: StateStore;

  constructor(store: StateStore) {
    this.#store = store;
  }

  sessionRecord(id: string): Session | undefined {
    return this.#store.get().sessions.find((s) => s.id === id);
  }

  agentRecord(name: string): Agent | undefined {
    return this.#store.get().agents.find((a) => a.name === name);
  }

  /** The agents of one session, in the order they were created. */
  agentsOf(sessionId: string): readonly Agent[] {
    return this.#store.get().agents.filter((a) => a.session === sessionId);
  }

  /** The session with this id, or SESSION_NOT_FOUND naming the ids there are. */
  session(id: unknown): Session {
    const session = typeof id === 'string' ? this.sessionRecord(id) : undefined;
    if (session) return session;
    const sessions = this.#store.get().sessions;
    const known = sessions.map((s) => s.id);
    // A name (or a root) where an id belongs: say which ids it means.
    const wanted = typeof id === 'string' ? id.trim().toLowerCase() : null;
    const candidates =
      wanted === null ? [] : sessions.filter((s) => s.name.toLowerCase() === wanted || s.root === id || s.id.toLowerCase() === wanted).map((s) => s.id);
    const hint =
      candidates.length > 0
        ? `${JSON.stringify(id)} is not a session id but matches session ${candidates.join(', ')}; pass ${candidates.length === 1 ? 'that' : 'one of those'} as session_id.`
        : known.length === 0
          ? 'the hub has no sessions yet (create_session makes one).'
          : `the session ids are ${known.slice(0, 10).join(', ')}${known.length > 10 ? `, … (${known.length}; list_sessions shows all)` : ''}.`;
    throw new HubError(ErrorCodes.SESSION_NOT_FOUND, `No session ${JSON.stringify(id)}; ${hint}`, { data: { session_id: id, known, candidates } });
  }

  /** The agent with this name, or AGENT_NOT_FOUND naming the agents there are. */
  agent(name: unknown): Agent {
    const agent = typeof name === 'string' ? this.agentRecord(name) : undefined;
    if (agent) return agent;
    const known = this.#store.get().agents.map((a) => a.name);
    throw new HubError(
      ErrorCodes.AGENT_NOT_FOUND,
      `No agent ${JSON.stringify(name)}; the hub has ${known.length === 0 ? 'no agents yet (create_agent makes one)' : known.join(', ')}.`,
      {
        data: { agent_name: name, known },
      },
    );
  }
}
