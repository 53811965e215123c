// Parse benchmark of the task-file protocol. Prints figures; asserts nothing.
//   node bench/parse.mjs            (after `npx tsc -p tsconfig.build.json`)
// 1. parse of a generated 10,000-line TODO.md (median of runs), with the remark-only engine for contrast;
// 2. read + parse + index of 5,000 task files from a temp dir (readSessionSnapshot), median of runs.
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTodo, parseTask, renderTask, toggleTodoItem, taskFileName } from '../dist/protocol/index.js';
import { remarkOutline } from '../dist/protocol/outline-remark.js';
import { readSessionSnapshot } from '../dist/commands/status.js';
import { printMachine } from './machine.mjs';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// Wall time, and CPU time of this process: on a shared 2-core machine the wall figure includes
// waiting for a core; the CPU figure is the work itself.
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const time = (fn) => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};
const cpuTime = (fn) => {
  const start = cpuMs();
  fn();
  return cpuMs() - start;
};

function generateTodo(lines) {
  const out = ['# Generated plan', '', 'A paragraph that introduces the plan, with a link [x](http://example.com).', ''];
  let n = 0;
  while (out.length < lines) {
    const agent = `Agent_${(n % 8) + 1}`;
    out.push(`## ${agent} — area ${n}`, '');
    for (let i = 0; i < 30 && out.length < lines; i++, n++) {
      const depth = i % 5 === 4 ? 2 : i % 3 === 2 ? 1 : 0;
      const box = n % 3 === 0 ? 'x' : ' ';
      const mention = n % 7 === 0 ? ` @Agent_${(n % 5) + 1}` : '';
      out.push(`${'  '.repeat(depth)}- [${box}] item ${n} for TASK-${n % 500} with **bold** and \`code\`${mention}`);
    }
    out.push('');
    if (n % 240 === 0) out.push('```sh', '- [ ] not an item', 'echo hi', '```', '');
    if (n % 300 === 0) out.push('<!--', '- [ ] hidden', '-->', '');
    if (n % 360 === 0) out.push('| col | state |', '| --- | ----- |', '| a | [ ] |', '');
  }
  return out.slice(0, lines).join('\n') + '\n';
}

const todo = generateTodo(10_000);
const lineCount = todo.split('\n').length - 1;
for (let i = 0; i < 3; i++) parseTodo(todo, 'TODO.md');
const runs = Array.from({ length: 15 }, () => time(() => parseTodo(todo, 'TODO.md')));
const cpuRuns = Array.from({ length: 15 }, () => cpuTime(() => parseTodo(todo, 'TODO.md')));
const doc = parseTodo(todo, 'TODO.md');
const toggleRuns = Array.from({ length: 5 }, () => time(() => toggleTodoItem(todo, 'TODO.md', doc.items[doc.items.length - 1].line, true)));
const remarkMs = time(() => remarkOutline(todo));
// One construct the scanner leaves to remark (a block quote) costs remark only its own section.
const quoted = todo.replace('\n## Agent_3', '\n> a quoted note\n\n## Agent_3');
const quotedRuns = Array.from({ length: 5 }, () => cpuTime(() => parseTodo(quoted, 'TODO.md')));
// And in a plan without any headings: the piece is cut at the blank lines around it.
const flat = quoted.replace(/^#.*$/gm, '');
const flatRuns = Array.from({ length: 5 }, () => cpuTime(() => parseTodo(flat, 'TODO.md')));
printMachine('parse');
console.log(
  `load average ${(await import('node:os'))
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}`,
);
console.log(`TODO.md: ${lineCount} lines, ${(todo.length / 1024).toFixed(0)} KiB, ${doc.items.length} items, ${doc.sections.length} sections`);
console.log(
  `  parseTodo median ${median(runs).toFixed(1)} ms wall (min ${Math.min(...runs).toFixed(1)}, max ${Math.max(...runs).toFixed(1)}, ${runs.length} runs); median ${median(cpuRuns).toFixed(1)} ms CPU`,
);
console.log(`  toggleTodoItem (parse + one-byte edit) median ${median(toggleRuns).toFixed(1)} ms`);
console.log(`  same file with one block quote: median ${median(quotedRuns).toFixed(1)} ms CPU; without any headings: ${median(flatRuns).toFixed(1)} ms CPU`);
console.log(`  remark+gfm alone on the same text: ${remarkMs.toFixed(0)} ms (one run; the engine the scanner falls back to)`);

const template = await readFile(new URL('../templates/task.md', import.meta.url), 'utf8');
const root = await mkdtemp(join(tmpdir(), 'bench-parse-'));
try {
  const dir = join(root, '.claude-hub/tasks');
  await mkdir(dir, { recursive: true });
  const texts = [];
  for (let i = 1; i <= 5000; i++) {
    const title = `Task number ${i}: do the thing`;
    let text = renderTask(template, {
      id: `TASK-${i}`,
      title,
      created: '2026-11-21',
      assignee: `Agent_${(i % 8) + 1}`,
      status: ['todo', 'in_progress', 'done'][i % 3],
      depends_on: i > 1 ? [`TASK-${i - 1}`] : [],
      body: `Context for task ${i}.\n\n- [x] step one\n- [ ] step two\n- [ ] step three`,
    });
    text += `\n- 2026-11-21 14:03 Agent_1: @Agent_2 started task ${i}\n- 2026-11-21 14:05 Agent_2: ok\n`;
    texts.push(text);
    await writeFile(join(dir, taskFileName(`TASK-${i}`, title)), text);
  }
  const parseOnly = median(
    Array.from({ length: 3 }, () =>
      time(() =>
        texts.forEach((text, i) => {
          parseTask(text, `TASK-${i + 1}-x.md`);
        }),
      ),
    ),
  );
  const snapshotRuns = [];
  const snapshotCpu = [];
  let snapshot;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    const cpuStart = cpuMs();
    snapshot = await readSessionSnapshot(root);
    snapshotRuns.push(performance.now() - start);
    snapshotCpu.push(cpuMs() - cpuStart);
  }
  console.log(`5,000 task files (${(texts.reduce((sum, text) => sum + text.length, 0) / 1024 / 1024).toFixed(1)} MiB):`);
  console.log(
    `  read + parse + index (readSessionSnapshot) median ${median(snapshotRuns).toFixed(0)} ms wall (runs: ${snapshotRuns.map((ms) => ms.toFixed(0)).join(', ')}), ${median(snapshotCpu).toFixed(0)} ms CPU, ${snapshot.tasks.length} tasks, ${snapshot.diagnostics.length} diagnostics`,
  );
  console.log(`  parseTask alone, 5,000 texts in memory: median ${parseOnly.toFixed(0)} ms`);
} finally {
  await rm(root, { recursive: true, force: true });
}
