/**
 * Golden files: every fixtures/protocol/*.md parses to exactly its *.json.
 * Regenerate after an intended change with `UPDATE_GOLDEN=1 npx vitest run test/protocol/golden.test.ts`
 * and review the diff. A fixture without its golden file FAILS (it used to write the file and
 * then compare against what it had just written, so a missing golden always passed); only
 * UPDATE_GOLDEN=1 writes one. The "missing golden" test below is the negative control.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTask, parseTodo, checkTaskSet } from '../../src/protocol/index.js';
import type { TaskDoc } from '../../src/protocol/index.js';
import { scanOutline } from '../../src/protocol/outline-fast.js';
import { remarkOutline } from '../../src/protocol/outline-remark.js';

const DIR = join(import.meta.dirname, '../../fixtures/protocol');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const fixtures = readdirSync(DIR)
  .filter((name) => name.endsWith('.md'))
  .sort();
const decode = (name: string): string => new TextDecoder('utf-8', { ignoreBOM: true }).decode(readFileSync(join(DIR, name)));
const isTask = (name: string): boolean => name.startsWith('TASK-');

/**
 * The golden comparison: with `update`, (re)write the golden file; without it, a missing golden
 * throws (naming the file and how to create it) and a present one must equal `parsed`.
 */
function checkGolden(golden: string, parsed: unknown, update: boolean): void {
  if (update) writeFileSync(golden, JSON.stringify(parsed, null, 2) + '\n');
  if (!existsSync(golden)) {
    throw new Error(`golden file ${golden} is missing: create it with UPDATE_GOLDEN=1 npx vitest run test/protocol/golden.test.ts and review it`);
  }
  expect(JSON.parse(JSON.stringify(parsed)) as unknown).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
}

describe('golden fixtures', () => {
  it('has enough hand-written fixtures of both kinds', () => {
    expect(fixtures.filter(isTask).length).toBeGreaterThanOrEqual(12);
    expect(fixtures.filter((name) => name.startsWith('todo-')).length).toBeGreaterThanOrEqual(6);
  });

  it.each(fixtures)('%s parses to its golden json', (name) => {
    const text = decode(name);
    const parsed = isTask(name) ? parseTask(text, name) : parseTodo(text, name);
    checkGolden(join(DIR, name.replace(/\.md$/, '.json')), parsed, UPDATE);
  });

  it('negative control: a missing golden fails and writes nothing; a wrong one fails; UPDATE writes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-golden-'));
    try {
      const golden = join(dir, 'TASK-1-valid.json');
      const parsed = parseTask(decode('TASK-1-valid.md'), 'TASK-1-valid.md');
      expect(() => checkGolden(golden, parsed, false)).toThrow(/golden file .*TASK-1-valid\.json is missing: create it with UPDATE_GOLDEN=1/);
      expect(existsSync(golden)).toBe(false);
      writeFileSync(golden, JSON.stringify({ ...parsed, file: 'another.md' }));
      expect(() => checkGolden(golden, parsed, false)).toThrow();
      checkGolden(golden, parsed, true);
      expect(JSON.parse(readFileSync(golden, 'utf8'))).toEqual(JSON.parse(JSON.stringify(parsed)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the task fixtures as one set report their duplicate and unknown references', () => {
    const docs: TaskDoc[] = fixtures.filter(isTask).map((name) => parseTask(decode(name), name));
    const found = checkTaskSet([...docs, parseTask(decode('TASK-1-valid.md'), 'copy/TASK-1-valid.md')]);
    expect(
      found
        .filter((d) => d.code === 'duplicate-id')
        .map((d) => d.file)
        .sort(),
    ).toEqual(['TASK-1-valid.md', 'copy/TASK-1-valid.md']);
    expect(found.filter((d) => d.code === 'duplicate-id')[0]?.line).toBe(2);
    expect(found.filter((d) => d.code === 'depends-on-unknown').map((d) => d.message)).toEqual(['depends_on names TASK-99, but no task file has that id.']);
  });

  it.each(fixtures.filter((name) => !isTask(name)))('%s: the fast scanner, when it answers, agrees with remark', (name) => {
    const text = decode(name).replace(/^\uFEFF/, '');
    const fast = scanOutline(text);
    if (fast === null) {
      expect(remarkOutline(text).engine).toBe('remark');
      return;
    }
    const strip = (o: typeof fast) => ({ headings: o.headings, items: o.items.map(({ end: _end, ...rest }) => rest) });
    expect(strip(fast)).toEqual(strip(remarkOutline(text)));
  });
});
