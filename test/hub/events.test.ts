import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, rename, truncate, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HookTail, parseHookLine } from '../../src/hub/events.js';
import { removeAll, tempRoot } from '../watch/helpers.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await tempRoot('hub-events-');
  path = join(dir, 'Agent_1.jsonl');
});
afterEach(async () => removeAll(dir));

const line = (event: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ hook_event_name: event, session_id: 'c-1', cwd: '/r', ...extra }) + '\n';
const tail = (max?: number): HookTail => new HookTail(path, 's1', 'Agent_1', { file: 'Agent_1.jsonl', ...(max ? { maxLineBytes: max } : {}) });

describe('parseHookLine', () => {
  const ctx = { session: 's', agent: 'A', file: 'A.jsonl', line: 3, receivedAt: 5 };
  it('turns a line into a HookEvent', () => {
    expect(parseHookLine(line('Stop', { last_assistant_message: 'hi' }), ctx)).toEqual({
      event: {
        agent: 'A',
        session: 's',
        event: 'Stop',
        claudeSessionId: 'c-1',
        receivedAt: 5,
        line: 3,
        payload: { hook_event_name: 'Stop', session_id: 'c-1', cwd: '/r', last_assistant_message: 'hi' },
      },
    });
  });
  it('skips blank lines and reports garbage, arrays and objects without an event name', () => {
    expect(parseHookLine('   ', ctx)).toBeNull();
    for (const bad of ['{"hook_event_na', 'garbage', '[1,2]', '{"x":1}', '"str"']) {
      const result = parseHookLine(bad, ctx);
      expect(result && 'diagnostic' in result ? result.diagnostic : null).toMatchObject({ file: 'A.jsonl', line: 3, code: 'hook-line-invalid' });
    }
  });
});

describe('HookTail', () => {
  it('reads only new bytes and keeps a partial last line until it is complete', async () => {
    const t = tail();
    expect((await t.read()).events).toEqual([]);
    await writeFile(path, line('SessionStart', { source: 'startup' }));
    expect((await t.read()).events.map((e) => [e.event, e.line])).toEqual([['SessionStart', 1]]);
    const full = line('UserPromptSubmit', { prompt: 'héllo — ünïcode' });
    const bytes = Buffer.from(full);
    // Split inside a multi-byte character.
    const cut = bytes.indexOf(Buffer.from('é')) + 1;
    await appendFile(path, bytes.subarray(0, cut));
    expect((await t.read()).events).toEqual([]);
    await appendFile(path, bytes.subarray(cut));
    const [event] = (await t.read()).events;
    expect(event?.payload.prompt).toBe('héllo — ünïcode');
    expect(event?.line).toBe(2);
    expect((await t.read()).events).toEqual([]);
  });

  it('skips torn and garbage lines with a diagnostic naming file and line, and goes on', async () => {
    await writeFile(path, line('UserPromptSubmit') + '{"hook_event_name":"PreTo\n' + 'not json at all\n' + line('Stop'));
    const result = await tail().read();
    expect(result.events.map((e) => [e.event, e.line])).toEqual([
      ['UserPromptSubmit', 1],
      ['Stop', 4],
    ]);
    expect(result.diagnostics.map((d) => [d.file, d.line, d.code])).toEqual([
      ['Agent_1.jsonl', 2, 'hook-line-invalid'],
      ['Agent_1.jsonl', 3, 'hook-line-invalid'],
    ]);
    expect(await readFile(path, 'utf8')).toContain('not json at all');
  });

  it('skips an oversized line, even when it arrives in pieces, and counts lines right after it', async () => {
    const t = tail(200);
    await writeFile(path, line('Stop') + 'x'.repeat(150));
    expect((await t.read()).events).toHaveLength(1);
    await appendFile(path, 'y'.repeat(150));
    const mid = await t.read();
    expect(mid.diagnostics.map((d) => [d.line, d.code])).toEqual([[2, 'hook-line-too-long']]);
    await appendFile(path, 'z'.repeat(10) + '\n' + line('UserPromptSubmit'));
    const after = await t.read();
    expect(after.events.map((e) => [e.event, e.line])).toEqual([['UserPromptSubmit', 3]]);
    expect(after.diagnostics).toEqual([]);
  });

  it('restarts from the start when the file is truncated or replaced', async () => {
    const t = tail();
    await writeFile(path, line('Stop') + line('Stop'));
    expect((await t.read()).events).toHaveLength(2);
    await truncate(path, 0);
    await appendFile(path, line('SessionStart'));
    const truncated = await t.read();
    expect(truncated.restarted).toBe(true);
    expect(truncated.events.map((e) => [e.event, e.line])).toEqual([['SessionStart', 1]]);
    const other = join(dir, 'new.jsonl');
    await writeFile(other, line('UserPromptSubmit') + line('PreToolUse', { tool_name: 'Edit' }));
    await rename(other, path);
    const replaced = await t.read();
    expect(replaced.restarted).toBe(true);
    expect(replaced.events.map((e) => e.event)).toEqual(['UserPromptSubmit', 'PreToolUse']);
  });

  it('a missing file yields nothing and is read from the start once it appears', async () => {
    const t = tail();
    expect(await t.read()).toEqual({ events: [], diagnostics: [], restarted: false });
    await writeFile(path, line('Stop'));
    expect((await t.read()).events).toHaveLength(1);
  });
});

describe('HookTail, property', () => {
  it('however the bytes arrive in pieces, the events and diagnostics are those of reading the whole file once', async () => {
    const fc = await import('fast-check');
    const { appendFile: append, writeFile: write } = await import('node:fs/promises');
    const lineArb = fc.oneof(
      fc
        .record({ hook_event_name: fc.constantFrom('UserPromptSubmit', 'Stop', 'PreToolUse'), prompt: fc.string({ unit: 'grapheme', maxLength: 30 }) })
        .map((o) => JSON.stringify(o)),
      fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.includes('\n')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(lineArb, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), async (lines, cuts) => {
        const bytes = Buffer.from(lines.map((l) => l + '\n').join(''));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        await write(path, '');
        const piecewise = tail();
        const got: string[] = [];
        let last = 0;
        for (const point of [...points, bytes.length]) {
          await append(path, bytes.subarray(last, point));
          last = point;
          const r = await piecewise.read(() => 1);
          got.push(...r.events.map((e) => `${e.line}:${JSON.stringify(e.payload)}`), ...r.diagnostics.map((d) => `${d.line}:${d.code}`));
        }
        const whole = await tail().read(() => 1);
        const want = [...whole.events.map((e) => `${e.line}:${JSON.stringify(e.payload)}`), ...whole.diagnostics.map((d) => `${d.line}:${d.code}`)];
        expect(got.sort()).toEqual(want.sort());
      }),
      { numRuns: 60 },
    );
  });
});

describe('HookTail, oversized lines', () => {
  it('keeps the event name and ids of a line too large to keep (a huge tool result), whole or in pieces', async () => {
    const big = 'z'.repeat(5000);
    const huge =
      JSON.stringify({ session_id: 'c-7', transcript_path: '/t', cwd: '/r', hook_event_name: 'PostToolUse', tool_name: 'Read', tool_response: big }) + '\n';
    const whole = tail(1000);
    await writeFile(path, huge + line('Stop'));
    const r = await whole.read();
    expect(r.events.map((e) => [e.event, e.line, e.claudeSessionId, e.payload.tool_name, e.payload.truncated])).toEqual([
      ['PostToolUse', 1, 'c-7', 'Read', true],
      ['Stop', 2, 'c-1', undefined, undefined],
    ]);
    expect(r.diagnostics.map((d) => [d.line, d.code, d.severity])).toEqual([[1, 'hook-line-too-long', 'info']]);
    const pieces = tail(1000);
    await writeFile(path, '');
    const bytes = Buffer.from(huge + line('Stop'));
    const got: string[] = [];
    for (let at = 0; at < bytes.length; at += 700) {
      await appendFile(path, bytes.subarray(at, Math.min(bytes.length, at + 700)));
      got.push(...(await pieces.read()).events.map((e) => `${e.line}:${e.event}`));
    }
    expect(got).toEqual(['1:PostToolUse', '2:Stop']);
  });
});
