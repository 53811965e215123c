/**
 * Sessions: a named root folder the agents of a session work in. Records live in the state
 * store (what the files cannot say); each session is also a set of watches in the live index
 * and, with the git audit on, a recorder of who changed its files. The roots file the guard
 * hook reads is rewritten on every change. Deleting a session closes its agents' terminals and
 * gives up their queued messages.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { sessionStopFile } from '../agent/settings.js';
import type { HubConfig } from '../config.js';
import { HubError, ErrorCodes } from '../errors.js';
import { slugify } from '../protocol/index.js';
import type { Frozen, StateStore } from '../store/state-store.js';
import type { HubState, SessionRecord } from '../store/state-schema.js';
import { validateSessionRoot } from '../security/paths.js';
import { writeRootsFile } from '../security/guard.js';
import { validateSessionName } from '../security/validate.js';
import type { LiveIndex } from './index.js';
import type { GitRecorder } from './git-recorder.js';
import type { AgentManager } from './agents.js';
import type { Messages } from './messages.js';
import type { Records } from './records.js';
import type { SessionInfo, SessionStatus } from './types.js';
import type { Caller } from './api.js';
import { optionalSession, READ_ONLY, type ToolRunner } from './tool-call.js';
import { validateBudget, type BudgetInput, type Budgets } from './budgets.js';
import type { BudgetView } from './types.js';
import { TeamWaits, type TeamWaitResult, type WaitControl, type WaitInput } from './team-wait.js';

/** The sessions' part of HubApi. */
export interface SessionCalls {
  listSessions(caller: Caller): Promise<readonly SessionInfo[]>;
  createSession(caller: Caller, input: { root_path: string; session_name: string; trust_root?: boolean } & BudgetInput): Promise<SessionInfo>;
  /** Sets, raises or clears (null) a session's budget; answers where it stands. */
  setSessionBudget(caller: Caller, input: { session_id: string } & BudgetInput): Promise<{ session: string; budget: BudgetView | null }>;
  getSessionStatus(caller: Caller, sessionId: string): Promise<SessionStatus>;
  deleteSession(caller: Caller, sessionId: string, force: boolean): Promise<{ session: SessionInfo; closedAgents: readonly string[] }>;
  /** Answers when `until` holds in the session, or at the timeout; `control` carries cancellation and progress (team-wait.ts). */
  waitForTeam(caller: Caller, input: WaitInput, control?: WaitControl): Promise<TeamWaitResult>;
}

/** The sessions' tool calls, each audited by `run`. */
export function sessionCalls(sessions: Sessions, run: ToolRunner): SessionCalls {
  return {
    listSessions: (caller) =>
      run(
        caller,
        'list_sessions',
        {},
        async () => sessions.list(),
        () => ({}),
        READ_ONLY,
      ),
    createSession: (caller, input) =>
      run(
        caller,
        'create_session',
        input,
        () => sessions.create(input),
        (s) => optionalSession(s.id),
      ),
    setSessionBudget: (caller, input) =>
      run(
        caller,
        'set_session_budget',
        input,
        async () => ({ session: input.session_id, budget: await sessions.setBudget(input.session_id, input) }),
        (r) => optionalSession(r.session),
      ),
    getSessionStatus: (caller, id) =>
      run(
        caller,
        'get_session_status',
        { session_id: id },
        async () => sessions.status(id),
        (s) => optionalSession(s.session.id),
        READ_ONLY,
      ),
    waitForTeam: (caller, input, control) =>
      run(
        caller,
        'wait_for_team',
        { session_id: input.session_id, until: input.until, ...(input.task_id === undefined ? {} : { task_id: input.task_id }) },
        () => sessions.wait(input, control),
        (r) => optionalSession(r.status.session.id),
        READ_ONLY,
      ),
    deleteSession: (caller, id, force) =>
      run(
        caller,
        'delete_session',
        { session_id: id, force },
        () => sessions.delete(id, force),
        () => optionalSession(id),
      ),
  };
}

export interface SessionsDeps {
  readonly config: HubConfig;
  /** The person's home (a session root may not be it). */
  readonly home: string;
  readonly store: StateStore;
  readonly index: LiveIndex;
  readonly git: GitRecorder;
  readonly records: Records;
  readonly agents: Pick<AgentManager, 'close' | 'forgetSession'>;
  readonly messages: Pick<Messages, 'abandon'>;
  /** The live list of session roots the guard hook reads. */
  readonly rootsFile: string;
  readonly budgets: Pick<Budgets, 'set'>;
}

export class Sessions {
  readonly #deps: SessionsDeps;
  /** Every wait_for_team in progress; each holds one index listener and one timer. */
  readonly waits: TeamWaits;

  constructor(deps: SessionsDeps) {
    this.#deps = deps;
    this.waits = new TeamWaits(deps.index);
  }

  /** At start: every recorded session is watched again (and its roots allowed to the guard). */
  async load(state: Frozen<HubState>): Promise<void> {
    const { index, git } = this.#deps;
    await this.#writeRoots();
    for (const session of state.sessions) {
      await index.addSession({
        id: session.id,
        name: session.name,
        root: session.root,
        createdAt: session.createdAt,
        agents: state.agents.filter((a) => a.session === session.id).map((a) => ({ name: a.name, specialization: a.specialization })),
        usage: state.usage[session.id] ?? null,
        budget: session.budgetUsd === null && session.budgetTokens === null ? null : { usd: session.budgetUsd, tokens: session.budgetTokens },
      });
      await git.addSession(session.id, session.root);
    }
  }

  list(): readonly SessionInfo[] {
    return this.#deps.index.sessions();
  }

  /** Sets, raises or clears a session's budget (hub/budgets.ts). */
  setBudget(sessionId: string, input: BudgetInput): Promise<BudgetView | null> {
    return this.#deps.budgets.set(this.#deps.records.session(sessionId).id, input);
  }

  status(sessionId: string): SessionStatus {
    return this.#deps.index.sessionStatus(this.#deps.records.session(sessionId).id);
  }

  /** wait_for_team: checks the input, then waits (team-wait.ts has the contract). */
  async wait(input: WaitInput, control?: WaitControl): Promise<TeamWaitResult> {
    return this.waits.wait(this.#deps.records.session(input.session_id).id, input, control);
  }

  async create(input: { root_path: string; session_name: string; trust_root?: boolean } & BudgetInput): Promise<SessionInfo> {
    const { config, store, index, git } = this.#deps;
    const name = validateSessionName(input.session_name);
    const state = store.get();
    if (state.sessions.length >= config.maxSessions) {
      throw new HubError(
        ErrorCodes.LIMIT_REACHED,
        `The hub already runs ${state.sessions.length} sessions (--max-sessions ${config.maxSessions}); delete one or start the hub with a higher --max-sessions.`,
        {
          data: { limit: config.maxSessions },
        },
      );
    }
    const named = state.sessions.find((s) => s.name === name);
    if (named !== undefined) {
      throw new HubError(
        ErrorCodes.ALREADY_EXISTS,
        `A session named "${name}" already exists: session_id ${named.id} (root ${named.root}); pick another name or use that session_id.`,
        {
          data: { session_name: name, session_id: named.id },
        },
      );
    }
    const root = await validateSessionRoot(input.root_path, {
      existingRoots: state.sessions.map((s) => s.root),
      home: this.#deps.home,
      stateDir: config.stateDir,
    }).catch((error: unknown) => {
      throw this.#nameOverlappingSession(error);
    });
    const budget = validateBudget(input);
    const id = `${slugify(name).slice(0, 24) || 'session'}-${randomBytes(3).toString('hex')}`;
    const record: SessionRecord = {
      id,
      name,
      root,
      createdAt: new Date().toISOString(),
      trustRoot: input.trust_root ?? false,
      budgetUsd: budget.usd ?? null,
      budgetTokens: budget.tokens ?? null,
    };
    await store.update((draft) => {
      draft.sessions.push(record);
    });
    try {
      await this.#writeRoots();
      await index.addSession({
        id,
        name,
        root,
        createdAt: record.createdAt,
        agents: [],
        budget: record.budgetUsd === null && record.budgetTokens === null ? null : { usd: record.budgetUsd, tokens: record.budgetTokens },
      });
      await git.addSession(id, root);
    } catch (error) {
      await this.#drop(id);
      throw error;
    }
    return index.session(id);
  }

  async delete(sessionId: string, force: boolean): Promise<{ session: SessionInfo; closedAgents: readonly string[] }> {
    const { records, index, agents, messages } = this.#deps;
    const session = records.session(sessionId);
    const info = index.session(session.id);
    const members = records.agentsOf(session.id);
    if (!force) {
      const busy = members.filter((a) => index.getStatus(a.name) === 'working').map((a) => a.name);
      if (busy.length > 0) {
        throw new HubError(
          ErrorCodes.AGENT_BUSY,
          `${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} working in this session; wait until idle or pass force: true to stop them.`,
          {
            data: { agents: busy },
          },
        );
      }
    }
    for (const agent of members) {
      messages.abandon(agent.name, `session ${session.id} was deleted`);
      await agents.close(agent.name);
    }
    await this.#drop(session.id);
    return { session: info, closedAgents: members.map((a) => a.name) };
  }

  async #drop(id: string): Promise<void> {
    await this.#deps.store.update((draft) => {
      draft.sessions = draft.sessions.filter((s) => s.id !== id);
      draft.agents = draft.agents.filter((a) => a.session !== id);
      draft.queue = draft.queue.filter((m) => m.session !== id);
      delete draft.usage[id];
    });
    await rm(sessionStopFile(this.#deps.config.stateDir, id), { force: true });
    await this.#writeRoots();
    await this.#deps.git.removeSession(id);
    await this.#deps.index.removeSession(id).catch(() => undefined);
    await this.#deps.agents.forgetSession(id);
  }

  #writeRoots(): Promise<void> {
    return writeRootsFile(
      this.#deps.rootsFile,
      this.#deps.store.get().sessions.map((s) => s.root),
    );
  }

  /** ROOT_OVERLAP names the session (its id) whose root is in the way. */
  #nameOverlappingSession(error: unknown): unknown {
    if (!(error instanceof HubError) || error.code !== ErrorCodes.ROOT_OVERLAP) return error;
    const other = typeof error.data?.['other'] === 'string' ? error.data['other'] : null;
    const owner = this.#deps.store.get().sessions.find((s) => s.root === other);
    if (owner === undefined) return error;
    const same = error.data?.['real'] === other;
    const message = same
      ? `root_path: ${other} is already session ${owner.id} ("${owner.name}"); use session_id ${owner.id}, or delete that session first.`
      : error.message.replace(`another session (${other})`, `session ${owner.id} ("${owner.name}", root ${other})`);
    return new HubError(ErrorCodes.ROOT_OVERLAP, message, { data: { ...error.data, session_id: owner.id } });
  }
}
