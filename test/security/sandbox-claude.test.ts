/**
 * Bash fenced by Claude Code's own sandbox, in a real Claude Code 2.1.197 (only the model is
 * fake: fixtures/fake-anthropic). Agent_1 of session A gets what the hub gives an agent
 * (buildAgentSettings with the guard hook, the deny rules for session B and
 * buildSandboxSettings), plus `permissions.allow: ["Bash"]` so commands run without a prompt
 * and reach the sandbox. Its model runs, through Bash:
 * - `cat <B>/secret.txt`: refused before it runs (Claude Code applies the Read deny rules to
 *   paths it can see in a command);
 * - the same read with the path built at run time (`$(printf …)`), which no rule or hook can
 *   see: inside the sandbox B is an empty directory;
 * - writes into B and next to the roots: nothing reaches the disk;
 * - `cat` of a file in the hub's state dir: not there;
 * - `dangerouslyDisableSandbox: true`: ignored, the command runs fenced;
 * - a write into its own root: the file appears;
 * - and the known limit: a session created after launch stays readable from Bash, even with the
 *   settings file rewritten, until the agent relaunches (Claude Code reads it at start only).
 * Agent_2, the control, has the same settings without `sandbox`: the run-time-built read gets
 * the secret, so it is the sandbox that stops Agent_1. Agent_3 has the sandbox settings but no
 * bubblewrap on its PATH: Claude Code refuses to start instead of running Bash bare.
 * Skipped, saying why, only where the sandbox cannot run (no bubblewrap/socat, or no user
 * namespaces), and never under CI: there it fails with the reason (test/helpers/ci-gate.ts);
 * .ci/run installs both and enables user namespaces where it can.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { startFakeAnthropic, type FakeAnthropic, type FakeRule, type RecordedRequest } from '../../fixtures/fake-anthropic/server.js';
import { CLAUDE_BIN, createClaudeEnv, type ClaudeEnv } from '../helpers/claude-env.js';
import { waitFor } from '../helpers/wait.js';
import { skipUnlessAvailable } from '../helpers/ci-gate.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';
import type { TerminalHandle } from '../../src/terminal/backend.js';
import { buildAgentSettings } from '../../src/agent/settings.js';
import { buildDenyRules, buildGuardHook, buildSandboxSettings, sandboxSupport, writeRootsFile } from '../../src/security/guard.js';
import { exec } from '../../src/exec.js';
import { runTurn } from '../helpers/claude-turn.js';

/**
 * An explicit mode: 2.1.332 defaults to auto mode, whose safety check runs on Anthropic's
 * servers (the fake model cannot answer it: the agent stops at "Auto mode can't check actions
 * in this session") and which sets broad allow rules such as Bash(*) aside. acceptEdits is
 * listed by both pinned releases and keeps the rules these tests rely on in force.
 */
const EXPLICIT_MODE = ['--permission-mode', 'acceptEdits'] as const;

const socket = `hub-sandbox-${randomBytes(4).toString('hex')}`;
const backend = new TmuxBackend({ socket });
// The PATH the agents get (test/helpers/claude-env.ts): what Claude Code will look bwrap up in.
const support = await sandboxSupport(process.platform, { PATH: '/usr/local/bin:/usr/bin:/bin' }, exec);
// Outside CI: skipped with a warning saying why. Under CI: one failing test with the reason.
const skip = skipUnlessAvailable('sandbox-claude.test.ts', "Claude Code's Bash sandbox", support.available, support.reason);

type ToolResult = RecordedRequest['toolResults'][number];

describe.skipIf(skip)("Bash inside Claude Code's sandbox, in a real agent", () => {
  let base: string;
  let a: string;
  let b: string;
  let state: string;
  let fake: FakeAnthropic;
  let claude: ClaudeEnv;
  let agents: Record<string, { pane: TerminalHandle; eventsFile: string }>;
  const results: { agent: string; result: ToolResult }[] = [];
  let settingsFor: (name: string, sandbox: boolean) => Record<string, unknown>;

  async function launch(name: string, settings: Record<string, unknown>): Promise<{ pane: TerminalHandle; eventsFile: string }> {
    const settingsFile = join(state, 'agents', `${name}.settings.json`);
    await mkdir(join(state, 'agents'), { recursive: true });
    await writeFile(settingsFile, JSON.stringify(settings, null, 2));
    const pane = await backend.open({
      session: 'sandbox',
      name,
      cwd: a,
      argv: [CLAUDE_BIN, '--session-id', randomUUID(), '--settings', settingsFile, ...EXPLICIT_MODE],
      env: claude.env,
    });
    const eventsFile = join(state, 'events', 'a', `${name}.jsonl`);
    await waitFor(async () => (await readFile(eventsFile, 'utf8').catch(() => '')).includes('"SessionStart"'), `SessionStart of ${name}`, 60_000);
    return { pane, eventsFile };
  }

  const bash = (trigger: string, input: Record<string, unknown>): FakeRule => ({
    trigger,
    steps: [[{ type: 'tool_use', name: 'Bash', input: { description: trigger, ...input } }], [{ type: 'text', text: 'done' }]],
  });

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'hub-sandbox-claude-')));
    a = join(base, 'session a');
    b = join(base, 'session-b');
    state = join(base, 'state');
    await mkdir(a, { recursive: true });
    await mkdir(b, { recursive: true });
    await writeFile(join(b, 'secret.txt'), 'B-SECRET-0815\n');
    await mkdir(state, { recursive: true });
    await writeFile(join(state, 'key.txt'), 'STATE-KEY-4242\n');
    const rootsFile = join(state, 'roots.txt');
    await writeRootsFile(rootsFile, [a, b]);
    const q = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;
    fake = await startFakeAnthropic({
      script: [
        bash('bash-cat-b', { command: `cat ${q(join(b, 'secret.txt'))}` }),
        // Paths spelled so that no permission rule or hook could follow them: only the OS-level fence can.
        bash('bash-hidden-cat-b', { command: `cd ${q(base)} && cat "$(printf 'session-%s' b)/secret.txt"` }),
        bash('bash-hidden-echo-b', { command: `cd ${q(base)} && echo x > "$(printf 'session-%s' b)/new.txt"` }),
        bash('bash-echo-outside', { command: `echo x > ${q(join(base, 'outside-new.txt'))}` }),
        // Spelled at run time too: a literal state-dir path is already refused by the guard.
        bash('bash-cat-state', { command: `cd ${q(base)} && cat "$(printf 'sta%s' te)/key.txt"` }),
        bash('bash-escape', {
          command: `cd ${q(base)} && cat "$(printf 'session-%s' b)/secret.txt"; echo x > "$(printf 'session-%s' b)/escaped.txt"; echo x > outside-escaped.txt`,
          dangerouslyDisableSandbox: true,
        }),
        bash('bash-echo-own', { command: `echo OWN-WRITE-77 > ${q(join(a, 'own.txt'))} && cat ${q(join(a, 'own.txt'))}` }),
        bash('bash-hidden-cat-c', { command: `cd ${q(base)} && cat "$(printf 'session-%s' c)/secret.txt"` }),
        bash('control-hidden-cat-b', { command: `cd ${q(base)} && cat "$(printf 'session-%s' b)/secret.txt"` }),
      ],
    });
    claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [a] });
    settingsFor = (name: string, sandbox: boolean) => {
      const settings = buildAgentSettings({
        eventsFile: join(state, 'events', 'a', `${name}.jsonl`),
        guardHook: buildGuardHook({ root: a, rootsFile, stateDir: state }),
        deny: buildDenyRules([b]),
        ...(sandbox ? { sandbox: buildSandboxSettings({ root: a, otherRoots: [b], stateDir: state }) } : {}),
      });
      return { ...settings, permissions: { ...settings.permissions, allow: ['Bash'] } };
    };
    agents = {
      Agent_1: await launch('Agent_1', settingsFor('Agent_1', true)),
      Agent_2: await launch('Agent_2', settingsFor('Agent_2', false)),
    };
  });

  afterAll(async () => {
    if (process.env.SANDBOX_DEBUG) {
      for (const name of Object.keys(agents ?? {})) console.error('SCREEN', name, (await backend.readScreen(agents[name]!.pane)).text);
      for (const r of fake.requests.filter((x) => x.mainLoop)) console.error('REQ', r.turnPrompt, JSON.stringify(r.toolResults));
    }
    await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
    await fake?.close();
    // The killed claude may still be flushing into its HOME: retry the cleanup once.
    await claude?.cleanup().catch(() => new Promise((r) => setTimeout(r, 1000)).then(() => claude.cleanup()));
    await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  /** Types a prompt, waits for the turn's end, returns the tool result the model got. */
  async function turn(prompt: string, agent = 'Agent_1'): Promise<ToolResult> {
    const { pane, eventsFile } = agents[agent]!;
    const result = await runTurn({ backend, pane, eventsFile, fake, prompt });
    results.push({ agent, result });
    return result;
  }

  it('refuses a plain Bash read of session B (the deny rules already catch the path) and the secret never reaches the model', async () => {
    const result = await turn('bash-cat-b');
    expect(result.isError).toBe(true);
    expect(result.content).not.toContain('B-SECRET-0815');
  });

  it('hides session B from a Bash read no rule could see: inside the sandbox B is an empty directory', async () => {
    const result = await turn('bash-hidden-cat-b');
    expect(result.isError).toBe(true);
    expect(result.content).toContain('session-b/secret.txt: No such file or directory');
    expect(result.content).not.toContain('B-SECRET-0815');
  });

  it('leaves no file when Bash writes into session B or anywhere outside its own root', async () => {
    // The write lands in the sandbox's throwaway tmpfs over B, never on disk.
    await turn('bash-hidden-echo-b');
    const outside = await turn('bash-echo-outside');
    expect(outside.isError).toBe(true);
    expect(outside.content).toContain('outside-new.txt: Read-only file system');
    expect(await readdir(b)).toEqual(['secret.txt']);
    expect((await readdir(base)).sort()).toEqual(['session a', 'session-b', 'state']);
  });

  it("hides the hub's state dir from Bash", async () => {
    const result = await turn('bash-cat-state');
    expect(result.isError).toBe(true);
    expect(result.content).toContain('key.txt: No such file or directory');
    expect(result.content).not.toContain('STATE-KEY-4242');
  });

  it('ignores dangerouslyDisableSandbox: the command still runs fenced', async () => {
    const result = await turn('bash-escape');
    expect(result.content).toContain('No such file or directory');
    expect(result.content).toContain('outside-escaped.txt: Read-only file system');
    expect(result.content).not.toContain('B-SECRET-0815');
    expect(await readdir(b)).toEqual(['secret.txt']);
    expect((await readdir(base)).sort()).toEqual(['session a', 'session-b', 'state']);
  });

  it('lets Bash write inside its own root', async () => {
    const result = await turn('bash-echo-own');
    expect(result.isError).toBe(false);
    expect(result.content).toContain('OWN-WRITE-77');
    expect(await readFile(join(a, 'own.txt'), 'utf8')).toBe('OWN-WRITE-77\n');
  });

  it('documents the limit: a session created after launch is not fenced from Bash until the agent relaunches', async () => {
    // Claude Code reads the --settings file at start only: rewriting it (as a relaunch would) changes nothing now.
    const c = join(base, 'session-c');
    await mkdir(c);
    await writeFile(join(c, 'secret.txt'), 'C-SECRET-1357\n');
    await writeRootsFile(join(state, 'roots.txt'), [a, b, c]);
    const settingsFile = join(state, 'agents', 'Agent_1.settings.json');
    const settings = JSON.parse(await readFile(settingsFile, 'utf8')) as Record<string, unknown>;
    await writeFile(settingsFile, JSON.stringify({ ...settings, sandbox: buildSandboxSettings({ root: a, otherRoots: [b, c], stateDir: state }) }, null, 2));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const result = await turn('bash-hidden-cat-c');
    expect(result.content).toContain('C-SECRET-1357');
    await rm(c, { recursive: true });
    await writeRootsFile(join(state, 'roots.txt'), [a, b]);
  });

  it('control: without the sandbox settings the same hidden Bash read of session B gets the secret', async () => {
    const result = await turn('control-hidden-cat-b', 'Agent_2');
    expect(result.isError).toBe(false);
    expect(result.content).toContain('B-SECRET-0815');
  });

  it.skipIf(process.platform !== 'linux')(
    'fails closed: without bubblewrap on its PATH, an agent with these settings refuses to start rather than run Bash bare',
    async () => {
      // A PATH with everything of /usr/bin but bwrap and socat.
      const bin = join(base, 'state', 'bin-without-bwrap');
      await mkdir(bin, { recursive: true });
      for (const name of await readdir('/usr/bin')) {
        if (name !== 'bwrap' && name !== 'socat') await symlink(join('/usr/bin', name), join(bin, name));
      }
      const settingsFile = join(state, 'agents', 'Agent_3.settings.json');
      await writeFile(settingsFile, JSON.stringify(settingsFor('Agent_3', true), null, 2));
      const env = { ...claude.env, PATH: `${dirname(CLAUDE_BIN)}:${bin}` };
      // Its debug log keeps what it printed: on the screen the TUI may redraw over the message.
      const debugFile = join(base, 'state', 'agent-3.debug.log');
      const argv = [CLAUDE_BIN, '--session-id', randomUUID(), '--settings', settingsFile, '--debug-file', debugFile];
      const pane = await backend.open({ session: 'sandbox', name: 'Agent_3', cwd: a, argv, env });
      const exited = await waitFor(async () => !(await backend.isAlive(pane)), 'Agent_3 to exit', 40_000).catch(() => false);
      expect(exited, (await backend.readScreen(pane, 200)).text).toBe(true);
      expect((await readFile(debugFile, 'utf8')).replace(/\s+/g, ' ')).toContain(
        'Error: sandbox required but unavailable: sandbox is enabled but dependencies are missing: bubblewrap (bwrap) not installed, socat not installed',
      );
      // The hub sees it start and end at once (the two hooks may land in either order), never run a tool.
      const events = (await readFile(join(state, 'events', 'a', 'Agent_3.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { hook_event_name: string }).hook_event_name);
      expect(events.sort()).toEqual(['SessionEnd', 'SessionStart']);
    },
  );

  it('no tool result of the sandboxed agent ever carried the secret or the state key', () => {
    const sandboxed = results.filter((r) => r.agent === 'Agent_1').map((r) => r.result);
    expect(sandboxed).toHaveLength(8);
    for (const result of sandboxed) {
      expect(result.content).not.toContain('B-SECRET-0815');
      expect(result.content).not.toContain('STATE-KEY-4242');
    }
  });
});
