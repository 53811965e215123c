/**
 * The hub's own wiring of the Bash sandbox: createHub (real tmux on its own socket, real Claude
 * Code 2.1.197, only the model faked) launches an agent of session A; its settings file carries
 * exactly buildSandboxSettings for its root, the other session's root and the state dir, and a
 * Bash read of session B, spelled so that no rule can see the path, comes back empty-handed.
 * The person's own settings (the agent HOME) allow Bash, so the command runs without a prompt.
 * Skipped, saying why, only where the sandbox cannot run, and never under CI (there it fails with
 * the reason: test/helpers/ci-gate.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startFakeAnthropic, type FakeAnthropic } from '../../fixtures/fake-anthropic/server.js';
import { untilReady } from '../helpers/until-ready.js';
import { createClaudeEnv, CLAUDE_BIN, type ClaudeEnv } from '../helpers/claude-env.js';
import { waitFor } from '../helpers/wait.js';
import { skipUnlessAvailable } from '../helpers/ci-gate.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import { defaultConfig, type HubConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';
import { exec } from '../../src/exec.js';
import { buildSandboxSettings, sandboxSupport } from '../../src/security/guard.js';
import type { Caller } from '../../src/hub/api.js';

const caller: Caller = { kind: 'mcp', id: 'test' };
const socket = `hub-sbx-hub-${randomBytes(4).toString('hex')}`;
const support = await sandboxSupport(process.platform, { PATH: '/usr/local/bin:/usr/bin:/bin' }, exec);
// Outside CI: skipped with a warning saying why. Under CI: one failing test with the reason.
const skip = skipUnlessAvailable('sandbox-hub.test.ts', "Claude Code's Bash sandbox", support.available, support.reason);

describe.skipIf(skip)('the hub launches agents with Bash fenced', () => {
  let fake: FakeAnthropic;
  let claude: ClaudeEnv;
  let base: string;
  let rootA: string;
  let rootB: string;
  let config: HubConfig;
  let hub: Hub;
  let sessionA: string;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'hub-sbx-hub-')));
    rootA = join(base, 'project-a');
    rootB = join(base, 'project-b');
    await mkdir(rootA);
    await mkdir(rootB);
    await writeFile(join(rootB, 'secret.txt'), 'B-SECRET-2468\n');
    fake = await startFakeAnthropic({
      script: [
        {
          trigger: 'peek at B through bash',
          steps: [
            [{ type: 'tool_use', name: 'Bash', input: { command: `cd '${base}' && cat "$(printf 'project-%s' b)/secret.txt"`, description: 'peek' } }],
            [{ type: 'text', text: 'Tried.' }],
          ],
        },
      ],
    });
    claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [rootA] });
    await writeFile(join(claude.home, '.claude', 'settings.json'), JSON.stringify({ permissions: { allow: ['Bash'] } }));
    // An explicit mode: 2.1.332's default auto mode checks actions on Anthropic's servers, which
    // the fake model cannot answer, and sets broad allow rules aside (docs/compatibility.md).
    config = Object.freeze({
      ...defaultConfig({}),
      stateDir: join(base, 'state dir'),
      claudeCommand: CLAUDE_BIN,
      tmuxSocket: socket,
      backend: 'tmux' as const,
      permissionMode: 'acceptEdits',
    });
    hub = await createHub(config, silentLogger, {
      backend: new TmuxBackend({ socket }),
      agentEnv: claude.env,
      env: { HOME: claude.home, PATH: process.env.PATH ?? '/usr/bin:/bin' },
      home: claude.home,
      livenessMs: 300,
    });
    sessionA = (await hub.createSession(caller, { root_path: rootA, session_name: 'a' })).id;
    await hub.createSession(caller, { root_path: rootB, session_name: 'b' });
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
    await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
    await fake?.close();
    await claude?.cleanup().catch(() => new Promise((r) => setTimeout(r, 1000)).then(() => claude.cleanup()));
    await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it("writes the sandbox into the agent's settings and Bash cannot see session B", async () => {
    await hub.createAgent(caller, { session_id: sessionA, agent_name: 'Agent_1' });
    const settingsFile = join(config.stateDir, 'agents', sessionA, 'Agent_1.settings.json');
    const settings = JSON.parse(await readFile(settingsFile, 'utf8')) as { sandbox?: unknown };
    expect(settings.sandbox).toEqual(buildSandboxSettings({ root: rootA, otherRoots: [rootB], stateDir: config.stateDir }));
    // Idle with its prompt box up, past a start-up menu a release may show.
    await untilReady({
      view: () => hub.index.agentView(sessionA, 'Agent_1'),
      screen: async () => (await hub.readAgentOutput(caller, 'Agent_1', 60)).text,
      answer: (choice) => hub.answerPrompt(caller, 'Agent_1', choice),
    });
    const seen = fake.requests.length;
    expect((await hub.sendMessage(caller, { agent_name: 'Agent_1', message: 'peek at B through bash' })).state).toBe('delivered');
    const result = await waitFor(() => fake.requests.slice(seen).flatMap((r) => r.toolResults)[0], 'the Bash tool result', 45_000);
    expect(result.isError).toBe(true);
    expect(result.content).toContain('project-b/secret.txt: No such file or directory');
    expect(result.content).not.toContain('B-SECRET-2468');
  });
});
