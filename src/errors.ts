/**
 * The one error family of claude-hub. Every failure a user can see is a HubError with a
 * stable string code (safe to match on in scripts and tests) and a message that says what
 * to do. Tools turn them into `isError` results; the CLI prints `code: message`.
 */

export const ErrorCodes = {
  // Input that failed validation at the edge (tool arguments, CLI flags, HTTP bodies).
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  INVALID_NAME: 'INVALID_NAME',
  INVALID_PATH: 'INVALID_PATH',
  TOO_LARGE: 'TOO_LARGE',
  // Things that do not exist or already exist.
  SESSION_NOT_FOUND: 'SESSION_NOT_FOUND',
  AGENT_NOT_FOUND: 'AGENT_NOT_FOUND',
  TASK_NOT_FOUND: 'TASK_NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  ROOT_OVERLAP: 'ROOT_OVERLAP',
  LIMIT_REACHED: 'LIMIT_REACHED',
  // Files of the protocol.
  PARSE_ERROR: 'PARSE_ERROR',
  NOT_EDITABLE: 'NOT_EDITABLE',
  EDIT_CONFLICT: 'EDIT_CONFLICT',
  OUTSIDE_ROOT: 'OUTSIDE_ROOT',
  BINARY_FILE: 'BINARY_FILE',
  IO_ERROR: 'IO_ERROR',
  // Agents, terminals and delivery.
  AGENT_BUSY: 'AGENT_BUSY',
  AGENT_EXITED: 'AGENT_EXITED',
  AGENT_WAITING: 'AGENT_WAITING',
  NO_PROMPT: 'NO_PROMPT',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  TERMINAL_ERROR: 'TERMINAL_ERROR',
  AUTOMATION_DENIED: 'AUTOMATION_DENIED',
  DELIVERY_FAILED: 'DELIVERY_FAILED',
  EXEC_FAILED: 'EXEC_FAILED',
  TIMEOUT: 'TIMEOUT',
  // State, audit, security.
  STATE_CORRUPT: 'STATE_CORRUPT',
  STATE_KEY: 'STATE_KEY',
  AUDIT_BROKEN: 'AUDIT_BROKEN',
  GIT_ERROR: 'GIT_ERROR',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  CONFIG_ERROR: 'CONFIG_ERROR',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface HubErrorOptions {
  /** Machine-readable details (ids, paths, limits) that help a caller act. */
  readonly data?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class HubError extends Error {
  override readonly name = 'HubError';
  readonly code: ErrorCode;
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: HubErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data;
  }

  toJSON(): { code: ErrorCode; message: string; data?: Readonly<Record<string, unknown>> } {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

export function isHubError(value: unknown): value is HubError {
  return value instanceof HubError;
}

/** Wraps anything thrown into a HubError, keeping HubErrors as they are. */
export function toHubError(value: unknown, fallback: ErrorCode = ErrorCodes.INTERNAL): HubError {
  if (value instanceof HubError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new HubError(fallback, message, { cause: value });
}
