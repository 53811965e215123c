/**
 * The board as an MCP App (the MCP Apps extension, @modelcontextprotocol/ext-apps): one
 * self-contained HTML resource at `ui://claude-hub/board.html` (`text/html;profile=mcp-app`),
 * linked from show_board's `_meta.ui.resourceUri`. A host renders it in a sandboxed frame; the
 * page draws with the same render.js as the web board, reads each session's full status
 * (the `hub://sessions/{id}/status` resource) and acts by calling the hub's tools, all through
 * the host (ext-apps' App over postMessage), so the host's connection, and its level, apply.
 * The App class is ext-apps' own browser build, inlined: nothing is fetched from elsewhere.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { pageFile } from './assets.js';

export const BOARD_APP_URI = 'ui://claude-hub/board.html';
/** ext-apps' RESOURCE_MIME_TYPE. */
export const MCP_APP_MIME = 'text/html;profile=mcp-app';

let html: string | null = null;

/**
 * ext-apps' browser build (`app-with-deps`) is an ES module that ends in one `export{…}`
 * list; inline, nothing can import it, so that list becomes a global the view script reads.
 */
export function appLibrary(): string {
  const require = createRequire(import.meta.url);
  const source = readFileSync(require.resolve('@modelcontextprotocol/ext-apps/app-with-deps'), 'utf8');
  const match = /export\s*\{([^}]*)\};?\s*$/.exec(source);
  if (!match) throw new Error('@modelcontextprotocol/ext-apps app-with-deps no longer ends in an export list; update src/board/mcp-app.ts');
  const names = match[1]!
    .split(',')
    .map((entry) => entry.trim().split(/\s+as\s+/))
    .filter((parts) => parts[0] !== '')
    .map(([local, exported]) => `${JSON.stringify(exported ?? local)}:${local}`);
  return `${source.slice(0, match.index)}\nglobalThis.ClaudeHubApps={${names.join(',')}};\n`;
}

/** A script's text, safe inside <script>…</script> (no `</script` can end it early). */
function inline(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1');
}

/** The App's whole HTML (built once). */
export function boardAppHtml(): string {
  html ??= [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>claude-hub board</title>',
    `<style>${pageFile('board.css').toString('utf8').replace(/<\//g, '<\\/')}</style>`,
    '</head><body class="app">',
    '<header class="top"><h1>claude-hub</h1><span id="connection" class="connection" role="status" aria-live="polite">connecting…</span><span id="who" class="who"></span></header>',
    '<div id="message" class="message" role="alert" aria-live="assertive" hidden></div>',
    '<main id="board" class="board" tabindex="-1" aria-busy="true"><p class="empty">Loading the board…</p></main>',
    `<script>${inline(pageFile('render.js').toString('utf8'))}</script>`,
    `<script type="module">${inline(appLibrary())}</script>`,
    `<script type="module">${inline(pageFile('app.js').toString('utf8'))}</script>`,
    '</body></html>',
  ].join('\n');
  return html;
}

/** Registers the App's resource on a server (every server lists it: it reads nothing by itself). */
export function registerBoardApp(server: McpServer): void {
  server.registerResource(
    'board',
    BOARD_APP_URI,
    { title: 'Live board', description: 'The live board as an MCP App (show_board links it).', mimeType: MCP_APP_MIME },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: MCP_APP_MIME, text: boardAppHtml(), _meta: { ui: { prefersBorder: true } } }],
    }),
  );
}
