/**
 * Sessions' budgets (issue 14): `budget_usd` and/or `budget_tokens`, set at create_session or
 * later (set_session_budget), saved on the session record. What is spent is the session's usage
 * ledger (estimated from the agents' transcripts, usage/ledger.ts); usage/budget.ts says where
 * it stands. At 80 % the status says `warning` (logged once). At 100 %:
 * - no new message is delivered to the session's agents (the delivery gate; queued ones wait,
 *   saved, and go out once the budget is raised);
 * - the session's stop file (`<stateDir>/stops/<session>.txt`) gets the reason, and every
 *   agent's PreToolUse stop hook (templates/hooks/stop.sh) refuses its next tool call with it,
 *   so working agents stop at their next step instead of finishing the turn on the bill.
 * Raising (or clearing) the budget removes the stop file and lets the held messages go.
 */
import { mkdir, rm, writeFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HubError, ErrorCodes, toHubError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../store/state-store.js';
import { sessionStopFile } from '../agent/settings.js';
import type { LiveIndex } from './index.js';
import type { BudgetView } from './types.js';

export interface BudgetInput {
  /** USD; null clears it; undefined leaves it. */
  readonly budget_usd?: number | null;
  readonly budget_tokens?: number | null;
}

export interface BudgetsDeps {
  readonly stateDir: string;
  readonly store: StateStore;
  readonly index: Pick<LiveIndex, 'setBudget' | 'sessionStatus' | 'onChange'>;
  readonly logger: Logger;
  /** Opens the gate for an agent again (tries its queue). */
  readonly kick: (agent: string) => void;
}

const MAX_USD = 1_000_000;
const MAX_TOKENS = 1e13;

/** Validates budget fields at the edge: positive and sane, or null to clear. */
export function validateBudget(input: BudgetInput): { usd?: number | null; tokens?: number | null } {
  const out: { usd?: number | null; tokens?: number | null } = {};
  const check = (field: string, value: number | null | undefined, max: number, integer: boolean): number | null | undefined => {
    if (value === undefined || value === null) return value;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max || (integer && !Number.isInteger(value))) {
      throw new HubError(
        ErrorCodes.INVALID_ARGUMENT,
        `${field}: a ${integer ? 'whole ' : ''}number above 0 and at most ${max} (or null to clear); got ${String(value)}.`,
        {
          data: { field },
        },
      );
    }
    return value;
  };
  const usd = check('budget_usd', input.budget_usd, MAX_USD, false);
  const tokens = check('budget_tokens', input.budget_tokens, MAX_TOKENS, true);
  if (usd !== undefined) out.usd = usd;
  if (tokens !== undefined) out.tokens = tokens;
  return out;
}

export class Budgets {
  readonly #deps: BudgetsDeps;
  /** Last state seen per session: a flip writes or removes the stop file, a warning is logged once. */
  readonly #states = new Map<string, BudgetView['state']>();
  readonly #off: () => void;
  #writing: Promise<unknown> = Promise.resolve();

  constructor(deps: BudgetsDeps) {
    this.#deps = deps;
    this.#off = deps.index.onChange((change) => {
      if (change.kind === 'status') this.#check(change.session);
    });
  }

  /** At start: every session's saved budget into the index, and its stop file as it should be. */
  load(): void {
    for (const session of this.#deps.store.get().sessions) {
      this.#deps.index.setBudget(session.id, this.#budgetOf(session.id));
      this.#check(session.id, true);
    }
  }

  /** Why nothing may be delivered to this agent of `session` now, or null. */
  reason(session: string): string | null {
    return this.#states.get(session) === 'exceeded' ? this.#words(session) : null;
  }

  /** Sets (or clears, with null) a session's budget; answers where it stands now. */
  async set(sessionId: string, input: BudgetInput): Promise<BudgetView | null> {
    const patch = validateBudget(input);
    const { store, index } = this.#deps;
    if (!store.get().sessions.some((s) => s.id === sessionId)) {
      throw new HubError(ErrorCodes.SESSION_NOT_FOUND, `No session ${sessionId}; list sessions to see the ids.`, { data: { session: sessionId } });
    }
    await store.update((draft) => {
      const record = draft.sessions.find((s) => s.id === sessionId);
      if (!record) return;
      if (patch.usd !== undefined) record.budgetUsd = patch.usd;
      if (patch.tokens !== undefined) record.budgetTokens = patch.tokens;
    });
    index.setBudget(sessionId, this.#budgetOf(sessionId));
    this.#check(sessionId);
    await this.#writing;
    return index.sessionStatus(sessionId).budget;
  }

  /** Resolves once the stop files are as the budgets say. */
  settled(): Promise<unknown> {
    return this.#writing;
  }

  close(): Promise<unknown> {
    this.#off();
    return this.#writing;
  }

  #budgetOf(sessionId: string): { usd: number | null; tokens: number | null } | null {
    const record = this.#deps.store.get().sessions.find((s) => s.id === sessionId);
    if (!record || (record.budgetUsd === null && record.budgetTokens === null)) return null;
    return { usd: record.budgetUsd, tokens: record.budgetTokens };
  }

  #check(sessionId: string, force = false): void {
    let budget: BudgetView | null;
    try {
      budget = this.#deps.index.sessionStatus(sessionId).budget;
    } catch {
      return; // deleted meanwhile
    }
    const state = budget?.state ?? 'ok';
    const before = this.#states.get(sessionId) ?? 'ok';
    if (state === before && !force) return;
    this.#states.set(sessionId, state);
    if (state === 'warning' && before === 'ok') this.#deps.logger.warn('session budget at 80 %', { session: sessionId, usedPct: budget?.usedPct });
    if (state === 'exceeded') {
      this.#deps.logger.warn('session budget spent: deliveries held, tool calls refused', { session: sessionId, usedPct: budget?.usedPct });
      this.#writeStop(sessionId, `claude-hub: ${this.#words(sessionId)} Stop here: do not call more tools; wait for the person.`);
    } else if (before === 'exceeded' || force) {
      this.#removeStop(sessionId);
      if (before === 'exceeded') for (const agent of this.#deps.store.get().agents.filter((a) => a.session === sessionId)) this.#deps.kick(agent.name);
    }
  }

  #words(sessionId: string): string {
    const budget = this.#deps.index.sessionStatus(sessionId).budget;
    const limits = [budget?.usd != null ? `$${budget.usd}` : null, budget?.tokens != null ? `${budget.tokens} tokens` : null].filter(Boolean).join(' / ');
    return `the budget of session ${sessionId} (${limits}) is spent (${budget?.usedPct ?? 100}%); the person must raise it (set_session_budget) before work goes on.`;
  }

  #writeStop(sessionId: string, text: string): void {
    const file = sessionStopFile(this.#deps.stateDir, sessionId);
    this.#writing = this.#writing
      .then(async () => {
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        await writeFile(`${file}.tmp`, text + '\n', { mode: 0o644 });
        await rename(`${file}.tmp`, file);
      })
      .catch((error: unknown) => this.#deps.logger.error('could not write the budget stop file', { file, error: toHubError(error).message }));
  }

  #removeStop(sessionId: string): void {
    const file = sessionStopFile(this.#deps.stateDir, sessionId);
    this.#writing = this.#writing
      .then(() => rm(file, { force: true }))
      .catch((error: unknown) => this.#deps.logger.error('could not remove the budget stop file', { file, error: toHubError(error).message }));
  }
}
