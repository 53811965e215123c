/**
 * The usage ledger of one session: token totals and estimated cost per agent, per task (the
 * agent's current task when the message was read) and for the whole session, plus each agent's
 * model and context-window use. PURE: records in, totals out; the price table is given.
 *
 * Rules that keep a total honest:
 * - a message counts once, by its id (Claude Code writes one line per content block, each with
 *   the same usage; a transcript read again after a rotation must not count it twice): the ids
 *   counted recently are remembered per agent (RECENT_IDS, saved with the cursors);
 * - a record of a model the price table does not know adds tokens, not cost, and counts as
 *   `unpricedMessages` (the cost is then shown as a lower bound, never as the whole);
 * - what could not be counted (bad lines, skipped huge lines) is `skipped`, shown next to the totals.
 */
import { costOf, contextWindowOf, priceOf, type PriceTable } from './prices.js';
import type { UsageRecord } from './transcript.js';

/** How many message ids per agent are remembered against double counting. */
export const RECENT_IDS = 4096;
/** How many of them are saved in the state (a restart re-reads at most the bytes after the cursor). */
export const SAVED_IDS = 64;

export interface UsageTotals {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  readonly messages: number;
  /** Estimated USD of the priced messages. */
  readonly costUsd: number;
  readonly unpricedMessages: number;
}

export interface AgentUsage extends UsageTotals {
  /** The model of the latest message. */
  readonly model: string | null;
  /** Tokens in the context at the latest message (input + cache read + cache write). */
  readonly contextTokens: number;
  readonly contextWindow: number | null;
  /** Lines or messages that could not be counted (see the session's diagnostics). */
  readonly skipped: number;
}

export const ZERO: UsageTotals = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, messages: 0, costUsd: 0, unpricedMessages: 0 });

export const NO_AGENT_USAGE: AgentUsage = Object.freeze({ ...ZERO, model: null, contextTokens: 0, contextWindow: null, skipped: 0 });

/** All tokens of a total (what `budget_tokens` counts). */
export function tokensOf(t: UsageTotals): number {
  return t.input + t.output + t.cacheRead + t.cacheWrite;
}

function plus(t: UsageTotals, r: UsageRecord, cost: number | null): UsageTotals {
  return {
    input: t.input + r.input,
    output: t.output + r.output,
    cacheRead: t.cacheRead + r.cacheRead,
    cacheWrite: t.cacheWrite + r.cacheWrite,
    messages: t.messages + 1,
    costUsd: t.costUsd + (cost ?? 0),
    unpricedMessages: t.unpricedMessages + (cost === null ? 1 : 0),
  };
}

/** What the ledger saves and is restored from (plain JSON). */
export interface LedgerSnapshot {
  readonly agents: Readonly<Record<string, AgentUsage>>;
  readonly tasks: Readonly<Record<string, UsageTotals>>;
  readonly total: UsageTotals;
  /** Per agent: the latest message ids counted (at most SAVED_IDS). */
  readonly recent: Readonly<Record<string, readonly string[]>>;
}

export class UsageLedger {
  readonly #prices: PriceTable;
  readonly #agents = new Map<string, AgentUsage>();
  readonly #tasks = new Map<string, UsageTotals>();
  readonly #recent = new Map<string, Set<string>>();
  /** The model each agent's SessionStart named (it carries `[1m]`, the transcript does not). */
  readonly #sessionModel = new Map<string, string>();
  #total: UsageTotals = ZERO;
  #version = 0;

  constructor(prices: PriceTable, snapshot?: LedgerSnapshot | null) {
    this.#prices = prices;
    if (!snapshot) return;
    for (const [agent, usage] of Object.entries(snapshot.agents)) this.#agents.set(agent, usage);
    for (const [task, usage] of Object.entries(snapshot.tasks)) this.#tasks.set(task, usage);
    for (const [agent, ids] of Object.entries(snapshot.recent)) this.#recent.set(agent, new Set(ids));
    this.#total = snapshot.total;
  }

  /** Bumped on every change (the hub persists when it moved). */
  get version(): number {
    return this.#version;
  }

  /** The model a SessionStart hook named for the agent (context window: `[1m]`). */
  setSessionModel(agent: string, model: string): void {
    this.#sessionModel.set(agent, model);
  }

  /** Adds one message, unless its id was counted already. True when counted. */
  add(agent: string, task: string | null, record: UsageRecord): boolean {
    let recent = this.#recent.get(agent);
    if (!recent) this.#recent.set(agent, (recent = new Set()));
    if (recent.has(record.messageId)) return false;
    recent.add(record.messageId);
    if (recent.size > RECENT_IDS) recent.delete(recent.values().next().value as string);
    const price = priceOf(this.#prices, record.model);
    const cost = price === null ? null : costOf(record, price);
    const before = this.#agents.get(agent) ?? NO_AGENT_USAGE;
    const sessionModel = this.#sessionModel.get(agent);
    const windowModel = sessionModel?.startsWith(record.model) ? sessionModel : record.model;
    this.#agents.set(agent, {
      ...plus(before, record, cost),
      model: record.model,
      contextTokens: record.input + record.cacheRead + record.cacheWrite,
      contextWindow: contextWindowOf(this.#prices, windowModel),
      skipped: before.skipped,
    });
    if (task !== null) this.#tasks.set(task, plus(this.#tasks.get(task) ?? ZERO, record, cost));
    this.#total = plus(this.#total, record, cost);
    this.#version += 1;
    return true;
  }

  /** Something of this agent's transcript could not be counted. */
  skip(agent: string): void {
    const before = this.#agents.get(agent) ?? NO_AGENT_USAGE;
    this.#agents.set(agent, { ...before, skipped: before.skipped + 1 });
    this.#version += 1;
  }

  agent(agent: string): AgentUsage {
    return this.#agents.get(agent) ?? NO_AGENT_USAGE;
  }

  task(task: string): UsageTotals | null {
    return this.#tasks.get(task) ?? null;
  }

  get total(): UsageTotals {
    return this.#total;
  }

  snapshot(): LedgerSnapshot {
    const recent: Record<string, string[]> = {};
    for (const [agent, ids] of this.#recent) recent[agent] = [...ids].slice(-SAVED_IDS);
    return { agents: Object.fromEntries(this.#agents), tasks: Object.fromEntries(this.#tasks), total: this.#total, recent };
  }
}

/** Usage in brief, for a model or a person: the status, list_tasks, `status` and `watch`. */
export interface CompactUsage {
  readonly tokens: number;
  readonly usd: number;
  readonly ctxPct?: number;
  /** Some messages were unpriced or could not be counted: the figures are a lower bound. */
  readonly partial?: true;
}

/** Cost for a model to read: tokens of every kind, USD to the cent, context use in percent; `+` when some messages were unpriced or uncounted. (Pure.) */
export function compactUsage(u: UsageTotals & Partial<Pick<AgentUsage, 'contextTokens' | 'contextWindow' | 'skipped'>>): CompactUsage {
  const out: { tokens: number; usd: number; ctxPct?: number; partial?: true } = { tokens: tokensOf(u), usd: Math.round(u.costUsd * 100) / 100 };
  if (u.contextWindow) out.ctxPct = Math.round(((u.contextTokens ?? 0) / u.contextWindow) * 100);
  if (u.unpricedMessages > 0 || (u.skipped ?? 0) > 0) out.partial = true;
  return out;
}
