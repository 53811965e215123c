/**
 * MCP logging end to end: the BUILT claude-hub over stdio with the real hub, driven by the SDK
 * Client. The client sets a level with logging/setLevel and receives the hub's log records as
 * notifications/message; below its level nothing arrives; stderr still gets every line; no
 * message text or API key is ever in a record.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema, type CallToolResult, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_META_KEY } from '../../src/server/call-tool.js';
import { waitFor } from '../helpers/wait.js';
import { createWorld, type World } from './mcp-harness.js';

type Params = LoggingMessageNotification['params'];

let world: World;
let client: Client;
let stderr = '';
const received: Params[] = [];

beforeAll(async () => {
  world = await createWorld();
  // MEDIUM: sessions can be created, agents cannot — create_agent is the refused call that warns.
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: world.serveArgs(['--security-level', 'MEDIUM']),
    env: world.env,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  client = new Client({ name: 'e2e-logging', version: '1.0.0' });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    received.push(notification.params);
  });
  await client.connect(transport);
});
afterAll(async () => {
  await client?.close();
  await world?.cleanup();
});

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}
function errorCode(result: CallToolResult): string | undefined {
  return (result._meta?.[ERROR_META_KEY] as { code?: string } | undefined)?.code;
}
function message(params: Params): string {
  return (params.data as { message: string }).message;
}

describe('the built claude-hub forwards its log to the MCP client', () => {
  it('declares the logging capability', () => {
    expect(client.getServerCapabilities()?.logging).toEqual({});
  });

  it('at warning: the refused call arrives as a warning; the debug and info records before it do not', async () => {
    await client.setLoggingLevel('warning');
    received.length = 0;
    expect(errorCode(await call('get_session_status', { session_id: 'no-such-session' }))).toBe('SESSION_NOT_FOUND');
    const created = await call('create_session', { root_path: world.root, session_name: 'logs' });
    expect(created.isError).toBeFalsy();
    expect(errorCode(await call('create_agent', { session_id: (created.structuredContent as { session: { session_id: string } }).session.session_id }))).toBe(
      'FORBIDDEN',
    );

    // stdio keeps order: once the warning is here, anything logged before it would be too.
    await waitFor(() => received.some((params) => message(params) === 'tool call refused'), 'the refused-call warning');
    expect(received).toEqual([
      { level: 'warning', logger: 'claude-hub', data: { message: 'tool call refused', data: { tool: 'create_agent', code: 'FORBIDDEN', caller: 'stdio' } } },
    ]);
    // stderr is unchanged: it has every line, the ones the client filtered out included.
    await waitFor(() => stderr.includes('tool call refused'), 'the warning on stderr');
    expect(stderr).toMatch(/debug tool call failed \{"tool":"get_session_status","code":"SESSION_NOT_FOUND"/);
    expect(stderr).toContain('git audit ready');
  });

  it('at debug: failed calls and session set-up arrive with their levels; no message text or API key in any record', async () => {
    await client.setLoggingLevel('debug');
    received.length = 0;
    const marker = 'PRIVATE-MESSAGE-TEXT-4242';
    expect(errorCode(await call('send_message_to_agent', { agent_name: 'nobody', message: marker }))).toBe('AGENT_NOT_FOUND');
    const second = join(world.root, '..', 'second');
    await mkdir(second);
    expect((await call('create_session', { root_path: second, session_name: 'second' })).isError).toBeFalsy();

    await waitFor(
      () => received.some((params) => params.level === 'info' && JSON.stringify(params.data).includes(second)),
      'an info record about the second session',
    );
    expect(received).toContainEqual({
      level: 'debug',
      logger: 'claude-hub',
      data: { message: 'tool call failed', data: { tool: 'send_message_to_agent', code: 'AGENT_NOT_FOUND', caller: 'stdio' } },
    });
    const everything = JSON.stringify(received);
    expect(everything).not.toContain(marker);
    const apiKey = world.env['ANTHROPIC_API_KEY'];
    expect(apiKey).toBeTruthy();
    expect(everything).not.toContain(apiKey);
    expect(stderr).not.toContain(marker);
  });
});
