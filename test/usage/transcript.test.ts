/**
 * Issue 14, usage from transcripts: real transcripts of both pinned releases (recorded against
 * the fake model with chosen usage numbers: 1000/200/300/4000 then 7/11/0/5), incremental reads
 * in random splits (fixed seed), rotation and truncation, and bad input: never a crash, never a
 * total that looks right but is not.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendFile, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTranscriptLine, TranscriptTail, type TranscriptItem } from '../../src/usage/transcript.js';
import { UsageLedger, tokensOf } from '../../src/usage/ledger.js';
import { costOf, loadPriceTable, parsePriceTable, priceOf } from '../../src/usage/prices.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const temps = tempDirs();
afterAll(() => temps.removeAll());
const FIXTURES = new URL('../../fixtures/transcripts/', import.meta.url);
const prices = loadPriceTable();

function count(items: readonly TranscriptItem[], ledger = new UsageLedger(prices)): UsageLedger {
  for (const item of items) if (item.kind === 'usage') ledger.add('A', 'TASK-1', item.record);
  return ledger;
}

describe.each(['2.1.197', '2.1.332'])('a real transcript of Claude Code %s', (release) => {
  it('counts each message once (one line per content block), with the exact numbers the model reported', async () => {
    const text = await readFile(new URL(`claude-${release}.jsonl`, FIXTURES), 'utf8');
    const items = text
      .split('\n')
      .map((l) => parseTranscriptLine(l))
      .flatMap((r) => (r && 'item' in r ? [r.item] : []));
    const ledger = count(items);
    expect(ledger.total).toMatchObject({ input: 1007, output: 211, cacheWrite: 300, cacheRead: 4005, messages: 2, unpricedMessages: 0 });
    const errors = items.filter((i) => i.kind === 'api_error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ error: 'rate_limit', status: 429 });
    expect(ledger.task('TASK-1')?.messages).toBe(2);
  });
});

describe('TranscriptTail', () => {
  it('reads appended bytes only, in any split of the file, to the same totals (fixed seed)', async () => {
    const text = await readFile(new URL('claude-2.1.332.jsonl', FIXTURES), 'utf8');
    const dir = await temps.make('hub-tr-');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: text.length }), { maxLength: 12 }), async (cuts) => {
        const file = join(dir, `t${run++}.jsonl`);
        await writeFile(file, '');
        const tail = new TranscriptTail({ path: file, ino: null, offset: 0 });
        const items: TranscriptItem[] = [];
        let at = 0;
        for (const cut of [...new Set(cuts)].sort((a, b) => a - b).concat(text.length)) {
          await appendFile(file, text.slice(at, cut));
          at = cut;
          const read = await tail.read();
          expect(read.problems).toEqual([]);
          items.push(...read.items);
        }
        expect(count(items).total).toMatchObject({ input: 1007, output: 211, messages: 2 });
        expect(tail.cursor().offset).toBe(Buffer.byteLength(text));
      }),
      { numRuns: 25 },
    );
  });

  it('a restarted reader goes on from its cursor; a truncated or replaced file is read again without counting twice', async () => {
    const text = await readFile(new URL('claude-2.1.197.jsonl', FIXTURES), 'utf8');
    const dir = await temps.make('hub-tr-');
    const file = join(dir, 'conv.jsonl');
    const half = text.indexOf('\n', text.length / 2) + 1;
    await writeFile(file, text.slice(0, half) + text.slice(half, half + 10));
    const ledger = new UsageLedger(prices);
    const first = new TranscriptTail({ path: file, ino: null, offset: 0 });
    count((await first.read()).items, ledger);
    const cursor = first.cursor();
    expect(cursor.offset).toBe(Buffer.byteLength(text.slice(0, half))); // the partial line is read again later
    await writeFile(file, text);
    const again = new TranscriptTail(cursor);
    count((await again.read()).items, ledger);
    expect(ledger.total.messages).toBe(2);
    // Truncated and rewritten (a rotation): read from the start, each message still once.
    await truncate(file, 10);
    const truncated = await again.read();
    expect(truncated.problems.map((p) => p.code)).toEqual(['transcript-restarted']);
    await writeFile(file + '.new', text);
    await rename(file + '.new', file);
    const replaced = await again.read();
    expect(replaced.problems.map((p) => p.code)).toEqual(['transcript-restarted']);
    count(replaced.items, ledger);
    expect(ledger.total).toMatchObject({ messages: 2, input: 1007, output: 211 });
  });

  it('skips a line over its limit with a problem, and goes on', async () => {
    const dir = await temps.make('hub-tr-');
    const file = join(dir, 'big.jsonl');
    const good = (id: string) =>
      JSON.stringify({ type: 'assistant', sessionId: 's', message: { id, model: 'claude-sonnet-4-5', usage: { input_tokens: 1, output_tokens: 2 } } });
    await writeFile(file, `${good('m1')}\n${JSON.stringify({ type: 'assistant', pad: 'x'.repeat(5000) })}\n${good('m2')}\n`);
    const tail = new TranscriptTail({ path: file, ino: null, offset: 0 }, { maxLineBytes: 1000 });
    const read = await tail.read();
    expect(read.items.map((i) => (i.kind === 'usage' ? i.record.messageId : i.kind))).toEqual(['m1', 'm2']);
    expect(read.problems.map((p) => p.code)).toEqual(['transcript-line-too-long']);
  });
});

describe('bad lines', () => {
  const line = (usage: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ type: 'assistant', sessionId: 's', message: { id: 'm', model: 'claude-opus-4-5', usage }, ...extra });
  it.each([
    ['not JSON', '{"type":"assistant", torn', 'transcript-line-invalid'],
    ['negative', line({ input_tokens: -5, output_tokens: 1 }), 'transcript-usage-invalid'],
    ['absurd', line({ input_tokens: 1e12, output_tokens: 1 }), 'transcript-usage-invalid'],
    ['fractional', line({ input_tokens: 1.5, output_tokens: 1 }), 'transcript-usage-invalid'],
    ['a string', line({ input_tokens: '5', output_tokens: 1 }), 'transcript-usage-invalid'],
    ['missing usage', line(undefined), 'transcript-usage-missing'],
  ])('%s → a problem, not a count', (_name, text, code) => {
    const result = parseTranscriptLine(text);
    expect(result && 'problem' in result ? result.problem.code : result).toBe(code);
  });

  it('lines that are neither assistant nor user are not even parsed; Claude Code’s own synthetic lines cost nothing', () => {
    expect(parseTranscriptLine('{"type":"api-request-blob","data":"…"}')).toBeNull();
    expect(parseTranscriptLine(line({ input_tokens: 0 }, { message: { id: 'x', model: '<synthetic>', usage: {} } }))).toBeNull();
  });

  it('an interruption is seen in either content shape', () => {
    expect(parseTranscriptLine(JSON.stringify({ type: 'user', message: { content: '[Request interrupted by user]' } }))).toMatchObject({
      item: { kind: 'interrupted' },
    });
    expect(
      parseTranscriptLine(JSON.stringify({ type: 'user', message: { content: [{ type: 'text', text: '[Request interrupted by user for tool use]' }] } })),
    ).toMatchObject({ item: { kind: 'interrupted' } });
  });

  it('random bytes never throw, and whatever is counted is whole non-negative tokens (fixed seed)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.anything().map((v) => JSON.stringify({ type: 'assistant', message: v }) ?? ''),
        ),
        (text) => {
          const result = parseTranscriptLine(text);
          if (result && 'item' in result && result.item.kind === 'usage') {
            const r = result.item.record;
            for (const n of [r.input, r.output, r.cacheRead, r.cacheWrite]) expect(Number.isInteger(n) && n >= 0).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('prices and the ledger', () => {
  it('prices by model prefix, a 1M-context variant by its suffix; an unknown model is unpriced, not guessed', () => {
    expect(priceOf(prices, 'claude-sonnet-4-5-20250929')?.input).toBe(3);
    expect(priceOf(prices, 'claude-opus-4-8[1m]')?.contextWindow).toBe(1_000_000);
    expect(priceOf(prices, 'gpt-5')).toBeNull();
    const ledger = new UsageLedger(prices);
    ledger.add('A', null, {
      messageId: '1',
      model: 'claude-sonnet-4-5',
      input: 1_000_000,
      output: 1_000_000,
      cacheRead: 0,
      cacheWrite: 0,
      at: null,
      sessionId: null,
    });
    ledger.add('A', null, { messageId: '2', model: 'mystery-model', input: 10, output: 10, cacheRead: 0, cacheWrite: 0, at: null, sessionId: null });
    expect(ledger.total.costUsd).toBeCloseTo(18, 6);
    expect(ledger.total.unpricedMessages).toBe(1);
    expect(tokensOf(ledger.total)).toBe(2_000_020);
    expect(ledger.agent('A')).toMatchObject({ model: 'mystery-model', contextTokens: 10, contextWindow: 200_000 });
  });

  it('a price file that is not JSON or not the shape is reported, and nothing is priced from it', async () => {
    expect(parsePriceTable('{', 'p.json').problem).toMatch(/not JSON/);
    expect(parsePriceTable('{"models":[{"match":"x","input":-1}]}', 'p.json').problem).toMatch(/shape/);
    expect(loadPriceTable('/nonexistent/prices.json').problem).toMatch(/could not be read/);
    expect(costOf({ input: 1e6, output: 0, cacheRead: 0, cacheWrite: 0 }, { input: 3, output: 0, cacheRead: 0, cacheWrite: 0, contextWindow: 1 })).toBe(3);
  });
});
