import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_META_KEY } from '../../src/server/call-tool.js';
import { waitFor } from '../helpers/wait.js';
import { createWorld, type World } from './mcp-harness.js';

const execFileP = promisify(execFile);
const ADMIN = 'admin-token-'.padEnd(44, 'a');
const VIEWER = 'viewer-token-'.padEnd(44, 'v');
let world: World;
let server: ChildProcess;
let stdout = '';
let stderr = '';
let url = '';

beforeAll(async () => {
  world = await createWorld();
  const tokens = join(world.stateDir, '..', 'tokens');
  await writeFile(tokens, `ada admin ${ADMIN}\nbob viewer ${VIEWER}\n`, { mode: 0o600 });
  server = spawn(
    process.execPath,
    world.serveArgs([
      '--transport',
      'http',
      '--port',
      '0',
      '--tokens-file',
      tokens,
      '--max-sessions',
      '1',
      '--http-session-idle',
      '1',
      '--max-http-sessions',
      '2',
    ]),
    { env: world.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  server.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  url = await waitFor(() => /ready: transport=http url=(\S+)/.exec(stderr)?.[1], 'the ready line', 30_000);
});
afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await world?.cleanup();
});

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'e2e-http', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

describe('the built claude-hub over Streamable HTTP with the real hub', () => {
  it('listens on loopback and writes nothing to stdout', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(stdout).toBe('');
  });

  it('401 with WWW-Authenticate without a token', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('admin creates a session; a viewer reads it but is refused send_message_to_agent; --max-sessions holds', async () => {
    const admin = await connect(ADMIN);
    const created = (await admin.callTool({ name: 'create_session', arguments: { root_path: world.root, session_name: 'http' } })) as CallToolResult;
    expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
    const viewer = await connect(VIEWER);
    const listed = (await viewer.callTool({ name: 'list_sessions', arguments: {} })) as CallToolResult;
    expect((listed.structuredContent as { sessions: unknown[] }).sessions).toHaveLength(1);
    const refused = (await viewer.callTool({ name: 'send_message_to_agent', arguments: { agent_name: 'Agent_1', message: 'hi' } })) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(refused._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'FORBIDDEN', data: { role: 'viewer' } });
    await viewer.close();

    // --max-sessions 1 is enforced with a clear error.
    const second = join(world.root, '..', 'second-project');
    await mkdir(second);
    const limited = (await admin.callTool({ name: 'create_session', arguments: { root_path: second, session_name: 'second' } })) as CallToolResult;
    expect(limited._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'LIMIT_REACHED', message: expect.stringContaining('--max-sessions') });
    await admin.close();

    // Every refusal is in the audit log, attributed to the token that was refused, and the chain verifies.
    const entries = await waitFor(async () => {
      const lines = (await readFile(join(world.stateDir, 'audit.jsonl'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, string>);
      return lines.some((e) => e.outcome === 'refused:FORBIDDEN') ? lines : undefined;
    }, 'the refusal in the audit log');
    expect(entries.find((e) => e.outcome === 'refused:FORBIDDEN')).toMatchObject({
      kind: 'tool_call',
      tool: 'send_message_to_agent',
      actor: expect.stringContaining('bob'),
    });
    expect(entries.some((e) => e.tool === 'create_session' && e.outcome === 'error:LIMIT_REACHED')).toBe(true);
    const verify = await execFileP(process.execPath, [world.serveArgs()[0] as string, 'audit', 'verify', '--state-dir', world.stateDir], { env: world.env });
    expect(verify.stdout + verify.stderr).toMatch(/ok|intact|verified/i);
  });

  it('--max-http-sessions 2 refuses a third session with 503; --http-session-idle 1 closes a client gone without DELETE, whose id then gets 404', async () => {
    const logged = (reason: string): number =>
      stderr.split('\n').filter((line) => line.includes('http session closed') && line.includes(`"reason":"${reason}"`)).length;
    const opened = (): number => stderr.split('\n').filter((line) => line.includes('http session opened')).length;
    // Sessions of the test before (closed without DELETE) expire first.
    await waitFor(() => opened() === logged('idle') + logged('client'), 'the earlier sessions to expire');

    const admin = await connect(ADMIN);
    const viewer = await connect(VIEWER);
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 5,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    });
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${ADMIN}` };
    const refused = await fetch(url, { method: 'POST', headers, body: initialize });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ id: 5, error: { message: expect.stringContaining('--max-http-sessions') } });

    const gone = (admin.transport as StreamableHTTPClientTransport).sessionId!;
    const idleBefore = logged('idle');
    await admin.close(); // its GET stream ends; no DELETE
    await waitFor(() => logged('idle') === idleBefore + 1, 'the idle session to be closed', 30_000).catch((error: unknown) => {
      // Say what the hub logged of its HTTP sessions, so a failure shows which step never came.
      const sessionLines = stderr.split('\n').filter((line) => line.includes('http session'));
      throw new Error(`${String(error)}\nthe hub's session log:\n${sessionLines.join('\n')}`);
    });
    const stale = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'mcp-session-id': gone, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/list' }),
    });
    expect(stale.status).toBe(404);
    expect(await stale.json()).toMatchObject({ error: { code: -32001, message: expect.stringContaining('Session not found') } });

    // The viewer kept its GET stream open the whole time: still there. A new admin session fits again.
    const listed = (await viewer.callTool({ name: 'list_sessions', arguments: {} })) as CallToolResult;
    expect(listed.isError).toBeFalsy();
    const again = await connect(ADMIN);
    expect(((await again.callTool({ name: 'list_sessions', arguments: {} })) as CallToolResult).isError).toBeFalsy();
    await (again.transport as StreamableHTTPClientTransport).terminateSession();
    await again.close();
    await viewer.close();
    expect(stdout).toBe('');
  });
});
