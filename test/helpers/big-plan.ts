/** Generated plans for tests that need a big TODO.md (deterministic: counts known by construction). */
export interface Plan {
  readonly text: string;
  readonly sections: number;
  readonly items: number;
  readonly done: number;
  /** Lines indented 4 spaces right under a heading: markdown code, reported, not items. */
  readonly codeLines: number[];
  readonly quoteLines: number[];
}

/** 393 `##` sections, about 20,000 lines; every fourth section opens with a 4-space-indented item. */
export function bigPlan(options: { quoteEvery?: number } = {}): Plan {
  const lines: string[] = [];
  let items = 0;
  let done = 0;
  const codeLines: number[] = [];
  const quoteLines: number[] = [];
  for (let s = 0; s < 393; s++) {
    lines.push(`## Agent_${(s % 7) + 1}: part ${s} of the plan`, '');
    if (s % 4 === 1 && s < 4 * 93) {
      lines.push(`    - [ ] indented under the heading ${s}, so markdown reads it as code`);
      codeLines.push(lines.length);
    }
    if (options.quoteEvery !== undefined && s % options.quoteEvery === 0) {
      // Right above the items (no blank line): the quote and the list are one piece for remark.
      lines.push('> a note quoted from the review, with - [ ] no item in it');
      quoteLines.push(lines.length);
    }
    const count = 48 + (s % 5);
    for (let i = 0; i < count; i++) {
      const checked = (s * 7 + i) % 3 === 0;
      const nested = i % 10 === 9;
      lines.push(`${nested ? '  ' : ''}- [${checked ? 'x' : ' '}] step ${s}.${i}: make the parser keep its sections TASK-${s + 1}`);
      items++;
      if (checked) done++;
    }
    lines.push('');
  }
  return { text: lines.join('\n'), sections: 393, items, done, codeLines, quoteLines };
}
