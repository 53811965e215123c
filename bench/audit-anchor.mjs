#!/usr/bin/env node
/**
 * What the keyed anchor (audit.anchor) adds to an audit append, on the BUILT store (dist/):
 * sequential appends (each awaited, as the hub's tool calls are) with and without the anchor
 * key (throttled anchor, the hub's setting), with fsync 'always' (the hub's) and 'never'; the
 * same if every append were anchored before the next (flushAnchor after each: what a
 * per-append anchor would cost); a burst of concurrent appends; one anchor write alone.
 * Prints figures, asserts nothing.
 *
 *   npx tsc -p tsconfig.build.json && node bench/audit-anchor.mjs [--appends 400]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditLog } from '../dist/store/audit-log.js';
import { writeAnchor } from '../dist/store/audit-anchor.js';
import { deriveAuditKey } from '../dist/store/state-key.js';
import { silentLogger } from '../dist/log.js';
import { printMachine } from './machine.mjs';

const { values } = parseArgs({ options: { appends: { type: 'string', default: '400' } } });
const N = Number(values.appends);
const auditKey = deriveAuditKey(randomBytes(32));
const entry = (i) => ({
  kind: 'tool_call',
  actor: 'mcp:stdio',
  session: 'web',
  agent: 'Agent_1',
  tool: 'send_message_to_agent',
  params: { text: 'x'.repeat(200), i },
  outcome: 'ok',
});

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (ms) => `${ms.toFixed(3)} ms`;

async function sequential(anchorKey, fsync, anchorEach = false) {
  const dir = await mkdtemp(join(tmpdir(), 'hub-bench-anchor-'));
  const log = await AuditLog.open({ dir, logger: silentLogger, anchorKey, fsync });
  const times = [];
  for (let i = 0; i < N; i += 1) {
    const start = process.hrtime.bigint();
    await log.append(entry(i));
    if (anchorEach) await log.flushAnchor();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await log.close();
  await rm(dir, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  return { mean: times.reduce((a, b) => a + b, 0) / times.length, p50: pct(times, 50), p99: pct(times, 99) };
}

async function burst(anchorKey) {
  const dir = await mkdtemp(join(tmpdir(), 'hub-bench-anchor-'));
  const log = await AuditLog.open({ dir, logger: silentLogger, anchorKey });
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: N }, (_, i) => log.append(entry(i))));
  await log.flushAnchor();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await log.close();
  await rm(dir, { recursive: true, force: true });
  return ms;
}

async function anchorAlone() {
  const dir = await mkdtemp(join(tmpdir(), 'hub-bench-anchor-'));
  const times = [];
  for (let i = 0; i < N; i += 1) {
    const start = process.hrtime.bigint();
    await writeAnchor(join(dir, 'audit.anchor'), { seq: i, hash: 'a'.repeat(64) }, auditKey);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await rm(dir, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

// Warm-up (JIT, page cache, first-file costs), not reported.
await sequential(auditKey, 'always', true);
printMachine('audit-anchor');
process.stdout.write(`audit anchor cost, ${N} appends each (temp dir ${tmpdir()})\n`);
for (const fsync of ['always', 'never']) {
  const plain = await sequential(null, fsync);
  const anchored = await sequential(auditKey, fsync);
  const each = await sequential(auditKey, fsync, true);
  const line = (label, r) => `${label} mean ${fmt(r.mean)} p50 ${fmt(r.p50)} p99 ${fmt(r.p99)}`;
  process.stdout.write(
    `sequential, fsync ${fsync.padEnd(6)}: ${line('no anchor', plain)} | ${line('throttled anchor', anchored)} (+${fmt(anchored.mean - plain.mean)}) | ` +
      `${line('anchor every append', each)} (+${fmt(each.mean - plain.mean)})\n`,
  );
}
const burstPlain = await burst(null);
const burstAnchored = await burst(auditKey);
process.stdout.write(
  `burst of ${N} concurrent appends (fsync always): no anchor ${fmt(burstPlain)}, anchored ${fmt(burstAnchored)} (${fmt(burstAnchored / N)} per entry)\n`,
);
const alone = await anchorAlone();
process.stdout.write(`one anchor write (HMAC + temp + fsync + rename + dir fsync): p50 ${fmt(alone.p50)} p99 ${fmt(alone.p99)}\n`);
