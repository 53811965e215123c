/**
 * Issue 18, item 2: a large plan must never lose what a person wrote. The plans are generated
 * here (deterministically), so their exact section and item counts are known by construction.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseTodo } from '../../src/protocol/index.js';
import { looseOutline, scanOutline } from '../../src/protocol/outline-fast.js';
import { remarkOutline } from '../../src/protocol/outline-remark.js';
import { outline, REMARK_BUDGET } from '../../src/protocol/outline.js';
import { bigPlan } from '../helpers/big-plan.js';

// Deliberately heavy (remark over 256 KiB, then 20,000 lines line by line): a few seconds on a
// quiet machine, but a loaded one (two suites at once and more) took past the default 60 s.
// The limit only stops a hang; nothing here is timed.
describe('a 20,000-line plan', { timeout: 300_000 }, () => {
  it('reads every section and item; indented lines under a heading are code, and said so', () => {
    const plan = bigPlan();
    expect(plan.text.split('\n').length).toBeGreaterThan(20_000);
    expect(plan.codeLines).toHaveLength(93);
    const doc = parseTodo(plan.text, 'TODO.md');
    expect(doc.sections).toHaveLength(393);
    expect(doc.items).toHaveLength(plan.items);
    expect(doc.progress).toEqual({ done: plan.done, total: plan.items });
    expect(doc.sections[392]?.title).toBe('Agent_1: part 392 of the plan');
    expect(doc.sections.every((section) => section.progress.total >= 48)).toBe(true);
    expect(doc.diagnostics.filter((d) => d.code === 'too-complex')).toEqual([]);
    const code = doc.diagnostics.filter((d) => d.code === 'item-in-code');
    expect(code.map((d) => d.line)).toEqual(plan.codeLines);
    expect(code[0]?.message).toMatch(/indented 4\+ spaces .* reads it as code/);
  });

  it("past the exact engine's budget, sections are still read, and the diagnostic names the real cause", () => {
    const plan = bigPlan({ quoteEvery: 2 });
    const doc = parseTodo(plan.text, 'TODO.md');
    expect(doc.sections).toHaveLength(393);
    expect(doc.items).toHaveLength(plan.items);
    expect(doc.progress).toEqual({ done: plan.done, total: plan.items });
    const skipped = doc.diagnostics.filter((d) => d.code === 'too-complex');
    // The budget is spent part-way through (each quoted section costs remark its whole section).
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.length).toBeLessThan(plan.quoteLines.length);
    for (const diagnostic of skipped) {
      expect(plan.quoteLines).toContain(diagnostic.line);
      expect(diagnostic.message).toContain(`line ${diagnostic.line} has a block quote`);
      expect(diagnostic.message).toContain(`${REMARK_BUDGET / 1024} KiB`);
      expect(diagnostic.message).not.toMatch(/HTML/);
    }
    // Items read line by line sit exactly where the exact engine puts them.
    const exact = remarkOutline(plan.text.split('\n').slice(-2000).join('\n'));
    expect(exact.items.filter((item) => item.checked !== null)).toHaveLength(
      doc.items.filter((item) => item.line > plan.text.split('\n').length - 2000).length,
    );
  });

  it('a toggle in a part read line by line edits exactly its checkbox', async () => {
    const { toggleTodoItem } = await import('../../src/protocol/index.js');
    const plan = bigPlan({ quoteEvery: 2 });
    const doc = parseTodo(plan.text, 'TODO.md');
    const last = doc.items.filter((item) => !item.checked).at(-1);
    expect(last?.line).toBeGreaterThan(plan.quoteLines.at(-1) ?? Infinity);
    const edited = toggleTodoItem(plan.text, 'TODO.md', last?.line ?? 0, true);
    const lines = edited.split('\n');
    expect(lines[(last?.line ?? 0) - 1]).toMatch(/^ *- \[x\] step 392\./);
    expect(parseTodo(edited, 'TODO.md').progress).toEqual({ done: plan.done + 1, total: plan.items });
    expect(edited.length).toBe(plan.text.length);
  });
});

describe('the line-by-line reading', () => {
  // Lines of plain plans, with quotes, setext headings and code around them.
  const LINES = [
    '- [ ] open item',
    '- [x] done item',
    '  - [ ] nested item',
    '    - [x] nested twice',
    '* [ ] star item',
    '1. [ ] numbered',
    '## Agent_2',
    '### notes',
    'plain text',
    '> a quote',
    '> - [ ] quoted item',
    '```',
    '<!-- - [ ] hidden -->',
    '',
    '',
  ];
  it('agrees with remark on headings and checkboxes of documents made of common lines', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...LINES), { maxLength: 30 }), (lines) => {
        // Balanced fences only: an unclosed fence is not something a line reading can guess.
        if (lines.filter((line) => line === '```').length % 2 === 1) lines.push('```');
        const doc = lines.join('\n');
        const loose = looseOutline(doc, 0, doc.length, 1);
        const exact = remarkOutline(doc);
        const boxes = (found: typeof exact) =>
          found.items.filter((i) => i.checked !== null).map((i) => ({ line: i.line, checked: i.checked, checkbox: i.checkbox, text: i.text }));
        expect(loose.headings.map((h) => h.line)).toEqual(exact.headings.map((h) => h.line));
        expect(boxes(loose)).toEqual(boxes(exact));
      }),
      { numRuns: 1500 },
    );
  });

  it('outline() reads what remark would not get, never drops it', () => {
    const doc = ['## A', '', '> quoted', '', '- [ ] x'].join('\n');
    expect(scanOutline(doc)).toBeNull();
    expect(outline(doc).items).toHaveLength(1);
  });
});
