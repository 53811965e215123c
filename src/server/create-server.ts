/**
 * createServer(deps) → {server, close}: one McpServer for one client, over any transport.
 * Tools are listed up to the security ceiling; tools/call goes through callTool so that
 * refusals and bad arguments come back as isError results with a HubError code. Many servers
 * (one per HTTP session) may share one hub. With a log feed, the hub's log records reach the
 * client as `notifications/message` until the server closes. A client that supports MCP tasks
 * may run wait_for_team as a task (tasks.ts); others keep the plain call.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type ProgressToken,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ToolContext } from './tool-definition.js';
import type { Caller, HubApi } from '../hub/api.js';
import type { HubConfig, SecurityLevel } from '../config.js';
import { ErrorCodes } from '../errors.js';
import type { LogFeed, Logger } from '../log.js';
import { isRole, type Role } from '../security/levels.js';
import { allowedAt } from './tool-levels.js';
import { callTool, ERROR_META_KEY, type AuditHook } from './call-tool.js';
import { forwardLogs } from './log-forward.js';
import { registerResources } from './resources.js';
import { registerBoardApp } from '../board/mcp-app.js';
import { completers, registerPrompts } from './prompts.js';
import { TOOLS } from './tools/index.js';
import { listedTools } from './tool-list.js';
import { findTool } from './tools/index.js';
import { HubTaskStore, startTask } from './tasks.js';

export interface ServerDeps {
  readonly hub: HubApi;
  readonly config: HubConfig;
  readonly logger: Logger;
  readonly version: string;
  /** Who this client is when a request carries no token: `{kind:'mcp', id:'stdio'}` by default. */
  readonly caller?: Caller;
  readonly audit?: AuditHook;
  /** The hub's log records, forwarded to this client (MCP logging); none without it. */
  readonly logFeed?: LogFeed;
}

export interface HubServer {
  readonly server: McpServer;
  close(): Promise<void>;
}

/**
 * What the model is told about the hub: only tools it can see at this level (a tool above the
 * ceiling is not listed, so it must not be suggested either), and what to start the server
 * with for the rest.
 */
export function serverInstructions(level: SecurityLevel): string {
  const can = (tool: string): boolean => allowedAt(tool, level);
  const start = can('create_session') ? 'Start with list_sessions or create_session' : 'Start with list_sessions';
  const steps = [
    start,
    ...(can('create_agent') ? ['add agents with create_agent'] : []),
    ...(can('create_task') ? ['give work with create_task or send_message_to_agent'] : []),
    'and follow it with wait_for_team (it answers when the agents are idle, need you or a task is done, instead of polling get_session_status; list_tasks and read_agent_output for details)',
  ];
  const ceiling =
    level === 'LOW'
      ? ' This server runs at security level LOW: it only reads. Acting (sessions, tasks, messages, dialogs) needs a server started with --security-level MEDIUM, creating and deleting agents HIGH.'
      : level === 'MEDIUM'
        ? ' This server runs at security level MEDIUM: it works with the agents that exist; creating and deleting agents and deleting sessions need a server started with --security-level HIGH.'
        : '';
  return (
    `claude-hub runs a team of Claude Code agents on your codebases. ${steps.join(', ')}.${ceiling} ` +
    'Everything is also in plain files: TODO.md and .claude-hub/tasks/*.md in each session root.'
  );
}

export function createServer(deps: ServerDeps): HubServer {
  const { hub, config, logger } = deps;
  const defaultCaller: Caller = deps.caller ?? { kind: 'mcp', id: 'stdio' };
  const taskStore = new HubTaskStore();
  const server = new McpServer(
    { name: 'claude-hub', title: 'claude-hub', version: deps.version },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        logging: {},
        // Task-augmented tools/call for the tools that say execution.taskSupport (wait_for_team).
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      },
      instructions: serverInstructions(config.securityLevel),
      taskStore,
    },
  );

  for (const tool of TOOLS) {
    if (!allowedAt(tool.name, config.securityLevel)) continue;
    // The SDK lists the tool (name, JSON schemas, annotations); calls are answered by callTool below.
    server.registerTool(tool.name, { ...tool.config }, () => {
      throw new Error(`${tool.name} is answered by callTool`);
    });
  }

  // tools/list is ours: the same tools and schemas, without what only costs a model context (tool-list.ts).
  const tools = listedTools(config.securityLevel);
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));

  const callDeps = { hub, ceiling: config.securityLevel, logger, ...(deps.audit ? { audit: deps.audit } : {}) };
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const auth = extra.authInfo;
    const role = roleOf(auth?.extra?.['role']);
    const caller: Caller = auth ? { kind: 'mcp', id: auth.clientId } : defaultCaller;
    const sent = (progress: { progress: number; total: number }) => logger.debug('progress sent', { tool: request.params.name.slice(0, 100), ...progress });
    const context = toolContext(request.params._meta?.progressToken, extra, sent);
    const base = { caller, ...(role === undefined ? {} : { role }) };
    if (request.params.task !== undefined) {
      // The spec: a task for a tool that does not say taskSupport is refused as Method not found.
      if (findTool(request.params.name)?.task === undefined || extra.taskStore === undefined) {
        throw new McpError(
          ErrorCode.MethodNotFound,
          `${request.params.name.slice(0, 100)} does not run as a task (only tools with execution.taskSupport do); call it without task.`,
        );
      }
      return startTask({
        store: taskStore,
        requestStore: extra.taskStore,
        ttl: request.params.task.ttl,
        logger,
        tool: request.params.name,
        run: async (signal) => {
          const result = await callTool(callDeps, request.params.name, request.params.arguments, { ...base, tool: { ...context, signal, task: true } });
          if (result.isError) logFailedCall(logger, request.params.name, caller, result);
          return result;
        },
      });
    }
    const result = await callTool(callDeps, request.params.name, request.params.arguments, { ...base, tool: context });
    if (result.isError) logFailedCall(logger, request.params.name, caller, result);
    return result;
  });

  const complete = completers(hub, defaultCaller);
  registerPrompts(server, config.securityLevel, complete);
  const resources = registerResources(server, hub, defaultCaller, logger, complete);
  // The board as an MCP App (show_board links it): hosts without MCP Apps never read it.
  registerBoardApp(server);
  const unsubscribe = hub.onChange((change) => resources.notify(change));
  const stopLogs = deps.logFeed ? forwardLogs(server, deps.logFeed) : () => undefined;

  let closing: Promise<void> | null = null;
  return {
    server,
    // Idempotent: a transport's onclose and an explicit close may both call it.
    close() {
      closing ??= (async () => {
        unsubscribe();
        stopLogs();
        resources.close();
        taskStore.close();
        await server.close();
      })();
      return closing;
    },
  };
}

/**
 * A refused call (above the ceiling or the token's role) is worth an operator's attention;
 * other failures are the client's everyday mistakes. Never the arguments: they may carry
 * message text. The tool name is the client's, so it goes in data (escaped) and is capped.
 */
function logFailedCall(logger: Logger, tool: string, caller: Caller, result: CallToolResult): void {
  const code = (result._meta?.[ERROR_META_KEY] as { code?: unknown } | undefined)?.code;
  const data = { tool: tool.slice(0, 100), code: typeof code === 'string' ? code : 'UNKNOWN', caller: caller.id };
  if (data.code === ErrorCodes.FORBIDDEN) logger.warn('tool call refused', data);
  else logger.debug('tool call failed', data);
}

/**
 * The call's cancellation and, when the client asked for it (a progressToken), its progress
 * notifications. A notification that cannot be sent (the client went away) is dropped: the
 * cancellation ends the wait.
 */
function toolContext(
  token: ProgressToken | undefined,
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  sent: (progress: { progress: number; total: number }) => void,
): ToolContext {
  if (token === undefined) return { signal: extra.signal };
  return {
    signal: extra.signal,
    progress: (progress, total, message) => {
      sent({ progress, total });
      void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total, message } }).catch(() => undefined);
    },
  };
}

function roleOf(value: unknown): Role | undefined {
  return typeof value === 'string' && isRole(value) ? value : undefined;
}
