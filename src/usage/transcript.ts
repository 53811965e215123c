/**
 * Claude Code's transcript (`transcript_path` in every hook event: one JSON object per line,
 * appended as the conversation goes), read incrementally for what it says about cost and
 * about how a turn ended. Seen on 2.1.197 and 2.1.332 (docs/compatibility.md):
 * - an assistant message is written as one line PER CONTENT BLOCK, each with the same
 *   `message.id` and the same, final `message.usage` (input_tokens, output_tokens,
 *   cache_creation_input_tokens, cache_read_input_tokens): a message counts once, by its id;
 * - an API error is an assistant line with `isApiErrorMessage: true`, model `<synthetic>`,
 *   zero usage, `error` (`rate_limit`, …), `apiErrorStatus` and the text shown on screen;
 * - Esc / Ctrl-C during a turn leaves a user line "[Request interrupted by user…]" and no Stop;
 * - 2.1.332 adds large `api-request*` lines: lines that are neither assistant nor user are
 *   skipped without being parsed (a cheap substring test first: this runs per transcript line).
 *
 * `TranscriptTail` reads only what was appended since its offset (bounded chunks; a 50 MB
 * transcript is read once, never again), keeps a partial last line for later, restarts on a
 * truncated or replaced file (with a diagnostic), and skips a line over MAX_TRANSCRIPT_LINE
 * with a diagnostic (its usage is then missing: the ledger says so, never a silent wrong total).
 * Contract: it never throws for bad content; an unreadable file is an error from `read()`.
 */
import { open, stat } from 'node:fs/promises';

/** A transcript line longer than this (a huge tool input) is skipped, with a diagnostic. */
export const MAX_TRANSCRIPT_LINE = 8 * 1024 * 1024;
/** One message over this many tokens of any kind is not believed (it would be a wrong total). */
export const MAX_TOKENS_PER_MESSAGE = 50_000_000;
const READ_CHUNK = 1024 * 1024;
const NEWLINE = 0x0a;

export interface UsageRecord {
  readonly messageId: string;
  readonly model: string;
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  /** The line's `timestamp`, or null. */
  readonly at: string | null;
  /** The line's Claude session id, or null. */
  readonly sessionId: string | null;
}

export type TranscriptItem =
  | { readonly kind: 'usage'; readonly record: UsageRecord }
  /** An API error ended the turn: Claude Code's error kind (`rate_limit`, …), HTTP status, text on screen. */
  | {
      readonly kind: 'api_error';
      readonly error: string;
      readonly status: number | null;
      readonly text: string;
      readonly at: string | null;
      readonly sessionId: string | null;
    }
  | { readonly kind: 'interrupted'; readonly at: string | null; readonly sessionId: string | null };

export interface TranscriptProblem {
  readonly code: 'transcript-line-invalid' | 'transcript-usage-invalid' | 'transcript-usage-missing' | 'transcript-line-too-long' | 'transcript-restarted';
  readonly message: string;
}

export type LineResult = { readonly item: TranscriptItem } | { readonly problem: TranscriptProblem } | null;

const INTERRUPTED = '[Request interrupted by user';

function obj(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A token count: absent is 0 (older lines omit the cache fields); anything else must be a sane integer. */
function count(usage: Record<string, unknown>, key: string): number | string {
  const value = usage[key];
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${key} is ${JSON.stringify(value)}`;
  if (value < 0) return `${key} is negative (${value})`;
  if (!Number.isInteger(value)) return `${key} is not a whole number (${value})`;
  if (value > MAX_TOKENS_PER_MESSAGE) return `${key} is absurd (${value})`;
  return value;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b) => obj(b))
    .filter((b) => b !== null && b.type === 'text' && typeof b.text === 'string')
    .map((b) => String(b?.text))
    .join('\n');
}

/** Pure: one transcript line → a usage record, an API error, an interruption, a problem, or null (nothing to count). */
export function parseTranscriptLine(text: string): LineResult {
  // Cheap test first: most lines of a long transcript are tool results, attachments, snapshots.
  const assistant = text.includes('"assistant"');
  if (!assistant && !text.includes(INTERRUPTED)) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    if (text.trim() === '') return null;
    return { problem: { code: 'transcript-line-invalid', message: `a transcript line is not JSON: ${JSON.stringify(text.slice(0, 60))}` } };
  }
  const line = obj(value);
  if (!line) return { problem: { code: 'transcript-line-invalid', message: 'a transcript line is not a JSON object' } };
  const at = str(line.timestamp);
  const sessionId = str(line.sessionId) ?? str(line.session_id);
  const message = obj(line.message);
  if (line.type === 'user') {
    const said = textOf(message?.content);
    return said.startsWith(INTERRUPTED) ? { item: { kind: 'interrupted', at, sessionId } } : null;
  }
  if (line.type !== 'assistant' || !message) return null;
  if (line.isApiErrorMessage === true) {
    const status = typeof line.apiErrorStatus === 'number' ? line.apiErrorStatus : null;
    return { item: { kind: 'api_error', error: str(line.error) ?? 'unknown', status, text: textOf(message.content).slice(0, 500), at, sessionId } };
  }
  const model = str(message.model);
  if (model === '<synthetic>') return null; // written by Claude Code itself, not billed
  const messageId = str(message.id);
  const usage = obj(message.usage);
  if (!messageId || !model || !usage) {
    return {
      problem: {
        code: 'transcript-usage-missing',
        message: `an assistant message${messageId ? ` (${messageId})` : ''} has no ${!model ? 'model' : !usage ? 'usage' : 'id'}; its tokens are not counted`,
      },
    };
  }
  const input = count(usage, 'input_tokens');
  const output = count(usage, 'output_tokens');
  const cacheRead = count(usage, 'cache_read_input_tokens');
  const cacheWrite = count(usage, 'cache_creation_input_tokens');
  const bad = [input, output, cacheRead, cacheWrite].find((n) => typeof n === 'string');
  if (bad !== undefined) return { problem: { code: 'transcript-usage-invalid', message: `message ${messageId}: ${bad}; its tokens are not counted` } };
  return {
    item: {
      kind: 'usage',
      record: {
        messageId,
        model,
        input: input as number,
        output: output as number,
        cacheRead: cacheRead as number,
        cacheWrite: cacheWrite as number,
        at,
        sessionId,
      },
    },
  };
}

/** Where a tail is in its file: saved in the state so a restarted hub reads on from there. */
export interface TranscriptCursor {
  readonly path: string;
  readonly ino: number | null;
  /** Always at a line boundary. */
  readonly offset: number;
}

export interface TranscriptRead {
  readonly items: readonly TranscriptItem[];
  readonly problems: readonly TranscriptProblem[];
}

/** Reads one transcript incrementally. Not re-entrant: the caller runs one `read()` at a time. */
export class TranscriptTail {
  readonly path: string;
  readonly #maxLine: number;
  #offset: number;
  #ino: number | null;
  #partial: Buffer = Buffer.alloc(0);
  #skipping = false;

  constructor(cursor: TranscriptCursor, options: { maxLineBytes?: number } = {}) {
    this.path = cursor.path;
    this.#offset = cursor.offset;
    this.#ino = cursor.ino;
    this.#maxLine = options.maxLineBytes ?? MAX_TRANSCRIPT_LINE;
  }

  /** Where the next read starts, at a line boundary (what a restarted hub resumes from). */
  cursor(): TranscriptCursor {
    return { path: this.path, ino: this.#ino, offset: this.#offset - this.#partial.length };
  }

  /** What was appended since the last read. A missing file yields nothing. */
  async read(): Promise<TranscriptRead> {
    let st;
    try {
      st = await stat(this.path);
    } catch {
      return { items: [], problems: [] };
    }
    const items: TranscriptItem[] = [];
    const problems: TranscriptProblem[] = [];
    if ((this.#ino !== null && st.ino !== this.#ino) || st.size < this.#offset) {
      problems.push({
        code: 'transcript-restarted',
        message: `the transcript ${this.path} was ${st.size < this.#offset ? 'truncated' : 'replaced'}; it is read again from its start (messages already counted are not counted twice)`,
      });
      this.#offset = 0;
      this.#partial = Buffer.alloc(0);
      this.#skipping = false;
    }
    this.#ino = st.ino;
    if (st.size <= this.#offset) return { items, problems };
    const handle = await open(this.path, 'r');
    try {
      while (this.#offset < st.size) {
        const length = Math.min(READ_CHUNK, st.size - this.#offset);
        const chunk = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(chunk, 0, length, this.#offset);
        if (bytesRead === 0) break;
        this.#offset += bytesRead;
        this.#consume(chunk.subarray(0, bytesRead), items, problems);
      }
    } finally {
      await handle.close();
    }
    return { items, problems };
  }

  #consume(chunk: Buffer, items: TranscriptItem[], problems: TranscriptProblem[]): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.#skipping) {
        this.#skipping = false;
        this.#partial = Buffer.alloc(0);
        continue;
      }
      const bytes = this.#partial.length > 0 ? Buffer.concat([this.#partial, piece]) : piece;
      this.#partial = Buffer.alloc(0);
      if (bytes.length > this.#maxLine) {
        problems.push(this.#tooLong());
        continue;
      }
      const result = parseTranscriptLine(bytes.toString('utf8'));
      if (result === null) continue;
      if ('item' in result) items.push(result.item);
      else problems.push(result.problem);
    }
    const rest = chunk.subarray(start);
    if (this.#skipping || rest.length === 0) return;
    if (this.#partial.length + rest.length > this.#maxLine) {
      problems.push(this.#tooLong());
      this.#partial = Buffer.alloc(0);
      this.#skipping = true;
    } else {
      this.#partial = this.#partial.length > 0 ? Buffer.concat([this.#partial, rest]) : Buffer.from(rest);
    }
  }

  #tooLong(): TranscriptProblem {
    return {
      code: 'transcript-line-too-long',
      message: `a transcript line over ${this.#maxLine} bytes was skipped; if it was an assistant message, its tokens are missing from the totals`,
    };
  }
}
