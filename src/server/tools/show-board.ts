import { z } from 'zod';
import { BOARD_APP_URI } from '../../board/mcp-app.js';
import { defineTool, READ_ONLY } from '../tool-definition.js';

/**
 * The live board as an MCP App: hosts with MCP Apps (Claude Desktop) render the `ui://` board
 * inline with this result, and its buttons call the hub's tools through the host (at the
 * caller's level). Other clients get the sessions as text, as list_sessions gives them.
 */
export const showBoard = defineTool({
  name: 'show_board',
  level: 'LOW',
  config: {
    title: 'Show board',
    description: 'Show the person the live board of every session (inline where the client renders MCP Apps).',
    inputSchema: z.strictObject({}),
    outputSchema: z.object({ sessions: z.number(), agents: z.number() }),
    annotations: READ_ONLY,
    _meta: { ui: { resourceUri: BOARD_APP_URI } },
  },
  async handler(hub, caller) {
    const sessions = await hub.listSessions(caller);
    const agents = sessions.reduce((n, s) => n + s.agents.length, 0);
    return {
      structured: { sessions: sessions.length, agents },
      text:
        `Board: ${sessions.length} session(s), ${agents} agent(s). ` + 'A client without MCP Apps can open the web board: claude-hub dashboard prints its URL.',
    };
  },
});
