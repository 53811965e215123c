import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from './mcp-harness.js';

/** The MCP Inspector's CLI mode: an external client, not ours, against the built server. */
const INSPECTOR = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/inspector/cli/build/index.js', import.meta.url));
const run = promisify(execFile);
let world: World;

beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.cleanup();
});

async function inspector(args: readonly string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, [INSPECTOR, process.execPath, ...world.serveArgs(), ...args], { env: world.env, timeout: 60_000 });
  return JSON.parse(stdout);
}

describe('MCP Inspector CLI against the built claude-hub', () => {
  it('tools/list shows the eighteen tools', async () => {
    const listed = (await inspector(['--method', 'tools/list'])) as { tools: { name: string }[] };
    expect(listed.tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['create_session', 'get_session_status', 'send_message_to_agent', 'read_agent_output']),
    );
    expect(listed.tools).toHaveLength(18);
  });

  it('tools/call list_sessions answers with structured content', async () => {
    const called = (await inspector(['--method', 'tools/call', '--tool-name', 'list_sessions'])) as {
      structuredContent: { sessions: unknown[] };
      isError?: boolean;
    };
    expect(called.isError ?? false).toBe(false);
    expect(called.structuredContent.sessions).toEqual([]);
  });
});
