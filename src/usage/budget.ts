/**
 * A session's budget against what it spent (PURE): `budget_usd` and/or `budget_tokens`; the
 * larger share counts. From WARN_PCT it is a `warning` (status, watch); from 100 % it is
 * `exceeded`: the hub delivers no new message to the session's agents and the PreToolUse guard
 * refuses their tool calls with the reason, until the person raises the budget (hub/budgets.ts).
 */
import type { BudgetView } from '../hub/types.js';
import { tokensOf, type UsageTotals } from './ledger.js';

export const WARN_PCT = 80;

export function budgetView(budget: { readonly usd: number | null; readonly tokens: number | null } | null, spent: UsageTotals): BudgetView | null {
  if (budget === null || (budget.usd === null && budget.tokens === null)) return null;
  const shares = [budget.usd === null ? 0 : (spent.costUsd / budget.usd) * 100, budget.tokens === null ? 0 : (tokensOf(spent) / budget.tokens) * 100];
  const usedPct = Math.max(...shares);
  return {
    usd: budget.usd,
    tokens: budget.tokens,
    usedPct: Math.floor(usedPct * 10) / 10,
    state: usedPct >= 100 ? 'exceeded' : usedPct >= WARN_PCT ? 'warning' : 'ok',
  };
}
