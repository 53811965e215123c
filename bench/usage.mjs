// Usage accounting benchmark (issue 14). Prints figures; asserts nothing.
//   node bench/usage.mjs [--mb 50] [--agents 16]        (after `npm run build`)
// 1. accounting cost per transcript event: parse of one appended assistant line + the ledger's
//    add (and of a non-assistant line, which is skipped before JSON.parse), CPU per event;
// 2. incremental read: append K lines to a big transcript and read them through TranscriptTail
//    (only the appended bytes are read), per event;
// 3. the first read of a --mb MB transcript (once, never again: the cursor is saved);
// 4. memory: --agents tails over --mb MB transcripts each, read to their ends (RSS and heap after);
// 5. get_session_status size with the cost fields, 16 agents, against its 8 KiB budget.
import { appendFile, link, mkdir, mkdtemp, rm, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseTranscriptLine, TranscriptTail } from '../dist/usage/transcript.js';
import { UsageLedger } from '../dist/usage/ledger.js';
import { loadPriceTable } from '../dist/usage/prices.js';
import { statusForModel } from '../dist/server/tools/get-session-status.js';
import { printMachine } from './machine.mjs';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '50' }, agents: { type: 'string', default: '16' } } });
const MB = Number(values.mb);
const AGENTS = Number(values.agents);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const prices = loadPriceTable();
const conv = '11111111-2222-3333-4444-555555555555';
let id = 0;
// Shaped like a 2.1.332 assistant line (one content block, full usage), with a realistic text size.
const assistant = (text = 'x'.repeat(400)) =>
  JSON.stringify({
    parentUuid: 'p',
    isSidechain: false,
    message: {
      id: `msg_${++id}`,
      type: 'message',
      role: 'assistant',
      model: 'claude-opus-4-8',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 12, cache_creation_input_tokens: 300, cache_read_input_tokens: 40000, output_tokens: 200, service_tier: 'standard' },
    },
    requestId: `req_${id}`,
    type: 'assistant',
    uuid: `u${id}`,
    timestamp: new Date().toISOString(),
    sessionId: conv,
    version: '2.1.332',
  });
const toolResult = () =>
  JSON.stringify({ type: 'user', sessionId: conv, message: { role: 'user', content: [{ type: 'tool_result', content: 'y'.repeat(2000) }] } });

printMachine('usage');
const dir = await mkdtemp(join(tmpdir(), 'hub-bench-usage-'));
try {
  // 1. per event, in memory
  const lines = Array.from({ length: 20000 }, () => assistant());
  const others = Array.from({ length: 20000 }, () => toolResult());
  const ledger = new UsageLedger(prices);
  for (let i = 0; i < 2000; i++) parseTranscriptLine(lines[i]);
  let t = cpuUs();
  for (const line of lines) {
    const r = parseTranscriptLine(line);
    if (r && 'item' in r && r.item.kind === 'usage') ledger.add('A', 'TASK-1', r.item.record);
  }
  const perAssistant = (cpuUs() - t) / lines.length;
  t = cpuUs();
  for (const line of others) parseTranscriptLine(line);
  const perOther = (cpuUs() - t) / others.length;
  console.log(
    `accounting per transcript event (CPU): assistant line (parse + ledger) ${perAssistant.toFixed(1)} µs; other line (skipped unparsed) ${perOther.toFixed(2)} µs`,
  );

  // 2. incremental reads on a big file
  const big = join(dir, `${conv}.jsonl`);
  const chunk = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? assistant() : toolResult())).join('\n') + '\n';
  const chunkBytes = Buffer.byteLength(chunk);
  const handle = await open(big, 'w');
  for (let written = 0; written < MB * 1024 * 1024; written += chunkBytes) await handle.write(chunk);
  await handle.close();
  const tail = new TranscriptTail({ path: big, ino: null, offset: 0 });
  t = performance.now();
  const c0 = cpuUs();
  const first = await tail.read();
  const firstMs = performance.now() - t;
  console.log(
    `first read of a ${MB} MB transcript: ${firstMs.toFixed(0)} ms wall, ${((cpuUs() - c0) / 1000).toFixed(0)} ms CPU, ${first.items.length} messages (${((firstMs * 1000) / first.items.length).toFixed(1)} µs each); read once, the cursor is saved`,
  );
  const perEvent = [];
  for (let round = 0; round < 30; round++) {
    const k = 5;
    await appendFile(big, Array.from({ length: k }, () => assistant()).join('\n') + '\n');
    const s = performance.now();
    const got = await tail.read();
    perEvent.push((performance.now() - s) / got.items.length);
  }
  console.log(
    `incremental: 5 new assistant lines appended to the ${MB} MB file, read by offset: median ${(median(perEvent) * 1000).toFixed(0)} µs wall per event (stat + read + parse + count; aim ≤ 1 ms)`,
  );

  // 4. memory with AGENTS tails over MB transcripts each (files are links to one: same bytes read)
  global.gc?.();
  const before = process.memoryUsage();
  const tails = [];
  const ledgers = [];
  for (let a = 0; a < AGENTS; a++) {
    const path = join(dir, `agent-${a}`, `${conv}.jsonl`);
    await mkdir(join(dir, `agent-${a}`));
    await link(big, path);
    const tl = new TranscriptTail({ path, ino: null, offset: 0 });
    const lg = new UsageLedger(prices);
    const read = await tl.read();
    for (const item of read.items) if (item.kind === 'usage') lg.add(`Agent_${a}`, 'TASK-1', item.record);
    tails.push(tl);
    ledgers.push(lg);
  }
  global.gc?.();
  const after = process.memoryUsage();
  console.log(
    `memory: ${AGENTS} agents × ${MB} MB transcripts read to their ends: heap +${((after.heapUsed - before.heapUsed) / 1048576).toFixed(1)} MiB, RSS ${(after.rss / 1048576).toFixed(0)} MiB (${global.gc ? 'after gc' : 'run with --expose-gc for after-gc figures'}); kept per agent: the cursor, totals and ≤ 4096 recent message ids`,
  );

  // 5. status size
  const usage = ledgers[0].agent('Agent_0');
  const agents = Array.from({ length: 16 }, (_, i) => ({
    name: `Agent_${i + 1}`,
    session: 's1',
    status: i % 3 === 0 ? 'rate_limited' : 'working',
    why: 'PreToolUse hook (Bash) at 10:00:00',
    specialization: null,
    currentTask: `TASK-${i + 1}`,
    progress: { done: 1, total: 4 },
    lastActivity: new Date().toISOString(),
    claudeSessionId: conv,
    backend: 'tmux',
    terminal: null,
    pendingPrompt: null,
    queuedMessages: 1,
    idleReason: null,
    stuckSince: null,
    lastTool: 'Bash',
    resetAt: i % 3 === 0 ? new Date().toISOString() : null,
    usage,
  }));
  const status = {
    session: { id: 's1', name: 'bench', root: '/work/project', createdAt: new Date().toISOString(), agents: agents.map((a) => a.name) },
    agents,
    todo: { done: 3, total: 10, sections: [] },
    tasks: { total: 0, byStatus: {}, items: [] },
    diagnostics: [],
    usage: { total: ledgers[0].total, byTask: {} },
    limit: { since: new Date().toISOString(), resetAt: null, resumeAt: new Date().toISOString(), agent: 'Agent_1', reason: 'rate limited', cut: ['Agent_1'] },
    budget: { usd: 500, tokens: null, usedPct: 81.5, state: 'warning' },
  };
  const withCost = Buffer.byteLength(JSON.stringify(statusForModel(status)));
  const without = Buffer.byteLength(
    JSON.stringify(statusForModel({ ...status, agents: agents.map((a) => ({ ...a, usage: { ...usage, contextWindow: null } })), limit: null, budget: null })),
  );
  console.log(
    `get_session_status, 16 working agents: ${withCost} bytes with cost fields, limit and budget (${without} without the limit, the budget and context %); its budget is 8192`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
