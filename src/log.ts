/**
 * Logging goes to stderr (stdout belongs to the MCP protocol on stdio) and, when a log
 * directory is configured, to a file there as well. One logger object is passed around;
 * nothing here is module-level state.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Extra sinks (e.g. a rotating file) that receive every formatted line. */
  readonly sinks?: readonly ((line: string) => void)[];
  readonly stderr?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const sinks = options.sinks ?? [];
  const toStderr = options.stderr ?? true;
  const write = (level: LogLevel, message: string, data?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const line = `${new Date().toISOString()} ${level.padEnd(5)} ${message}${data ? ' ' + JSON.stringify(data) : ''}`;
    if (toStderr) process.stderr.write(line + '\n');
    for (const sink of sinks) sink(line);
  };
  return {
    debug: (m, d) => write('debug', m, d),
    info: (m, d) => write('info', m, d),
    warn: (m, d) => write('warn', m, d),
    error: (m, d) => write('error', m, d),
  };
}

/** A logger that drops everything: for tests and pure helpers. */
export const silentLogger: Logger = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} });
