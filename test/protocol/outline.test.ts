import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scanOutline } from '../../src/protocol/outline-fast.js';
import { remarkOutline } from '../../src/protocol/outline-remark.js';
import { outline } from '../../src/protocol/outline.js';

/** Lines of the kind TODO and task files are made of, plus the traps around them. */
const LINE_KINDS = [
  '- [ ] open item TASK-1',
  '- [x] done item @Agent_2',
  '- [X] done upper',
  '* [ ] star item',
  '+ plain bullet',
  '1. [ ] ordered item',
  '2. second ordered',
  '1) paren ordered [x] not a box',
  '- [ ]no space',
  '- [ ]',
  '- [x]   ',
  '-',
  '- ',
  '-not a list',
  '## Agent_1 — frontend',
  '# Title #',
  '###### deep',
  '####### not a heading',
  'plain paragraph text',
  'text with | pipe',
  '| a | b |',
  '| --- | --- |',
  '---',
  '***',
  '===',
  '```',
  '```js',
  '~~~',
  '<!-- comment - [ ] fake -->',
  '<!--',
  '-->',
  '<div>',
  '> - [ ] quoted',
  '    - [ ] indented code?',
  '\t- [ ] tabbed',
  '[ref]: http://example.com',
  '- # heading in item',
  '- - nested marker',
  '',
  '',
];

/** The subset the scanner is meant to answer for, so most generated documents are compared. */
const COMMON_KINDS = LINE_KINDS.filter((line) => !/^(\t|<div|>|===|-$|- $|- \[[ x]\]\s*$|- #|- - | {4})/.test(line));

const docOf = (kinds: readonly string[]) =>
  fc
    .tuple(
      fc.array(
        fc.tuple(fc.constantFrom(...kinds), fc.integer({ min: 0, max: 7 })).map(([line, indent]) => (line === '' ? '' : ' '.repeat(indent) + line)),
        { maxLength: 30 },
      ),
      fc.boolean(),
    )
    .map(([lines, crlf]) => lines.join(crlf ? '\r\n' : '\n'));

function comparable(found: ReturnType<typeof remarkOutline>) {
  return {
    headings: found.headings.map((h) => ({ depth: h.depth, text: h.text, line: h.line, start: h.start })),
    items: found.items.map((i) => ({
      line: i.line,
      endLine: i.endLine,
      depth: i.depth,
      start: i.start,
      contentIndent: i.contentIndent,
      checkbox: i.checkbox,
      checked: i.checked,
      textStart: i.textStart,
      text: i.text,
    })),
  };
}

describe('outline engines', () => {
  it.each([
    ['every kind of line', LINE_KINDS, 40, 1500],
    ['common lines', COMMON_KINDS, 500, 3000],
  ])('the fast scanner agrees with remark whenever it answers (%s)', (_name, kinds, floor, runs) => {
    let answered = 0;
    fc.assert(
      fc.property(docOf(kinds), (doc) => {
        const fast = scanOutline(doc);
        if (fast === null) return;
        answered++;
        expect(comparable(fast)).toEqual(comparable(remarkOutline(doc)));
      }),
      { numRuns: runs },
    );
    // The comparison must have happened often enough to mean something.
    expect(answered).toBeGreaterThan(floor);
  });

  it('outline(), cut into pieces at top-level headings, equals remark on the whole document, always', () => {
    let mixed = 0;
    // Sections: a column-0 heading, then any lines (so cuts happen and pieces mix both engines).
    const sectioned = fc
      .tuple(fc.array(fc.tuple(fc.constantFrom('## Agent_1', '# Plan', '### x ###'), docOf(LINE_KINDS)), { minLength: 1, maxLength: 5 }), fc.boolean())
      .map(([sections, crlf]) =>
        sections
          .map(([heading, body]) => `${heading}\n${body}`)
          .join('\n')
          .replace(/\r?\n/g, crlf ? '\r\n' : '\n'),
      );
    fc.assert(
      fc.property(fc.oneof(docOf(LINE_KINDS), sectioned), (doc) => {
        const pieces = outline(doc);
        if (pieces.engine === 'remark' && pieces.headings.length > 1) mixed++;
        expect(comparable(pieces)).toEqual(comparable(remarkOutline(doc)));
      }),
      { numRuns: 4000 },
    );
    expect(mixed).toBeGreaterThan(50);
  }, 240_000); // 4,000 documents through remark: a loaded machine took past 60 s

  it('outline() equals remark on lines made of random markdown fragments', () => {
    const atoms = [
      '- ',
      '* ',
      '+ ',
      '1. ',
      '2) ',
      '[ ] ',
      '[x] ',
      '[X]',
      '#',
      '## ',
      '`',
      '```',
      '~~~',
      '<!--',
      '-->',
      '<div>',
      '>',
      '|',
      '---',
      '===',
      '    ',
      '  ',
      ' ',
      '\t',
      'text',
      '@Agent_1',
      'TASK-3',
      '\\',
      '*',
      '_',
      '[',
      ']',
      '<',
      'x',
    ];
    const fragmentLine = fc.array(fc.constantFrom(...atoms), { maxLength: 6 }).map((parts) => parts.join(''));
    const doc = fc.tuple(fc.array(fragmentLine, { maxLength: 25 }), fc.boolean()).map(([lines, crlf]) => lines.join(crlf ? '\r\n' : '\n'));
    fc.assert(
      fc.property(doc, (text) => {
        let reference;
        try {
          reference = remarkOutline(text);
        } catch {
          return; // micromark's own development assertions (vitest loads that build) on odd input
        }
        expect(comparable(outline(text))).toEqual(comparable(reference));
      }),
      { numRuns: 3000 },
    );
  });

  // Counterexamples fast-check found (each once made outline() and remark disagree).
  it.each([
    ['an empty item in a quote after indented code: no cut before it', '    - \n\n>- '],
    ['the same, indented inside the quote', '    - \n\n>  - '],
    ['the same inside an item inside a quote', '\t- \n\n- >- '],
    ['a tab as the unchecked mark', '- [\t] x'],
    ['a box whose mark is the line ending', '- [\n]\n_'],
    ['a box across lines, then a later box', '- [\n]\t- \n\n[x] '],
    ['`<!-->` closes on its own line', '<!-->\n```\n-->\n\n===\n- '],
    ['`<?>` closes on its own line', '<?>\n```\n?>\n\n===\n- '],
  ])('outline() equals remark: %s', (_name, doc) => {
    expect(comparable(outline(doc))).toEqual(comparable(remarkOutline(doc)));
  });

  it('one block quote costs remark only its own section', () => {
    const section = (n: number) => [`## Agent_${n}`, '', ...Array.from({ length: 20 }, (_, i) => `- [ ] item ${i}`), ''];
    const doc = [...section(1), '> a quote', '', ...section(2), ...section(3)].join('\n');
    const found = outline(doc);
    expect(found.engine).toBe('remark');
    expect(comparable(found)).toEqual(comparable(remarkOutline(doc)));
    expect(found.items).toHaveLength(60);
  });

  it('masks front matter and a BOM without moving lines or offsets', () => {
    const text = '\uFEFF---\ntitle: x\nlist: - [ ] not an item\n---\n# H\n- [ ] real\n';
    const found = outline(text, text.indexOf('# H'));
    expect(found.headings).toEqual([{ depth: 1, text: 'H', line: 5, start: text.indexOf('# H') }]);
    expect(found.items).toHaveLength(1);
    expect(found.items[0]?.line).toBe(6);
    expect(text.slice(found.items[0]?.checkbox?.start, found.items[0]?.checkbox?.end)).toBe('[ ]');
  });
});
