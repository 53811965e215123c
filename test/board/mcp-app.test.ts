/// <reference lib="dom" />
/**
 * The board as an MCP App, rendered the way a host renders it: a host page in real Chromium
 * runs ext-apps' own AppBridge (its browser build, bundled here with rolldown, which vitest
 * brings) and puts the `ui://` resource in a sandboxed frame; the bridge passes the App's tool
 * calls and resource reads to a real MCP client of the real server (createServer over the real
 * hub on the in-memory terminal). The App draws the session and a click on its page changes a
 * task through update_task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rolldown } from 'rolldown';
import { skipUnlessAvailable } from '../helpers/ci-gate.js';
import { browserMissing, launchBrowser, type Browser } from '../helpers/browser.js';
import { connectRealHub, type ConnectedRealHub } from '../server/connect.js';
import { BOARD_APP_URI, MCP_APP_MIME } from '../../src/board/mcp-app.js';

const missing = browserMissing();
const skip = skipUnlessAvailable('test/board/mcp-app.test.ts', 'Chromium', missing === null, missing ?? '');

/** The host page: the bridge between the App's frame and the test's MCP client (window.hub*). */
const HOST_SCRIPT = `
(async () => {
  const { AppBridge, PostMessageTransport } = window.ExtAppsBridge;
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-scripts allow-forms');
  frame.style.width = '1200px';
  frame.style.height = '900px';
  document.body.append(frame);
  const bridge = new AppBridge(null, { name: 'test-host', version: '1.0.0' }, { serverTools: {}, serverResources: {} });
  bridge.oncalltool = (params) => window.hubCallTool(params);
  bridge.onreadresource = (params) => window.hubReadResource(params);
  bridge.oninitialized = async () => {
    const result = await window.hubCallTool({ name: 'show_board', arguments: {} });
    await bridge.sendToolInput({ arguments: {} });
    await bridge.sendToolResult(result);
    window.appInitialized = true;
  };
  await bridge.connect(new PostMessageTransport(frame.contentWindow, frame.contentWindow));
  const resource = await window.hubReadResource({ uri: window.APP_URI });
  frame.srcdoc = resource.contents[0].text;
})();
`;

let c: ConnectedRealHub;
let browser: Browser;
let server: Server;
let hostUrl: string;
const calls: string[] = [];

describe.skipIf(skip)('the board as an MCP App through the ext-apps host bridge', () => {
  beforeAll(async () => {
    c = await connectRealHub();
    const root = join(c.dir, 'shop');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(root);
    await writeFile(join(root, 'TODO.md'), '# Plan\n\n## Agent_1\n\n- [ ] Agent_1 writes the parser\n');
    const session = await c.client.callTool({ name: 'create_session', arguments: { root_path: root, session_name: 'shop' } });
    const sessionId = (session.structuredContent as { session: { session_id: string } }).session.session_id;
    for (const [name, args] of [
      ['create_agent', { session_id: sessionId, agent_name: 'Agent_1' }],
      ['create_task', { session_id: sessionId, title: 'Write the parser', assignee: 'Agent_1' }],
    ] as const) {
      const result = await c.client.callTool({ name, arguments: args });
      if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
    }

    const require = createRequire(import.meta.url);
    const bundle = await rolldown({ input: require.resolve('@modelcontextprotocol/ext-apps/app-bridge'), platform: 'browser', logLevel: 'silent' });
    const { output } = await bundle.generate({ format: 'iife', name: 'ExtAppsBridge' });
    const bridgeJs = output[0].code;
    await bundle.close();
    server = createServer((req, res) => {
      if (req.url === '/bridge.js' || req.url === '/host.js') {
        res.setHeader('Content-Type', 'text/javascript');
        res.end(req.url === '/bridge.js' ? bridgeJs : `window.APP_URI = ${JSON.stringify(BOARD_APP_URI)};\n${HOST_SCRIPT}`);
        return;
      }
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><html><body><script src="/bridge.js"></script><script src="/host.js"></script></body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await c?.close();
  });

  it('show_board links the ui:// resource, served as an MCP App', async () => {
    const tools = await c.client.listTools();
    const tool = tools.tools.find((t) => t.name === 'show_board');
    expect(tool?._meta).toEqual({ ui: { resourceUri: BOARD_APP_URI } });
    const read = await c.client.readResource({ uri: BOARD_APP_URI });
    const content = read.contents[0] as { mimeType?: string; text?: string };
    expect(content.mimeType).toBe(MCP_APP_MIME);
    expect(content.text).toContain('globalThis.ClaudeHubApps');
    // Nothing loaded from elsewhere: no script or stylesheet by URL.
    expect(/<script[^>]+src=|<link[^>]+href=/i.test(content.text ?? '')).toBe(false);
  });

  it('renders in the host frame and acts through the host: a status change calls update_task', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.exposeFunction('hubCallTool', async (params: { name: string; arguments?: Record<string, unknown> }) => {
      calls.push(params.name);
      return c.client.callTool({ name: params.name, arguments: params.arguments ?? {} });
    });
    await page.exposeFunction('hubReadResource', async (params: { uri: string }) => c.client.readResource({ uri: params.uri }));
    await page.goto(hostUrl);
    const app = page.frameLocator('iframe');
    const card = app.locator('[data-agent="Agent_1"]');
    await card.waitFor({ timeout: 20_000 }).catch(async (error: unknown) => {
      const shown = await app
        .locator('body')
        .textContent({ timeout: 1000 })
        .catch(() => '(no frame body)');
      throw new Error(
        `the App drew no agent: ${String(error).slice(0, 100)}; frame: ${shown?.replace(/\s+/g, ' ').slice(0, 800)}; page errors: ${errors.join(' | ').slice(0, 2000)}; calls: ${calls.join(',')}`,
      );
    });
    expect(await card.locator('.badge').getAttribute('data-status')).toBe(c.hub.index.sessionStatus(c.hub.index.sessions()[0]!.id).agents[0]!.status);
    expect(await page.evaluate(() => (window as unknown as { appInitialized?: boolean }).appInitialized)).toBe(true);

    const sessionId = c.hub.index.sessions()[0]!.id;
    const task = c.hub.index.tasks(sessionId)[0]!;
    await app.locator(`[data-task="${task.id}"] select`).selectOption('in_progress');
    await app.locator(`[data-column="in_progress"] [data-task="${task.id}"]`).waitFor({ timeout: 20_000 });
    expect(c.hub.index.task(sessionId, task.id)?.summary.status).toBe('in_progress');
    expect(calls).toContain('update_task');
    expect(calls).toContain('list_sessions');
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(process.cwd(), 'test-artifacts', 'board-mcp-app.png') }).catch(() => undefined);
    await page.close();
  });
});
