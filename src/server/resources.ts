/**
 * The hub's resources: the session list, and per session its status (JSON), TODO.md and task
 * files (markdown). Listable, readable, subscribable. Subscriptions belong to one server
 * instance (one client); changes from the hub's index are coalesced and sent once per tick.
 */
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { HubError } from '../errors.js';
import type { Caller, HubApi, HubChange, TaskFileText } from '../hub/api.js';
import type { Logger } from '../log.js';
import { effectOf, SESSIONS_URI, statusUri, taskUri, todoUri } from './resource-uris.js';
import type { Completers } from './prompts.js';
import { sessionOut, statusOut } from './outputs.js';

const JSON_TYPE = 'application/json';
const MARKDOWN_TYPE = 'text/markdown';

export interface ResourceHandle {
  /** Feed one change from `hub.onChange`. */
  notify(change: HubChange): void;
  close(): void;
}

/** Registers the resources on `server`; the handle takes the hub's changes to this client's subscriptions. */
export function registerResources(server: McpServer, hub: HubApi, caller: Caller, logger: Logger, complete?: Completers): ResourceHandle {
  registerSessionResources(server, hub, caller, complete);
  registerTaskResource(server, hub, caller, complete);
  return serveSubscriptions(server, logger);
}

/** The session list, and each session's status and TODO.md: one template each, listed from the sessions. */
function registerSessionResources(server: McpServer, hub: HubApi, caller: Caller, complete?: Completers): void {
  const sessionIds = complete ? { complete: { session_id: (value: string) => complete.sessionIds(value) } } : {};
  server.registerResource(
    'sessions',
    SESSIONS_URI,
    { title: 'Sessions', description: 'Every session the hub coordinates (session_id, name, root, agents).', mimeType: JSON_TYPE },
    async (uri) => json(uri.href, { sessions: (await readOrFail(() => hub.listSessions(caller))).map(sessionOut) }),
  );

  server.registerResource(
    'session-status',
    new ResourceTemplate('hub://sessions/{session_id}/status', {
      list: async () => ({
        resources: (await hub.listSessions(caller)).map((s) => ({ uri: statusUri(s.id), name: `${s.name} status`, mimeType: JSON_TYPE })),
      }),
      ...sessionIds,
    }),
    { title: 'Session status', description: "A session's live status: agents, tasks, TODO progress, diagnostics.", mimeType: JSON_TYPE },
    async (uri, variables) => json(uri.href, statusOut(await readOrFail(() => hub.getSessionStatus(caller, one(variables['session_id']))))),
  );

  server.registerResource(
    'session-todo',
    new ResourceTemplate('hub://sessions/{session_id}/todo', {
      list: async () => ({
        resources: (await hub.listSessions(caller)).map((s) => ({ uri: todoUri(s.id), name: `${s.name} TODO.md`, mimeType: MARKDOWN_TYPE })),
      }),
      ...sessionIds,
    }),
    { title: 'TODO.md', description: "A session's TODO.md as written in its root.", mimeType: MARKDOWN_TYPE },
    async (uri, variables) => markdown(uri.href, await readOrFail(() => hub.readTodo(one(variables['session_id'])))),
  );
}

/** Every task file, broken ones too (by the id in their name): their raw text is what a person needs to fix them. */
function registerTaskResource(server: McpServer, hub: HubApi, caller: Caller, complete?: Completers): void {
  server.registerResource(
    'task',
    new ResourceTemplate('hub://sessions/{session_id}/tasks/{task_id}', {
      list: async () => ({
        resources: await hub
          .listTasks(caller, {})
          .then(({ tasks, broken }) => [
            ...tasks.map((t) => ({ uri: taskUri(t.session, t.id), name: `${t.id} ${t.title}`, mimeType: MARKDOWN_TYPE })),
            ...broken.flatMap((b) =>
              b.id === null ? [] : [{ uri: taskUri(b.session, b.id), name: `${b.id} (broken: ${b.file} line ${b.line})`, mimeType: MARKDOWN_TYPE }],
            ),
          ]),
      }),
      ...(complete
        ? {
            complete: {
              session_id: (value: string) => complete.sessionIds(value),
              task_id: (value: string, context?: { arguments?: Record<string, string> }) => complete.taskIds(value, context?.arguments?.['session_id']),
            },
          }
        : {}),
    }),
    {
      title: 'Task file',
      description:
        "One task file (front matter, body, log) from a session's .claude-hub/tasks/, as written; " +
        'a file that does not parse comes with a second part naming the problems (file, line).',
      mimeType: MARKDOWN_TYPE,
    },
    async (uri, variables) => taskRead(uri.href, await readOrFail(() => hub.readTask(one(variables['session_id']), one(variables['task_id'])))),
  );
}

/** A task file as written; a broken one gets a second part saying what to fix, in words and as data. */
function taskRead(uri: string, file: TaskFileText): ReadResourceResult {
  const read = markdown(uri, file.text);
  if (file.diagnostics.length === 0) return read;
  const problems = file.diagnostics.map((d) => `${d.file}:${d.line}: ${d.severity} ${d.code}: ${d.message}`).join('\n');
  const advice = `This task file does not parse; the hub lists it but will not edit it. Fix it by hand:\n${problems}\n`;
  return { contents: [...read.contents, { uri, mimeType: 'text/plain', text: advice, _meta: { 'claude-hub/diagnostics': file.diagnostics } }] };
}

/**
 * This client's subscriptions: changes to a subscribed URI are gathered and sent once per tick
 * (a burst of file events becomes one update per resource), and nothing is sent once closed.
 */
function serveSubscriptions(server: McpServer, logger: Logger): ResourceHandle {
  const subscribed = new Set<string>();
  const pending = new Set<string>();
  let listChanged = false;
  let flushTimer: NodeJS.Immediate | null = null;
  let closed = false;

  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    subscribed.add(checkedUri(request.params.uri));
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });

  const flush = (): void => {
    flushTimer = null;
    if (closed || !server.isConnected()) {
      pending.clear();
      listChanged = false;
      return;
    }
    for (const uri of pending) {
      server.server.sendResourceUpdated({ uri }).catch((error: unknown) => logger.debug('resource update not sent', { uri, error: String(error) }));
    }
    pending.clear();
    if (listChanged) server.sendResourceListChanged();
    listChanged = false;
  };

  return {
    notify(change) {
      if (closed) return;
      const effect = effectOf(change);
      for (const uri of effect.updated) if (subscribed.has(uri)) pending.add(uri);
      listChanged ||= effect.listChanged;
      if ((pending.size > 0 || listChanged) && flushTimer === null) flushTimer = setImmediate(flush);
    },
    close() {
      closed = true;
      if (flushTimer !== null) clearImmediate(flushTimer);
      subscribed.clear();
      pending.clear();
    },
  };
}

const URI_SHAPES = [/^hub:\/\/sessions$/, /^hub:\/\/sessions\/[^/]+\/(status|todo)$/, /^hub:\/\/sessions\/[^/]+\/tasks\/[^/]+$/];

function checkedUri(uri: string): string {
  if (!URI_SHAPES.some((shape) => shape.test(uri))) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `Cannot subscribe to ${uri}: the hub's resources are hub://sessions and hub://sessions/{id}/status|todo|tasks/{task_id}.`,
    );
  }
  return uri;
}

function one(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** A HubError from a read becomes a JSON-RPC error that keeps the code and the advice. */
async function readOrFail<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof HubError) throw new McpError(ErrorCode.InvalidParams, `${error.code}: ${error.message}`, error.toJSON());
    throw error;
  }
}

function json(uri: string, value: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: JSON_TYPE, text: JSON.stringify(value, null, 2) }] };
}

function markdown(uri: string, text: string): ReadResourceResult {
  return { contents: [{ uri, mimeType: MARKDOWN_TYPE, text }] };
}
