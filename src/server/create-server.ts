/**
 * createServer(deps) → {server, close}: one McpServer for one client, over any transport.
 * Tools are listed up to the security ceiling; tools/call goes through callTool so that
 * refusals and bad arguments come back as isError results with a HubError code. Many servers
 * (one per HTTP session) may share one hub.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Caller, HubApi } from '../hub/api.js';
import type { HubConfig } from '../config.js';
import type { Logger } from '../log.js';
import { allowedAt, isRole, type Role } from '../security/levels.js';
import { callTool, type AuditHook } from './call-tool.js';
import { registerResources } from './resources.js';
import { TOOLS } from './tools/index.js';

export interface ServerDeps {
  readonly hub: HubApi;
  readonly config: HubConfig;
  readonly logger: Logger;
  readonly version: string;
  /** Who this client is when a request carries no token: `{kind:'mcp', id:'stdio'}` by default. */
  readonly caller?: Caller;
  readonly audit?: AuditHook;
}

export interface HubServer {
  readonly server: McpServer;
  close(): Promise<void>;
}

const INSTRUCTIONS =
  'claude-hub runs a team of Claude Code agents on your codebases. Start with list_sessions or create_session, ' +
  'add agents with create_agent, give work with create_task or send_message_to_agent, and follow it with get_session_status. ' +
  'Everything is also in plain files: TODO.md and .claude-hub/tasks/*.md in each session root.';

export function createServer(deps: ServerDeps): HubServer {
  const { hub, config, logger } = deps;
  const defaultCaller: Caller = deps.caller ?? { kind: 'mcp', id: 'stdio' };
  const server = new McpServer(
    { name: 'claude-hub', title: 'claude-hub', version: deps.version },
    {
      capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, logging: {} },
      instructions: INSTRUCTIONS,
    },
  );

  for (const tool of TOOLS) {
    if (!allowedAt(tool.name, config.securityLevel)) continue;
    // The SDK lists the tool (name, JSON schemas, annotations); calls are answered by callTool below.
    server.registerTool(tool.name, { ...tool.config }, () => {
      throw new Error(`${tool.name} is answered by callTool`);
    });
  }

  const callDeps = { hub, ceiling: config.securityLevel, logger, ...(deps.audit ? { audit: deps.audit } : {}) };
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const auth = extra.authInfo;
    const role = roleOf(auth?.extra?.['role']);
    const caller: Caller = auth ? { kind: 'mcp', id: auth.clientId } : defaultCaller;
    return callTool(callDeps, request.params.name, request.params.arguments, role === undefined ? { caller } : { caller, role });
  });

  const resources = registerResources(server, hub, defaultCaller, logger);
  const unsubscribe = hub.onChange((change) => resources.notify(change));

  let closing: Promise<void> | null = null;
  return {
    server,
    // Idempotent: a transport's onclose and an explicit close may both call it.
    close() {
      closing ??= (async () => {
        unsubscribe();
        resources.close();
        await server.close();
      })();
      return closing;
    },
  };
}

function roleOf(value: unknown): Role | undefined {
  return typeof value === 'string' && isRole(value) ? value : undefined;
}
