import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../../src/exec.js';
import { EMIT_SCRIPT } from '../../src/agent/settings.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub emit '));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const emit = (file: string, input: string) => exec('/bin/sh', [EMIT_SCRIPT, file], { input, env: { PATH: '/usr/bin:/bin' }, timeoutMs: 5000 });

describe('templates/hooks/emit.sh', () => {
  it('appends stdin as one line, creating a missing directory with spaces in its path', async () => {
    const file = join(dir, 'events', 'sess 1', 'Agent_1.jsonl');
    const first = await emit(file, '{"hook_event_name":"Stop",\n "a": "x\\ny"}\n');
    await emit(file, '{"hook_event_name":"UserPromptSubmit","prompt":"é \\"q\\""}');
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toBe('');
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]!)).toEqual({ hook_event_name: 'Stop', a: 'x\ny' });
    expect(JSON.parse(lines[1]!)).toEqual({ hook_event_name: 'UserPromptSubmit', prompt: 'é "q"' });
  });

  it('exits 0 without output when the file cannot be written or no path is given', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const result = await emit(join(blocker, 'events', 'a.jsonl'), '{"x":1}');
    expect(result).toMatchObject({ exitCode: 0, stdout: '' });
    expect(await readFile(blocker, 'utf8')).toBe('x');
    expect((await exec('/bin/sh', [EMIT_SCRIPT], { input: '{"x":1}' })).exitCode).toBe(0);
  });

  it('keeps every event whole when many hooks append at once, and prints its cost', async () => {
    const file = join(dir, 'concurrent.jsonl');
    // Large events (a PostToolUse of a big Read) too: each line must be one write(2).
    const runs = Array.from({ length: 40 }, (_, i) => emit(file, JSON.stringify({ i, pad: 'x'.repeat(i % 2 === 0 ? 2000 : 300_000) })));
    const results = await Promise.all(runs);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const sequential: number[] = [];
    for (let i = 0; i < 20; i++) sequential.push((await emit(file, '{"hook_event_name":"PreToolUse"}')).durationMs);
    sequential.sort((a, b) => a - b);
    process.stderr.write(
      `emit.sh per event: p50 ${sequential[10]!.toFixed(1)} ms, max ${sequential[19]!.toFixed(1)} ms (spawn included); concurrent max ${Math.max(...results.map((r) => r.durationMs)).toFixed(1)} ms\n`,
    );
  });
});
