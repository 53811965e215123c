import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { defaultConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { createTokenAuthenticator, parseTokens } from '../../src/security/tokens.js';
import { ERROR_META_KEY } from '../../src/server/call-tool.js';
import { createServer } from '../../src/server/create-server.js';
import { startHttp, type RunningHttp } from '../../src/server/http.js';
import { FakeHub } from './fake-hub.js';

const ADMIN = 'a'.repeat(40);
const VIEWER = 'v'.repeat(40);
const hub = new FakeHub();
let http: RunningHttp;

beforeAll(async () => {
  const tokens = createTokenAuthenticator(parseTokens(`# test tokens\nada admin ${ADMIN}\nbob viewer ${VIEWER}\n`));
  const config = { ...defaultConfig({ HOME: '/nonexistent-home' }), securityLevel: 'HIGH' as const };
  http = await startHttp({
    host: '127.0.0.1',
    port: 0,
    authenticate: (header) => tokens.authenticate(header),
    logger: silentLogger,
    maxBodyBytes: 64 * 1024,
    createServer: (caller) => createServer({ hub, config, logger: silentLogger, version: '0.0.0-test', caller }),
  });
});
afterAll(async () => {
  await http.close();
});

async function clientWith(token: string): Promise<Client> {
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

describe('Streamable HTTP', () => {
  it('binds loopback and serves /mcp', () => {
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it('answers 401 with WWW-Authenticate without a token or with a wrong one', async () => {
    for (const auth of [undefined, 'Bearer wrong-token-wrong-token-wrong-token', `Basic ${ADMIN}`]) {
      const response = await fetch(http.url, { method: 'POST', headers: { ...headers, ...(auth ? { Authorization: auth } : {}) }, body: initialize });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="claude-hub"/);
      expect((await response.json()) as object).toMatchObject({ error: { message: expect.stringContaining('tokens file') } });
    }
  });

  it('refuses a foreign Host header (DNS rebinding) with 403', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(http.url, { method: 'POST', headers: { ...headers, Host: 'evil.example:80', Authorization: `Bearer ${ADMIN}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(initialize);
    });
    expect(status).toBe(403);
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await fetch(http.url, {
      method: 'POST',
      headers: { ...headers, Authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ padding: 'x'.repeat(70 * 1024) }),
    });
    expect(response.status).toBe(413);
  });

  it('an admin token can act; its token name is the caller the hub sees', async () => {
    const client = await clientWith(ADMIN);
    const result = (await client.callTool({ name: 'create_session', arguments: { root_path: '/srv/app', session_name: 'app' } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(hub.calls.at(-1)).toMatchObject({ method: 'createSession', caller: { kind: 'mcp', id: 'ada' } });
    await client.close();
  });

  it('a viewer token lists every tool of the ceiling but is refused send_message_to_agent with FORBIDDEN; reads work', async () => {
    const client = await clientWith(VIEWER);
    const before = hub.calls.length;
    const refused = (await client.callTool({ name: 'send_message_to_agent', arguments: { agent_name: 'Agent_1', message: 'hi' } })) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(refused._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'FORBIDDEN', data: { role: 'viewer', needed: 'MEDIUM' } });
    expect((refused.content[0] as { text: string }).text).toContain('role "viewer"');
    expect(hub.calls.length).toBe(before);
    const listed = (await client.callTool({ name: 'list_sessions', arguments: {} })) as CallToolResult;
    expect(listed.isError).toBeFalsy();
    expect(hub.calls.at(-1)).toMatchObject({ method: 'listSessions', caller: { id: 'bob' } });
    await client.close();
  });

  it('one MCP server per HTTP session, all sharing the one hub; a session cannot be used with another token', async () => {
    const a = await clientWith(ADMIN);
    const b = await clientWith(ADMIN);
    await a.callTool({ name: 'create_session', arguments: { root_path: '/srv/shared', session_name: 'shared' } });
    const seen = (await b.callTool({ name: 'list_sessions', arguments: {} })) as CallToolResult;
    expect((seen.structuredContent as { sessions: { root: string }[] }).sessions.map((s) => s.root)).toContain('/srv/shared');

    const sessionId = (a.transport as StreamableHTTPClientTransport).sessionId!;
    expect(sessionId).not.toBe((b.transport as StreamableHTTPClientTransport).sessionId);
    const hijack = await fetch(http.url, {
      method: 'POST',
      headers: { ...headers, Authorization: `Bearer ${VIEWER}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(403);
    await a.close();
    await b.close();
  });

  it('a session ended with DELETE is gone: its id answers 404', async () => {
    const client = await clientWith(ADMIN);
    const transport = client.transport as StreamableHTTPClientTransport;
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    const after = await fetch(http.url, {
      method: 'POST',
      headers: { ...headers, Authorization: `Bearer ${ADMIN}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
    expect(((await after.json()) as { error: { message: string } }).error.message).toContain('initialize again');
    await client.close();
  });

  it('refuses to bind beyond loopback without tokens (CONFIG_ERROR)', async () => {
    await expect(
      startHttp({
        host: '0.0.0.0',
        port: 0,
        authenticate: null,
        logger: silentLogger,
        createServer: () => {
          throw new Error('never');
        },
      }),
    ).rejects.toMatchObject({ code: 'CONFIG_ERROR', message: expect.stringContaining('--tokens-file') });
  });
});
