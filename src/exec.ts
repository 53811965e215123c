/**
 * The one seam for child processes. Argument arrays only (never a shell string), an explicit
 * environment when given, a timeout, and errors that carry command, args, exit code, stderr
 * and timing so a user (and a test) can see exactly what failed.
 */
import { spawn } from 'node:child_process';
import { HubError, ErrorCodes } from './errors.js';

export interface ExecOptions {
  readonly cwd?: string;
  /** The whole environment of the child. Omitted: inherit the hub's own. */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then stdin is closed. */
  readonly input?: string | Buffer;
  /** Milliseconds before the child is killed (SIGKILL) and TIMEOUT is thrown. Default 30 s. */
  readonly timeoutMs?: number;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  readonly allowFailure?: boolean;
  /** Cap on captured stdout/stderr bytes each (default 16 MiB). */
  readonly maxBuffer?: number;
}

export interface ExecResult {
  readonly command: string;
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** A function with the shape of `exec`, so backends can be given a recording or fake one. */
export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export const exec: Exec = (command, args, options = {}) => {
  const started = performance.now();
  const maxBuffer = options.maxBuffer ?? 16 * 1024 * 1024;
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes < maxBuffer) out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < maxBuffer) err.push(chunk);
      errBytes += chunk.length;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const missing = error.code === 'ENOENT';
      reject(
        new HubError(
          ErrorCodes.EXEC_FAILED,
          missing
            ? `${command} was not found on PATH; install it or point claude-hub at it.`
            : `${command} could not be started: ${error.message}`,
          { data: { command, args: [...args], errno: error.code }, cause: error },
        ),
      );
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const result: ExecResult = {
        command,
        args: [...args],
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        durationMs: performance.now() - started,
      };
      if (timedOut) {
        reject(
          new HubError(ErrorCodes.TIMEOUT, `${command} ${args.join(' ')} took longer than ${options.timeoutMs ?? 30_000} ms and was stopped.`, {
            data: { ...result },
          }),
        );
        return;
      }
      if (exitCode !== 0 && !options.allowFailure) {
        reject(
          new HubError(
            ErrorCodes.EXEC_FAILED,
            `${command} ${args.join(' ')} exited with ${exitCode ?? signal}: ${result.stderr.trim().slice(0, 500) || '(no stderr)'}`,
            { data: { ...result } },
          ),
        );
        return;
      }
      resolve(result);
    });
    child.stdin.on('error', () => {
      // The child may exit before reading its input; that is reported through 'close'.
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
};
