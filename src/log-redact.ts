/**
 * Makes a log record safe to write anywhere (stderr, the log file, MCP clients): structured data
 * becomes plain JSON (no cycles, no BigInt, Errors as their message), and what looks like a
 * secret is replaced by `[redacted]` — values under secret-sounding keys, `NAME=value`
 * assignments whose name says KEY/TOKEN/SECRET/PASSWORD (an agent's launch command carries its
 * env that way, and exec errors quote the command), bearer credentials and Anthropic API keys.
 * Pure: no I/O.
 */
export const REDACTED = '[redacted]';

const SECRET_KEY = /token|secret|passw(or)?d|api[-_]?key|authorization|cookie|credential|private[-_]?key/i;
const SECRET_ASSIGNMENT = /\b([A-Za-z_][A-Za-z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)[A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S+)/gi;
// Case-sensitive and long, so that prose ("basic checks") is left alone.
const BEARER = /\b(Bearer|Basic) +[A-Za-z0-9._~+/=-]{16,}/g;
const ANTHROPIC_KEY = /\bsk-ant-[A-Za-z0-9_-]{8,}/g;
const MAX_DEPTH = 8;

/** Replaces secret-looking substrings of free text. */
export function redactText(text: string): string {
  return text
    .replace(SECRET_ASSIGNMENT, (_, name: string) => `${name}=${REDACTED}`)
    .replace(BEARER, (_, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(ANTHROPIC_KEY, REDACTED);
}

/** A JSON-safe, redacted copy of a record's structured data. */
export function redactData(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return redactObject(data, new WeakSet(), 0);
}

function redactObject(data: object, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  seen.add(data);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    out[key] = SECRET_KEY.test(key) && value !== null && value !== undefined ? REDACTED : redactValue(value, seen, depth + 1);
  }
  seen.delete(data);
  return out;
}

function redactValue(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return redactText(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) return '[circular]';
  if (depth > MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return redactText(value.message);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (Array.isArray(value)) {
    seen.add(object);
    const items = value.map((item: unknown) => redactValue(item, seen, depth + 1) ?? null);
    seen.delete(object);
    return items;
  }
  return redactObject(object, seen, depth);
}
