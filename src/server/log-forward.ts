/**
 * Forwards the hub's log records to one MCP client as `notifications/message` (the MCP logging
 * utility). The SDK filters by the level the client set with `logging/setLevel` (per HTTP
 * session, by session id); a client that set none gets every record the hub logs, which is
 * `info` and above unless CLAUDE_HUB_LOG_LEVEL says otherwise. A failed send (closed transport)
 * is dropped without logging about it, so a dead client can never make the log loop. Nothing is
 * sent before the client's `initialize`.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { LoggingLevel, LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import type { LogFeed, LogLevel, LogRecord } from '../log.js';

export const LOGGER_NAME = 'claude-hub';

const MCP_LEVEL: Record<LogLevel, LoggingLevel> = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' };

/** The notification's params for one record: `data` is `{message, data?}`, already redacted. */
export function loggingParams(record: LogRecord): LoggingMessageNotification['params'] {
  return {
    level: MCP_LEVEL[record.level],
    logger: LOGGER_NAME,
    data: { message: record.message, ...(record.data ? { data: record.data } : {}) },
  };
}

/** Subscribes `server` to `feed`; returns the unsubscribe function (call it when the server closes). */
export function forwardLogs(server: McpServer, feed: LogFeed): () => void {
  return feed.subscribe((record) => {
    // Only to a client that has initialized: before that the peer may not be an MCP client yet.
    if (!server.isConnected() || server.server.getClientVersion() === undefined) return;
    server.sendLoggingMessage(loggingParams(record), server.server.transport?.sessionId).catch(() => {
      // The client went away between the check and the send; nothing to tell anyone.
    });
  });
}
