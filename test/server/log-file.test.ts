import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogFileSink } from '../../src/server/log-file.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('rotating log file', () => {
  it('appends lines, rotates by size and keeps only N old files', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-log-'));
    const sink = createLogFileSink({ dir: join(dir, 'logs'), maxBytes: 100, keep: 2 });
    for (let i = 0; i < 20; i++) sink(`line ${String(i).padStart(2, '0')} ${'x'.repeat(30)}`); // 39 bytes each: 2 per file
    const files = (await readdir(join(dir, 'logs'))).sort();
    expect(files).toEqual(['claude-hub.log', 'claude-hub.log.1', 'claude-hub.log.2']);
    expect(await readFile(sink.path, 'utf8')).toBe(`line 18 ${'x'.repeat(30)}\nline 19 ${'x'.repeat(30)}\n`);
    expect(await readFile(`${sink.path}.2`, 'utf8')).toContain('line 14');
    for (const file of files) expect((await stat(join(dir, 'logs', file))).size).toBeLessThanOrEqual(100);
    expect((await stat(join(dir, 'logs'))).mode & 0o777).toBe(0o700);
  });
});
