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
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    });
    const stdout = collect(child.stdout, maxBuffer);
    const stderr = collect(child.stderr, maxBuffer);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(startFailure(command, args, error));
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const result: ExecResult = { command, args: [...args], exitCode, signal, stdout: stdout(), stderr: stderr(), durationMs: performance.now() - started };
      const failure = failureOf(result, timedOut ? timeoutMs : null, options.allowFailure === true);
      if (failure === null) resolve(result);
      else reject(failure);
    });
    child.stdin.on('error', () => {
      // The child may exit before reading its input; that is reported through 'close'.
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
};

/** Gathers a stream's output up to about `maxBuffer` bytes (a chatty child cannot exhaust memory); read once it closed. */
function collect(stream: NodeJS.ReadableStream, maxBuffer: number): () => string {
  const chunks: Buffer[] = [];
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => {
    if (bytes < maxBuffer) chunks.push(chunk);
    bytes += chunk.length;
  });
  return () => Buffer.concat(chunks).toString('utf8');
}

/** A child that never ran: a missing command is the usual cause, and the message says what to do. */
function startFailure(command: string, args: readonly string[], error: NodeJS.ErrnoException): HubError {
  return new HubError(
    ErrorCodes.EXEC_FAILED,
    error.code === 'ENOENT' ? `${command} was not found on PATH; install it or point claude-hub at it.` : `${command} could not be started: ${error.message}`,
    { data: { command, args: [...args], errno: error.code }, cause: error },
  );
}

/** Why a finished child counts as failed (stopped at its time limit, or a non-zero exit not allowed), or null. */
function failureOf(result: ExecResult, stoppedAfterMs: number | null, allowFailure: boolean): HubError | null {
  const { command, args, exitCode, signal } = result;
  if (stoppedAfterMs !== null) {
    return new HubError(ErrorCodes.TIMEOUT, `${command} ${args.join(' ')} took longer than ${stoppedAfterMs} ms and was stopped.`, { data: { ...result } });
  }
  if (exitCode === 0 || allowFailure) return null;
  const stderr = result.stderr.trim().slice(0, 500) || '(no stderr)';
  return new HubError(ErrorCodes.EXEC_FAILED, `${command} ${args.join(' ')} exited with ${exitCode ?? signal}: ${stderr}`, { data: { ...result } });
}
