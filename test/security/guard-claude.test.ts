/**
 * Session boundaries in a real Claude Code 2.1.197 (only the model is fake:
 * fixtures/fake-anthropic). Agent_1 of session A is launched with `permissions.deny` for
 * session B and the guard hook in --reads-outside mode, and the person has allowed reads under
 * the common parent (`permissions.allow`), so that it may read C's file before C is a session:
 * Claude Code refuses an Edit of a file not Read first, and we want the Edit to reach the guard. Session C is created AFTER the launch, so its deny rules are not in the
 * agent's settings: only the guard, reading the live roots file, stands between.
 * - Read/Edit/Write in B: refused by the deny rules (Claude Code's own message).
 * - Edit/Write/Read and a Bash `cat` in C once it is a session: refused by the guard, whose reason the model receives.
 * - Files of B and C unchanged; reading A's own file works.
 * Agent_2 runs the guard in its default, strict mode: a Read outside its root (not a session)
 * is refused. Agent_3's guard cannot run (its script is missing): the hook fails closed (exit
 * 2) and even a Read of its own root is blocked, with the hook's message reaching the model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { startFakeAnthropic, type FakeAnthropic, type FakeRule, type RecordedRequest } from '../../fixtures/fake-anthropic/server.js';
import { CLAUDE_BIN, createClaudeEnv, type ClaudeEnv } from '../helpers/claude-env.js';
import { waitFor } from '../helpers/wait.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';
import type { TerminalHandle } from '../../src/terminal/backend.js';
import { buildAgentSettings } from '../../src/agent/settings.js';
import { buildDenyRules, buildGuardHook, writeRootsFile } from '../../src/security/guard.js';
import { exec } from '../../src/exec.js';
import { runTurn } from '../helpers/claude-turn.js';

/**
 * An explicit mode: 2.1.332 defaults to auto mode, whose safety check runs on Anthropic's
 * servers (the fake model cannot answer it: the agent stops at "Auto mode can't check actions
 * in this session") and which sets broad allow rules such as Bash(*) aside. acceptEdits is
 * listed by both pinned releases and keeps the rules these tests rely on in force.
 */
const EXPLICIT_MODE = ['--permission-mode', 'acceptEdits'] as const;

const socket = `hub-guard-${randomBytes(4).toString('hex')}`;
const backend = new TmuxBackend({ socket });

describe('guard inside a real Claude Code agent', () => {
  let base: string;
  let a: string;
  let b: string;
  let c: string;
  let rootsFile: string;
  let state: string;
  let fake: FakeAnthropic;
  let claude: ClaudeEnv;
  let pane: TerminalHandle;
  let _eventsFile: string;
  let agents: Record<string, { pane: TerminalHandle; eventsFile: string }>;

  async function launch(name: string, settings: Record<string, unknown>): Promise<{ pane: TerminalHandle; eventsFile: string }> {
    const settingsFile = join(state, 'agents', `${name}.settings.json`);
    await mkdir(join(state, 'agents'), { recursive: true });
    await writeFile(settingsFile, JSON.stringify(settings, null, 2));
    const handle = await backend.open({
      session: 'guard',
      name,
      cwd: a,
      argv: [CLAUDE_BIN, '--session-id', randomUUID(), '--settings', settingsFile, ...EXPLICIT_MODE],
      env: claude.env,
    });
    const events = join(state, 'events', 'a', `${name}.jsonl`);
    await waitFor(async () => (await readFile(events, 'utf8').catch(() => '')).includes('"SessionStart"'), `SessionStart of ${name}`, 60_000);
    return { pane: handle, eventsFile: events };
  }

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'hub-guard-claude-')));
    a = join(base, 'session a');
    b = join(base, 'session-b');
    c = join(base, 'session-c');
    state = join(base, 'state');
    await mkdir(a, { recursive: true });
    await mkdir(b, { recursive: true });
    await mkdir(c, { recursive: true });
    await writeFile(join(a, 'own.txt'), 'OWN-CONTENT-4711\n');
    await writeFile(join(b, 'secret.txt'), 'B-SECRET-0815\n');
    await writeFile(join(c, 'secret.txt'), 'C-SECRET-1234\n');
    await writeFile(join(base, 'outside.txt'), 'OUTSIDE-5555\n');
    rootsFile = join(state, 'roots.txt');
    await writeRootsFile(rootsFile, [a, b]);
    fake = await startFakeAnthropic({
      script: (['b', 'c'] as const)
        .flatMap((x): FakeRule[] => {
          const root = () => (x === 'b' ? b : c);
          return [
            {
              trigger: `read-${x}`,
              steps: [
                [{ type: 'tool_use' as const, name: 'Read', input: { file_path: join(root(), 'secret.txt') } }],
                [{ type: 'text' as const, text: 'done' }],
              ],
            },
            {
              trigger: `edit-${x}`,
              steps: [
                [{ type: 'tool_use' as const, name: 'Edit', input: { file_path: join(root(), 'secret.txt'), old_string: 'SECRET', new_string: 'PWNED' } }],
                [{ type: 'text' as const, text: 'done' }],
              ],
            },
            {
              trigger: `write-${x}`,
              steps: [
                [{ type: 'tool_use' as const, name: 'Write', input: { file_path: join(root(), 'planted.txt'), content: 'PWNED' } }],
                [{ type: 'text' as const, text: 'done' }],
              ],
            },
          ];
        })
        .concat([
          {
            trigger: 'bash-cat-c',
            steps: [
              [{ type: 'tool_use', name: 'Bash', input: { command: `cat '${join(c, 'secret.txt')}'`, description: 'read c' } }],
              [{ type: 'text', text: 'done' }],
            ],
          },
          {
            trigger: 'again-bash-cat-c',
            steps: [
              [{ type: 'tool_use', name: 'Bash', input: { command: `cat '${join(c, 'secret.txt')}'`, description: 'read c' } }],
              [{ type: 'text', text: 'done' }],
            ],
          },
          { trigger: 'read-own', steps: [[{ type: 'tool_use', name: 'Read', input: { file_path: join(a, 'own.txt') } }], [{ type: 'text', text: 'done' }]] },
          {
            trigger: 'read-outside',
            steps: [[{ type: 'tool_use', name: 'Read', input: { file_path: join(base, 'outside.txt') } }], [{ type: 'text', text: 'done' }]],
          },
        ]),
    });
    claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [a], acceptEdits: true });
    const agentSettings = (name: string, guard: Parameters<typeof buildGuardHook>[0], deny: string[]) => {
      const settings = buildAgentSettings({ eventsFile: join(state, 'events', 'a', `${name}.jsonl`), guardHook: buildGuardHook(guard), deny });
      return { ...settings, permissions: { ...settings.permissions, allow: [`Read(/${base}/**)`, 'Bash(cat:*)'] } };
    };
    agents = {
      Agent_1: await launch('Agent_1', agentSettings('Agent_1', { root: a, rootsFile, stateDir: state, readsOutside: true }, buildDenyRules([b]))),
      Agent_2: await launch('Agent_2', agentSettings('Agent_2', { root: a, rootsFile, stateDir: state }, [])),
      Agent_3: await launch('Agent_3', agentSettings('Agent_3', { root: a, rootsFile, stateDir: state, guardPath: join(base, 'missing-guard.pl') }, [])),
    };
    pane = agents.Agent_1!.pane;
    _eventsFile = agents.Agent_1!.eventsFile;
  });

  afterAll(async () => {
    if (process.env.GUARD_DEBUG) {
      console.error('SCREEN', (await backend.readScreen(pane)).text);
      for (const r of fake.requests.filter((x) => x.mainLoop)) console.error('REQ', r.turnPrompt, JSON.stringify(r.toolResults));
    }
    await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
    await fake?.close();
    // The killed claude may still be flushing into its HOME: retry the cleanup once.
    await claude?.cleanup().catch(() => new Promise((r) => setTimeout(r, 1000)).then(() => claude.cleanup()));
    await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  /** Types a prompt, waits for the turn's final request, returns the tool result the model got. */
  async function turn(prompt: string, agent = 'Agent_1'): Promise<RecordedRequest['toolResults'][number]> {
    const { pane, eventsFile } = agents[agent]!;
    return runTurn({ backend, pane, eventsFile, fake, prompt });
  }

  it('refuses Read, Edit and Write in session B through the deny rules fixed at launch', async () => {
    for (const action of ['read-b', 'edit-b', 'write-b']) {
      const result = await turn(action);
      expect([action, result.isError]).toEqual([action, true]);
      expect(result.content).toContain('denied by your permission settings');
    }
    expect(await readFile(join(b, 'secret.txt'), 'utf8')).toBe('B-SECRET-0815\n');
    await expect(readFile(join(b, 'planted.txt'), 'utf8')).rejects.toThrow();
  });

  it('refuses Edit, Write, Read and a Bash cat in session C, created after the launch, through the live guard, telling the model why', async () => {
    const before = await turn('read-c');
    expect(before.isError).toBe(false);
    expect(before.content).toContain('C-SECRET-1234');
    // No sandbox here: before C is a session, Bash reads it like any file the person allowed.
    const bashBefore = await turn('bash-cat-c');
    expect(bashBefore.content).toContain('C-SECRET-1234');
    await writeRootsFile(rootsFile, [a, b, c]);
    const bash = await turn('again-bash-cat-c');
    expect(bash.isError).toBe(true);
    expect(bash.content).toContain(`claude-hub: this command names another claude-hub session's root (${c})`);
    expect(bash.content).not.toContain('C-SECRET-1234');
    const reason = `another claude-hub session's root (${c})`;
    const edit = await turn('edit-c');
    expect(edit.isError).toBe(true);
    expect(edit.content).toContain(`claude-hub: ${join(c, 'secret.txt')} is inside ${reason}`);
    const write = await turn('write-c');
    expect(write.isError).toBe(true);
    expect(write.content).toContain(reason);
    const read = await turn('again-read-c');
    expect(read.isError).toBe(true);
    expect(read.content).toContain(reason);
    expect(read.content).not.toContain('C-SECRET-1234');
    expect(await readFile(join(c, 'secret.txt'), 'utf8')).toBe('C-SECRET-1234\n');
    await expect(readFile(join(c, 'planted.txt'), 'utf8')).rejects.toThrow();
  });

  it('lets the same agent read its own root', async () => {
    const result = await turn('read-own');
    expect(result.isError).toBe(false);
    expect(result.content).toContain('OWN-CONTENT-4711');
  });

  it('in strict mode (the default) refuses a Read outside the root that is no session at all', async () => {
    const result = await turn('a2-read-outside', 'Agent_2');
    expect(result.isError).toBe(true);
    expect(result.content).toContain(`claude-hub: ${join(base, 'outside.txt')} is outside this session's root`);
    expect(result.content).not.toContain('OUTSIDE-5555');
  });

  it('fails closed when the guard cannot run: even an own-root Read is blocked, with the reason', async () => {
    const result = await turn('a3-read-own', 'Agent_3');
    expect(result.isError).toBe(true);
    expect(result.content).toContain('the file-access guard could not run');
    expect(result.content).not.toContain('OWN-CONTENT-4711');
  });
});
