/**
 * The price table: estimated USD per million tokens per model, kept in ONE file
 * (templates/prices.json, or the file CLAUDE_HUB_PRICES / `serve --prices` names) so a person
 * can correct it without a release. A model matches the first entry whose `match` its id starts
 * with; a `[1m]` suffix (Claude Code's 1M-context variants) means a 1,000,000-token window.
 * A model no entry matches is "unpriced": its tokens are counted, its cost is not guessed.
 *
 * Contract: `loadPriceTable` never throws for a bad file; it returns the built-in table with a
 * diagnostic saying why (a typo in the price file must not stop the hub). Pure apart from the read.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export interface ModelPrice {
  /** USD per million tokens. */
  readonly input: number;
  readonly output: number;
  readonly cacheWrite: number;
  readonly cacheRead: number;
  readonly contextWindow: number;
}

export interface PriceTable {
  /** The file the prices came from, or `built-in`. */
  readonly source: string;
  readonly models: readonly ({ readonly match: string } & ModelPrice)[];
  /** Why the file was not used, or null. */
  readonly problem: string | null;
}

const usd = z.number().finite().nonnegative().max(10_000);
const fileSchema = z.object({
  about: z.string().optional(),
  models: z
    .array(
      z.object({
        match: z.string().min(1).max(200),
        input: usd,
        output: usd,
        cacheWrite: usd,
        cacheRead: usd,
        contextWindow: z.number().int().positive().max(100_000_000),
      }),
    )
    .max(1000),
});

export const ONE_M_SUFFIX = '[1m]';

/** templates/prices.json, found from this module in src/ (tests) and in dist/ (installed). */
export function defaultPricesPath(): string {
  return fileURLToPath(new URL('../../templates/prices.json', import.meta.url));
}

/** Parses a price file's text (pure). */
export function parsePriceTable(text: string, source: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { source: 'built-in', models: [], problem: `${source} is not JSON (${(error as Error).message})` };
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) return { source: 'built-in', models: [], problem: `${source} does not match the price table shape: ${z.prettifyError(parsed.error)}` };
  return { source, models: parsed.data.models, problem: null };
}

/** The price table from `path` (default templates/prices.json); a bad file gives an empty table and its problem. */
export function loadPriceTable(path: string = defaultPricesPath()): PriceTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      source: 'built-in',
      models: [],
      problem: `the price file ${path} could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    };
  }
  return parsePriceTable(text, path);
}

/** The price of a model id, or null when the table has none for it. */
export function priceOf(table: PriceTable, model: string): ModelPrice | null {
  const oneM = model.endsWith(ONE_M_SUFFIX);
  const id = oneM ? model.slice(0, -ONE_M_SUFFIX.length) : model;
  const entry = table.models.find((m) => id.startsWith(m.match));
  if (!entry) return null;
  return oneM ? { ...entry, contextWindow: 1_000_000 } : entry;
}

/** The context window of a model: the table's, else 200k (1M with `[1m]`). */
export function contextWindowOf(table: PriceTable, model: string): number {
  return priceOf(table, model)?.contextWindow ?? (model.endsWith(ONE_M_SUFFIX) ? 1_000_000 : 200_000);
}

export interface TokenCounts {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

/** USD for these tokens at this price. */
export function costOf(tokens: TokenCounts, price: ModelPrice): number {
  return (tokens.input * price.input + tokens.output * price.output + tokens.cacheRead * price.cacheRead + tokens.cacheWrite * price.cacheWrite) / 1_000_000;
}
