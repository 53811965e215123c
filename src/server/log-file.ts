/**
 * A size-rotated log file for `--log-dir`: `claude-hub.log`, rotated to `claude-hub.log.1` …
 * `.N` when it passes `maxBytes`. Writes are synchronous appends so the last lines before a
 * crash are on disk; a failing disk never takes the server down (the sink goes quiet).
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LogFileOptions {
  readonly dir: string;
  readonly baseName?: string;
  readonly maxBytes?: number;
  /** Rotated files kept besides the current one. */
  readonly keep?: number;
}

export interface LogFileSink {
  readonly path: string;
  (line: string): void;
}

export function createLogFileSink(options: LogFileOptions): LogFileSink {
  const path = join(options.dir, options.baseName ?? 'claude-hub.log');
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const keep = Math.max(0, options.keep ?? 5);
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  let size = existsSync(path) ? statSync(path).size : 0;
  let broken = false;

  const rotate = (): void => {
    rmSync(`${path}.${keep}`, { force: true });
    for (let n = keep - 1; n >= 1; n--) if (existsSync(`${path}.${n}`)) renameSync(`${path}.${n}`, `${path}.${n + 1}`);
    if (keep > 0) renameSync(path, `${path}.1`);
    else rmSync(path, { force: true });
    size = 0;
  };

  const sink = (line: string): void => {
    if (broken) return;
    try {
      const bytes = Buffer.byteLength(line) + 1;
      if (size > 0 && size + bytes > maxBytes) rotate();
      appendFileSync(path, line + '\n', { mode: 0o600 });
      size += bytes;
    } catch (error) {
      broken = true;
      process.stderr.write(`claude-hub: cannot write the log file ${path} (${String(error)}); logging to stderr only.\n`);
    }
  };
  return Object.assign(sink, { path });
}
