/**
 * The circuit breaker for usage and rate limits (issue 14). All agents of one hub run on one
 * account (the same environment: API key, HOME, proxy), so when one of them hits a usage or
 * rate limit (its status becomes `rate_limited`), typing into any other would only spend the
 * next request on the same wall (one report has 133 agents spawned after the quota was gone).
 *
 * - HOLD: the first `rate_limited` agent closes the gate for every agent: queued messages stay
 *   queued (and saved), nothing new is typed; the hold is saved in the state (`limit`), so a
 *   restarted hub keeps holding, and shown in every session's status (and so in `status` and
 *   `watch`). Agents whose turn a limit cut are remembered (`cut`).
 * - RESUME at `resumeAt`: the reset time the agent or the API named, or `--limit-wait` after the
 *   hold when none was named (or it was unbelievable: past, or more than a week away). The gate
 *   then opens for ONE agent first (the probe: the first cut agent, told to continue when
 *   `--limit-nudge` is on, else the first with a queued message). Its next hook event that shows
 *   the API answering (a tool call, a Stop) opens the gate for everyone, and every held message
 *   goes out once, in order. If the probe hits the limit again, the hold starts over with the new
 *   reset. So nothing is typed into more than one agent while the account may still be limited.
 * - A clock that jumps: the timer is re-armed from `resumeAt` every `checkMs`, so a clock set
 *   forward resumes at once and one set back waits for the saved time (never a busy loop).
 */
import type { Logger } from '../log.js';
import type { StateStore } from '../store/state-store.js';
import type { LimitHold } from '../store/state-schema.js';
import { toHubError } from '../errors.js';
import type { LiveIndex } from './index.js';
import type { AgentStatus, HookEvent } from './types.js';

export interface LimitsDeps {
  readonly index: Pick<LiveIndex, 'onStatusChange' | 'onHookEvent' | 'agentView' | 'sessions' | 'setLimit'>;
  readonly store: StateStore;
  readonly logger: Logger;
  /** Opens the gate for an agent (tries its queue). */
  readonly kick: (agent: string) => void;
  /** Queues a "continue" message for an agent whose turn the limit cut. */
  readonly nudge: (agent: string, text: string) => void;
  /** Every agent of the hub, in order (session, name). */
  readonly agents: () => readonly { readonly name: string; readonly session: string }[];
  readonly waitMs: number;
  readonly nudgeCut: boolean;
  readonly now?: () => number;
  /** How often the resume time is checked against the clock. Default 1 s. */
  readonly checkMs?: number;
}

/** What a cut agent is told at the reset. */
export const CONTINUE_TEXT = 'The usage limit that stopped your last turn has reset. Continue your work where you stopped.';

/** Events that prove the API answered the probe. */
const ANSWERED = new Set(['PreToolUse', 'PostToolUse', 'Stop', 'SubagentStop', 'PreCompact']);

export class LimitBreaker {
  readonly #deps: LimitsDeps;
  readonly #now: () => number;
  #hold: LimitHold | null;
  /** After resumeAt: the one agent the gate is open for, until the API is seen answering it. */
  #probe: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #saving: Promise<unknown> = Promise.resolve();
  readonly #off: (() => void)[] = [];

  constructor(deps: LimitsDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    const saved = deps.store.get().limit;
    this.#hold = saved ? { ...saved, cut: [...saved.cut] } : null;
    this.#deps.index.setLimit(this.#hold);
    this.#off.push(
      deps.index.onStatusChange((agent, status) => this.#onStatus(agent, status)),
      deps.index.onHookEvent((event) => this.#onHook(event)),
    );
    this.#timer = setInterval(() => this.check(), deps.checkMs ?? 1000);
    this.#timer.unref();
  }

  /** The hold now, or null. */
  get hold(): LimitHold | null {
    return this.#hold;
  }

  /** Why nothing may be typed into `agent` now, or null (the delivery queue's gate). */
  reason(agent: string): string | null {
    const hold = this.#hold;
    if (hold === null || this.#probe === agent) return null;
    return `the account hit a usage or rate limit (${hold.agent} at ${hold.since}); held until ${hold.resumeAt}`;
  }

  /** Resumes when the time has come (the timer calls it; tests may). */
  check(): void {
    const hold = this.#hold;
    if (hold === null || this.#probe !== null) return;
    if (this.#now() < Date.parse(hold.resumeAt)) return;
    this.#startProbe(hold);
  }

  close(): Promise<unknown> {
    for (const off of this.#off) off();
    if (this.#timer) clearInterval(this.#timer);
    return this.#saving;
  }

  #onStatus(agent: string, status: AgentStatus): void {
    if (status !== 'rate_limited') return;
    const view = this.#view(agent);
    const now = this.#now();
    const named = view?.resetAt ? Date.parse(view.resetAt) : null;
    const resumeAt = named !== null && named > now ? named : now + this.#deps.waitMs;
    const old = this.#hold;
    this.#probe = null;
    this.#set({
      since: old?.since ?? new Date(now).toISOString(),
      resetAt: named !== null ? new Date(named).toISOString() : (old?.resetAt ?? null),
      resumeAt: new Date(Math.max(resumeAt, old && old.agent !== agent ? Date.parse(old.resumeAt) : 0)).toISOString(),
      agent: old?.agent ?? agent,
      reason: (view?.why ?? 'rate limited').slice(0, 500),
      cut: [...new Set([...(old?.cut ?? []), agent])],
    });
    this.#deps.logger.warn('usage or rate limit: deliveries to every agent held', { agent, resumeAt: this.#hold?.resumeAt });
  }

  #onHook(event: HookEvent): void {
    if (this.#probe === null || event.agent !== this.#probe || !ANSWERED.has(event.event)) return;
    // The API answered the probe: the limit is over for everyone.
    const cut = this.#hold?.cut ?? [];
    this.#probe = null;
    this.#set(null);
    this.#deps.logger.info('usage limit over: held deliveries go out', { probe: event.agent });
    if (this.#deps.nudgeCut) for (const agent of cut) if (agent !== event.agent) this.#deps.nudge(agent, CONTINUE_TEXT);
    for (const agent of this.#deps.agents()) this.#deps.kick(agent.name);
  }

  #startProbe(hold: LimitHold): void {
    const agents = this.#deps.agents();
    const known = new Set(agents.map((a) => a.name));
    const cut = hold.cut.filter((a) => known.has(a));
    const probe = cut[0] ?? null;
    if (probe === null || !this.#deps.nudgeCut) {
      // Nothing to continue: open for everyone; a limit still there closes it again at the first reply.
      this.#set(null);
      for (const agent of agents) this.#deps.kick(agent.name);
      return;
    }
    this.#probe = probe;
    this.#set({ ...hold, cut });
    this.#deps.nudge(probe, CONTINUE_TEXT);
    this.#deps.kick(probe);
  }

  #view(agent: string): { resetAt: string | null; why: string } | null {
    const session = this.#deps.agents().find((a) => a.name === agent)?.session;
    if (session === undefined) return null;
    try {
      return this.#deps.index.agentView(session, agent);
    } catch {
      return null;
    }
  }

  #set(hold: LimitHold | null): void {
    this.#hold = hold;
    this.#deps.index.setLimit(hold === null ? null : { ...hold, probe: this.#probe });
    this.#saving = this.#saving
      .then(() =>
        this.#deps.store.update((draft) => {
          draft.limit = hold;
        }),
      )
      .catch((error: unknown) => this.#deps.logger.error('could not save the limit hold', { error: toHubError(error).message }));
  }
}
