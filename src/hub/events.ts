/**
 * Hook event files: `<stateDir>/events/<session>/<agent>.jsonl`, one JSON object per line as
 * Claude Code gave it to the hook (appended by templates/hooks/emit.sh). A `HookTail` reads
 * only the bytes added since its last read, keeps a partial last line for later, and turns
 * lines into HookEvents; torn and garbage lines are skipped with a diagnostic, and a line too
 * large to keep (a huge tool result) is reduced to its event name and ids.
 */
import { open, stat } from 'node:fs/promises';
import type { Diagnostic } from '../protocol/types.js';
import type { HookEvent } from './types.js';

/** A line longer than this is not an event Claude Code sends a hook; it is skipped. */
export const MAX_HOOK_LINE_BYTES = 1024 * 1024;
/** On the first read of a long history, only its tail matters for status. */
export const INITIAL_TAIL_BYTES = 256 * 1024;

export interface HookLineContext {
  readonly session: string;
  readonly agent: string;
  /** File name as shown in diagnostics. */
  readonly file: string;
  readonly line: number;
  readonly receivedAt: number;
}

export type HookLineResult = { readonly event: HookEvent } | { readonly diagnostic: Diagnostic } | null;

/** Pure: one line of an event file into a HookEvent, a diagnostic, or null for a blank line. */
export function parseHookLine(text: string, ctx: HookLineContext): HookLineResult {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const bad = (message: string): HookLineResult => ({
    diagnostic: { file: ctx.file, line: ctx.line, severity: 'warning', code: 'hook-line-invalid', message },
  });
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return bad(`Skipped a hook event line that is not JSON (torn or garbage): ${JSON.stringify(trimmed.slice(0, 60))}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('Skipped a hook event line that is not a JSON object.');
  const payload = value as Record<string, unknown>;
  const name = payload.hook_event_name;
  if (typeof name !== 'string' || name === '') return bad('Skipped a hook event line without a hook_event_name.');
  return {
    event: Object.freeze({
      agent: ctx.agent,
      session: ctx.session,
      event: name,
      claudeSessionId: typeof payload.session_id === 'string' ? payload.session_id : null,
      receivedAt: ctx.receivedAt,
      line: ctx.line,
      payload: Object.freeze(payload),
    }),
  };
}

export interface TailResult {
  readonly events: readonly HookEvent[];
  readonly diagnostics: readonly Diagnostic[];
  /** True when the file was truncated or replaced and reading restarted from its start. */
  readonly restarted: boolean;
}

const NEWLINE = 0x0a;
const READ_CHUNK_BYTES = 1024 * 1024;
/** Of an oversized line, the head kept to recover its event name and ids (they come first). */
const HEAD_BYTES = 4096;

function pushResult(result: HookLineResult, events: HookEvent[], diagnostics: Diagnostic[]): void {
  if (result === null) return;
  if ('event' in result) events.push(result.event);
  else diagnostics.push(result.diagnostic);
}

/**
 * The event of an oversized line from its head: Claude Code writes `session_id`, …,
 * `hook_event_name` before the event's own (possibly huge) fields. Payload marked `truncated`.
 */
export function eventFromHead(head: Buffer, ctx: HookLineContext): HookLineResult {
  const text = head.toString('utf8');
  const name = /"hook_event_name"\s*:\s*"([A-Za-z]+)"/.exec(text)?.[1];
  if (!name) return null;
  const sessionId = /"session_id"\s*:\s*"([^"\\]+)"/.exec(text)?.[1] ?? null;
  const toolName = /"tool_name"\s*:\s*"([^"\\]+)"/.exec(text)?.[1];
  const payload: Record<string, unknown> = { hook_event_name: name, truncated: true };
  if (sessionId !== null) payload.session_id = sessionId;
  if (toolName !== undefined) payload.tool_name = toolName;
  return {
    event: Object.freeze({
      agent: ctx.agent,
      session: ctx.session,
      event: name,
      claudeSessionId: sessionId,
      receivedAt: ctx.receivedAt,
      line: ctx.line,
      payload: Object.freeze(payload),
    }),
  };
}

/** Reads one event file incrementally. Not re-entrant: callers serialise `read()` per tail. */
export class HookTail {
  readonly path: string;
  readonly session: string;
  readonly agent: string;
  readonly #file: string;
  readonly #maxLineBytes: number;
  #offset = 0;
  #line = 0;
  #ino: number | null = null;
  #partial: Buffer = Buffer.alloc(0);
  /**
   * Dropping bytes up to the next newline: the rest of an oversized line (its head is kept in
   * #partial), or the cut line where a long history's catch-up starts.
   */
  #skipping: 'oversized' | 'catch-up' | null = null;
  #first = true;

  constructor(path: string, session: string, agent: string, options: { file?: string; maxLineBytes?: number } = {}) {
    this.path = path;
    this.session = session;
    this.agent = agent;
    this.#file = options.file ?? path;
    this.#maxLineBytes = options.maxLineBytes ?? MAX_HOOK_LINE_BYTES;
  }

  /** Reads what was appended since the last call. A missing file yields nothing. */
  async read(now: () => number = Date.now): Promise<TailResult> {
    let st;
    try {
      st = await stat(this.path);
    } catch {
      this.#reset(null);
      return { events: [], diagnostics: [], restarted: false };
    }
    let restarted = false;
    if (this.#ino !== null && (st.ino !== this.#ino || st.size < this.#offset)) {
      this.#reset(st.ino);
      restarted = true;
    }
    this.#ino = st.ino;
    const diagnostics: Diagnostic[] = [];
    const events: HookEvent[] = [];
    // History from before the hub started: its last part is enough to know the agent's state,
    // and its times are at most the file's mtime.
    const catchingUp = this.#first;
    this.#first = false;
    if (catchingUp && st.size - this.#offset > INITIAL_TAIL_BYTES) {
      this.#offset = st.size - INITIAL_TAIL_BYTES;
      this.#skipping = 'catch-up';
      this.#partial = Buffer.alloc(0);
      this.#line = -1;
    }
    if (st.size <= this.#offset) return { events, diagnostics, restarted };
    const receivedAt = catchingUp ? Math.min(now(), st.mtimeMs) : now();
    const handle = await open(this.path, 'r');
    try {
      // In bounded chunks: a burst of appended bytes never becomes one huge buffer.
      while (this.#offset < st.size) {
        const length = Math.min(READ_CHUNK_BYTES, st.size - this.#offset);
        const chunk = Buffer.alloc(length);
        const { bytesRead } = await handle.read(chunk, 0, length, this.#offset);
        if (bytesRead === 0) break;
        this.#offset += bytesRead;
        this.#consume(chunk.subarray(0, bytesRead), receivedAt, events, diagnostics);
      }
    } finally {
      await handle.close();
    }
    return { events, diagnostics, restarted };
  }

  #consume(chunk: Buffer, receivedAt: number, events: HookEvent[], diagnostics: Diagnostic[]): void {
    const ctx = (): HookLineContext => ({ session: this.session, agent: this.agent, file: this.#file, line: this.#line, receivedAt });
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.#skipping !== null) {
        // The end of a line whose start was not kept: an oversized one still says what it was.
        if (this.#skipping === 'oversized') pushResult(eventFromHead(this.#partial, ctx()), events, diagnostics);
        this.#skipping = null;
        this.#partial = Buffer.alloc(0);
        continue;
      }
      const lineBytes = this.#partial.length > 0 ? Buffer.concat([this.#partial, piece]) : piece;
      this.#partial = Buffer.alloc(0);
      this.#line = Math.max(this.#line, 0) + 1;
      if (lineBytes.length > this.#maxLineBytes) {
        diagnostics.push(this.#oversized());
        pushResult(eventFromHead(lineBytes.subarray(0, HEAD_BYTES), ctx()), events, diagnostics);
        continue;
      }
      pushResult(parseHookLine(lineBytes.toString('utf8'), ctx()), events, diagnostics);
    }
    const rest = chunk.subarray(start);
    if (this.#skipping !== null || rest.length === 0) return;
    if (this.#partial.length + rest.length > this.#maxLineBytes) {
      this.#line = Math.max(this.#line, 0) + 1;
      diagnostics.push(this.#oversized());
      // Keep only the head: enough for the event's name and ids, which come first.
      this.#partial = Buffer.concat([this.#partial, rest]).subarray(0, HEAD_BYTES);
      this.#skipping = 'oversized';
    } else {
      this.#partial = Buffer.concat([this.#partial, rest]);
    }
  }

  #oversized(): Diagnostic {
    return {
      file: this.#file,
      line: this.#line,
      severity: 'info',
      code: 'hook-line-too-long',
      message: `A hook event line over ${this.#maxLineBytes} bytes (a large tool result) was kept as its event name only.`,
    };
  }

  #reset(ino: number | null): void {
    this.#offset = 0;
    this.#line = 0;
    this.#ino = ino;
    this.#partial = Buffer.alloc(0);
    this.#skipping = null;
  }
}
