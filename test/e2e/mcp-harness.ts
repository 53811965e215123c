/**
 * The world of the MCP end-to-end tests: a temp git repo as session root, a fake model on
 * 127.0.0.1, an isolated HOME for Claude Code, a private tmux socket, and the BUILT CLI
 * (dist/cli.js) spawned as the server. Nothing of the runner's env is passed on.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeAnthropic, type FakeAnthropic, type FakeRule } from '../../fixtures/fake-anthropic/server.js';
import { createClaudeEnv, CLAUDE_BIN, type ClaudeEnv } from '../helpers/claude-env.js';
import { untilReady } from '../helpers/until-ready.js';
import type { AgentStatus, PendingPrompt } from '../../src/hub/types.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface World {
  readonly root: string;
  readonly stateDir: string;
  readonly socket: string;
  readonly fake: FakeAnthropic;
  readonly claude: ClaudeEnv;
  /** The server's whole environment. */
  readonly env: Record<string, string>;
  /** `node dist/cli.js serve …` arguments. */
  serveArgs(extra?: readonly string[]): string[];
  cleanup(): Promise<void>;
}

export async function createWorld(script: readonly FakeRule[] = [], options: { readonly acceptEdits?: boolean } = {}): Promise<World> {
  const base = await realpath(await mkdtemp(join(tmpdir(), 'hub-mcp-e2e-')));
  const root = join(base, 'project');
  await mkdir(root);
  await writeFile(join(root, 'TODO.md'), '# TODO\n\n## Agent_1: parser\n- [ ] read the grammar\n');
  const git = (...args: string[]): void => {
    execFileSync('git', ['-c', 'user.name=hub-test', '-c', 'user.email=hub-test@example.invalid', ...args], { cwd: root, stdio: 'ignore' });
  };
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'start');
  const fake = await startFakeAnthropic({ script, fallbackText: 'Done.' });
  const claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [root], acceptEdits: options.acceptEdits ?? true });
  const socket = `hub-mcp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const stateDir = join(base, 'state');
  return {
    root,
    stateDir,
    socket,
    fake,
    claude,
    env: { ...claude.env, CLAUDE_HUB_LOG_LEVEL: 'debug' },
    serveArgs: (extra = []) => [CLI, 'serve', '--state-dir', stateDir, '--tmux-socket', socket, '--backend', 'tmux', '--claude-command', CLAUDE_BIN, ...extra],
    async cleanup() {
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      } catch {
        // The server never started one.
      }
      await fake.close();
      await claude.cleanup();
      await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

type ToolCall = (name: string, args: Record<string, unknown>) => Promise<{ isError?: boolean | undefined; structuredContent?: unknown; content?: unknown }>;

/**
 * untilReady (test/helpers/until-ready.ts) through the MCP tools a client has: the agent's
 * status and pendingPrompt from get_session_status, its screen from read_agent_output, the
 * answer through answer_agent_prompt.
 */
export async function untilReadyOverMcp(call: ToolCall, sessionId: string, agent: string): Promise<void> {
  const ok = <T>(result: Awaited<ReturnType<ToolCall>>): T => {
    if (result.isError) throw new Error(`tool error: ${JSON.stringify(result.content)}`);
    return result.structuredContent as T;
  };
  type View = { agent_name: string; status: AgentStatus; pendingPrompt: PendingPrompt | null };
  await untilReady({
    view: async () => {
      const found = ok<{ agents: View[] }>(await call('get_session_status', { session_id: sessionId })).agents.find((a) => a.agent_name === agent);
      return found ?? { status: 'starting', pendingPrompt: null };
    },
    screen: async () => ok<{ text: string }>(await call('read_agent_output', { agent_name: agent, lines: 60 })).text,
    answer: async (choice) => ok(await call('answer_agent_prompt', { agent_name: agent, choice })),
  });
}
