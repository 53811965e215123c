/**
 * Logging goes to stderr (stdout belongs to the MCP protocol on stdio), to a file when a log
 * directory is configured, and to subscribers: each MCP server subscribes to forward the
 * records to its client as `notifications/message`. One logger object is passed around;
 * nothing here is module-level state. Records are redacted once (src/log-redact.ts) so that no
 * destination sees a secret.
 */
import { redactData, redactText } from './log-redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** One log line as subscribers see it: redacted, `data` plain JSON. */
export interface LogRecord {
  readonly time: string;
  readonly level: LogLevel;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export type LogListener = (record: LogRecord) => void;

/** Where log records can be followed; `subscribe` returns the unsubscribe function. */
export interface LogFeed {
  subscribe(listener: LogListener): () => void;
  listenerCount(): number;
}

/** What `createLogger` makes: a logger whose records can also be followed. */
export interface FeedLogger extends Logger, LogFeed {}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  /** Records below it are dropped everywhere, subscribers included. */
  readonly level?: LogLevel;
  /** Extra sinks (e.g. a rotating file) that receive every formatted line. */
  readonly sinks?: readonly ((line: string) => void)[];
  readonly stderr?: boolean;
}

function formatLine(record: LogRecord): string {
  return `${record.time} ${record.level.padEnd(5)} ${record.message}${record.data ? ' ' + JSON.stringify(record.data) : ''}`;
}

export function createLogger(options: LoggerOptions = {}): FeedLogger {
  const min = ORDER[options.level ?? 'info'];
  const sinks = options.sinks ?? [];
  const toStderr = options.stderr ?? true;
  const listeners = new Set<LogListener>();
  // A listener that logs (directly or through something it calls) must not loop: records
  // made while listeners run still reach stderr and the sinks, not the listeners.
  let dispatching = false;

  const dispatch = (record: LogRecord): void => {
    if (dispatching || listeners.size === 0) return;
    dispatching = true;
    try {
      for (const listener of [...listeners]) {
        try {
          listener(record);
        } catch {
          // A broken subscriber (a closed client) loses its record; logging goes on.
        }
      }
    } finally {
      dispatching = false;
    }
  };

  const write = (level: LogLevel, message: string, data?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const record: LogRecord = {
      time: new Date().toISOString(),
      level,
      message: redactText(message),
      ...(data ? { data: redactData(data) } : {}),
    };
    const line = formatLine(record);
    if (toStderr) process.stderr.write(line + '\n');
    for (const sink of sinks) sink(line);
    dispatch(record);
  };

  return {
    debug: (m, d) => write('debug', m, d),
    info: (m, d) => write('info', m, d),
    warn: (m, d) => write('warn', m, d),
    error: (m, d) => write('error', m, d),
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    listenerCount: () => listeners.size,
  };
}

/** A logger that drops everything: for tests and pure helpers. */
export const silentLogger: Logger = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} });
