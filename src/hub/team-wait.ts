/**
 * wait_for_team: a client waits for what it cares about in one session instead of polling
 * get_session_status. One wait holds one index listener and one timer, nothing else: it wakes
 * on the index's changes for its session (never on a clock, except to say "still waiting"
 * and to end at the deadline), so many waits cost nothing while the team is quiet.
 *
 * Contract:
 * - A condition that already holds answers at once (`any_change` never does: it is about what
 *   happens next). Otherwise the wait answers at the first change after which it holds, or at
 *   the deadline with `met: false`, or when the caller's signal aborts (`cancelled`).
 * - Changes are read once per burst (a microtask after the first), not once per file event.
 * - Bad input (unknown session, unknown task, task_done without task_id) throws a HubError
 *   before anything is subscribed. A session deleted during the wait ends it with
 *   SESSION_NOT_FOUND.
 * - Whatever ends the wait releases its listener, its timer and its abort listener; the hub's
 *   close ends every wait (as cancelled), so no timer outlives it.
 */
import { ErrorCodes, HubError } from '../errors.js';
import type { IndexChange } from './index-types.js';
import type { AgentStatus, SessionStatus } from './types.js';

export const WAIT_CONDITIONS = ['all_idle', 'any_needs_person', 'task_done', 'any_change'] as const;
export type WaitCondition = (typeof WAIT_CONDITIONS)[number];

/** Well under what clients give a tool call (Claude Desktop ~60 s, Claude Code ~120 s). */
export const WAIT_DEFAULT_S = 30;
export const WAIT_MAX_S = 50;
/** As an MCP task the client holds no request open (it polls tasks/get or waits on tasks/result): a wait may be longer. */
export const WAIT_TASK_MAX_S = 900;
/** How often a wait says "still waiting" when nothing happens (a progress notification). */
export const WAIT_HEARTBEAT_MS = 10_000;

export interface WaitInput {
  readonly session_id: string;
  readonly until: WaitCondition;
  readonly task_id?: string;
  readonly timeout_s?: number;
}

/** What the transport gives a waiting call: its cancellation, and where progress goes. */
export interface WaitControl {
  readonly signal?: AbortSignal;
  /** Called on each change that does not end the wait, and on each heartbeat. */
  readonly onProgress?: (progress: { readonly elapsedMs: number; readonly timeoutMs: number; readonly message: string }) => void;
  /** The call runs as an MCP task (no client request held open): timeout_s may go up to WAIT_TASK_MAX_S. */
  readonly longWait?: boolean;
}

export interface AgentChange {
  readonly agent_name: string;
  readonly from: AgentStatus | null;
  readonly to: AgentStatus | null;
}

export interface TeamWaitResult {
  readonly until: WaitCondition;
  /** True when the condition holds; false at the timeout or on cancellation. */
  readonly met: boolean;
  readonly ended: 'condition' | 'timeout' | 'cancelled';
  readonly waitedMs: number;
  /** What changed between the call and the answer. */
  readonly changed: { readonly agents: readonly AgentChange[]; readonly task_ids: readonly string[]; readonly todo: boolean };
  readonly status: SessionStatus;
}

/** What a wait reads: the index's session status, its tasks, and its changes. */
export interface TeamWaitSource {
  sessionStatus(sessionId: string): SessionStatus;
  onChange(listener: (change: IndexChange) => void): () => void;
}

/** Does `until` hold for this status? (Pure.) `task_done` is done or cancelled: either way waiting longer is pointless. */
export function conditionHolds(until: WaitCondition, status: SessionStatus, taskId?: string): boolean {
  switch (until) {
    case 'all_idle':
      // Starting agents and queued messages are work about to begin: not idle yet.
      return status.agents.every((a) => a.status !== 'working' && a.status !== 'starting' && a.queuedMessages === 0);
    case 'any_needs_person':
      return status.agents.some((a) => a.status === 'waiting_for_person');
    case 'task_done': {
      const task = status.tasks.items.find((t) => t.id === taskId);
      return task?.status === 'done' || task?.status === 'cancelled';
    }
    case 'any_change':
      return false;
  }
}

/** The waits in progress (for the tests' count and the hub's close). */
export class TeamWaits {
  readonly #source: TeamWaitSource;
  readonly #heartbeatMs: number;
  readonly #now: () => number;
  /** How to end each wait in progress (close ends them all). */
  readonly #ending = new Set<() => void>();

  constructor(source: TeamWaitSource, options: { heartbeatMs?: number; now?: () => number } = {}) {
    this.#source = source;
    this.#heartbeatMs = options.heartbeatMs ?? WAIT_HEARTBEAT_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Waits in progress now. */
  get active(): number {
    return this.#ending.size;
  }

  /** The hub closes: every wait answers now, as cancelled (nothing of the hub will change it any more). */
  close(): void {
    for (const end of [...this.#ending]) end();
  }

  /** Checks the input (throws HubError), then waits; `sessionId` is the session's canonical id. */
  wait(sessionId: string, input: WaitInput, control: WaitControl = {}): Promise<TeamWaitResult> {
    const { until } = input;
    if (!WAIT_CONDITIONS.includes(until)) {
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, `until must be one of ${WAIT_CONDITIONS.join(', ')}; got "${String(until)}".`, { data: { until } });
    }
    const timeoutS = input.timeout_s ?? WAIT_DEFAULT_S;
    const maxS = control.longWait === true ? WAIT_TASK_MAX_S : WAIT_MAX_S;
    if (!Number.isFinite(timeoutS) || timeoutS < 1 || timeoutS > maxS) {
      throw new HubError(
        ErrorCodes.INVALID_ARGUMENT,
        control.longWait === true
          ? `timeout_s must be between 1 and ${maxS} seconds as an MCP task; call wait_for_team again to wait longer.`
          : `timeout_s must be between 1 and ${maxS} seconds (clients give up on a longer call; as an MCP task up to ${WAIT_TASK_MAX_S}); call wait_for_team again to wait longer.`,
        { data: { timeout_s: timeoutS } },
      );
    }
    if (until === 'task_done' && input.task_id === undefined) {
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'until: task_done needs task_id (list_tasks shows the ids).', { data: { until } });
    }
    const first = this.#source.sessionStatus(sessionId);
    if (until === 'task_done' && !first.tasks.items.some((t) => t.id === input.task_id)) {
      throw new HubError(ErrorCodes.TASK_NOT_FOUND, `No task ${input.task_id} in session ${sessionId}; list_tasks shows the ids, create_task makes one.`, {
        data: { session: sessionId, task_id: input.task_id },
      });
    }
    const started = this.#now();
    const timeoutMs = timeoutS * 1000;
    const before = new Map(first.agents.map((a) => [a.name, a.status] as const));
    const taskIds = new Set<string>();
    let todo = false;
    const result = (status: SessionStatus, ended: TeamWaitResult['ended']): TeamWaitResult => ({
      until,
      met: ended === 'condition',
      ended,
      waitedMs: this.#now() - started,
      changed: { agents: agentChanges(before, status), task_ids: [...taskIds], todo },
      status,
    });
    if (conditionHolds(until, first, input.task_id)) return Promise.resolve(result(first, 'condition'));
    if (control.signal?.aborted) return Promise.resolve(result(first, 'cancelled'));

    return new Promise<TeamWaitResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let scheduled = false;
      let done = false;
      let sawChange = false;
      let nextBeat = started + this.#heartbeatMs;
      const finish = (outcome: () => TeamWaitResult): void => {
        if (done) return;
        done = true;
        this.#ending.delete(onAbort);
        unsubscribe();
        clearTimeout(timer);
        control.signal?.removeEventListener('abort', onAbort);
        try {
          resolve(outcome());
        } catch (error) {
          reject(error);
        }
      };
      const read = (): SessionStatus => this.#source.sessionStatus(sessionId);
      const onAbort = (): void => finish(() => result(safeRead(read) ?? first, 'cancelled'));
      const progress = (message: string): void => control.onProgress?.({ elapsedMs: this.#now() - started, timeoutMs, message });
      const evaluate = (): void => {
        scheduled = false;
        if (done) return;
        let status: SessionStatus;
        try {
          status = read();
        } catch (error) {
          // The session was deleted while we waited.
          finish(() => {
            throw error;
          });
          return;
        }
        if (until === 'any_change' ? sawChange : conditionHolds(until, status, input.task_id)) {
          finish(() => result(status, 'condition'));
          return;
        }
        const moved = agentChanges(before, status);
        progress(
          moved.length > 0 ? `still waiting (${until}); ${moved.map((m) => `${m.agent_name}: ${m.to ?? 'gone'}`).join(', ')}` : `still waiting (${until})`,
        );
      };
      const unsubscribe = this.#source.onChange((change) => {
        if (change.kind !== 'sessions' && change.session !== sessionId) return;
        if (change.kind === 'task') taskIds.add(change.taskId);
        if (change.kind === 'todo') todo = true;
        if (change.kind !== 'sessions') sawChange = true;
        // One read per burst of file events, not one per event.
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(evaluate);
        }
      });
      const tick = (): void => {
        if (done) return;
        const now = this.#now();
        if (now - started >= timeoutMs) {
          finish(() => result(safeRead(read) ?? first, 'timeout'));
          return;
        }
        if (now >= nextBeat) {
          progress(`still waiting (${until}), ${Math.round((now - started) / 1000)} of ${timeoutS} s`);
          nextBeat = now + this.#heartbeatMs;
        }
        arm();
      };
      // One timer per wait: the nearer of the next heartbeat and the deadline.
      const arm = (): void => {
        const at = Math.min(nextBeat, started + timeoutMs);
        timer = setTimeout(tick, Math.max(0, at - this.#now()));
      };
      control.signal?.addEventListener('abort', onAbort, { once: true });
      this.#ending.add(onAbort);
      arm();
    });
  }
}

function safeRead(read: () => SessionStatus): SessionStatus | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** The agents whose status differs from the call's start (new and gone agents too). (Pure.) */
export function agentChanges(before: ReadonlyMap<string, AgentStatus>, status: SessionStatus): AgentChange[] {
  const changes: AgentChange[] = [];
  const now = new Map(status.agents.map((a) => [a.name, a.status] as const));
  for (const [name, to] of now) {
    const from = before.get(name) ?? null;
    if (from !== to) changes.push({ agent_name: name, from, to });
  }
  for (const [name, from] of before) if (!now.has(name)) changes.push({ agent_name: name, from, to: null });
  return changes;
}
