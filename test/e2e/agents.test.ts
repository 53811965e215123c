/**
 * Real Claude Code agents in real tmux (own -L socket), driven through the hub's own parts
 * (test/helpers/agent-rig.ts): the launch spec checked against the release, settings and hooks,
 * the live index tailing the hook event files, the screen watch, the delivery queue. Only the
 * model is faked (fixtures/fake-anthropic). Runs on every pinned release (vitest projects);
 * a step that depends on one release's screens says which and why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startFakeAnthropic, type FakeAnthropic } from '../../fixtures/fake-anthropic/server.js';
import { createClaudeEnv, CLAUDE_BIN, type ClaudeEnv } from '../helpers/claude-env.js';
import { createRig, type Rig } from '../helpers/agent-rig.js';
import { waitFor } from '../helpers/wait.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';
import { sanitizeTerminalText } from '../../src/terminal/sanitize.js';
import { readScreen } from '../../src/screen/read.js';
import { answerDialog } from '../../src/screen/terminal.js';
import type { DeliveryEntry } from '../../src/hub/delivery.js';
import { exec } from '../../src/exec.js';
import { compareVersions, TESTED_RELEASES } from '../../src/agent/compat.js';

const SESSION = 'e2e';
const socket = `hub-e2e-${randomBytes(4).toString('hex')}`;
const backend = new TmuxBackend({ socket });
let fake: FakeAnthropic;
let claude: ClaudeEnv;
let rig: Rig;
let base: string;
let root: string;
let stateDir: string;

const TODO = '# TODO\n\n## Agent_1: tests\n\n- [ ] item one\n- [ ] item two\n';

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'hub-e2e-')));
  root = join(base, 'project');
  stateDir = join(base, 'state dir'); // a space in the path: the hooks must cope
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'TODO.md'), TODO);
  fake = await startFakeAnthropic({
    script: [
      {
        trigger: 'tick item one',
        steps: [
          [{ type: 'tool_use', name: 'Read', input: { file_path: join(root, 'TODO.md') } }],
          [{ type: 'tool_use', name: 'Edit', input: { file_path: join(root, 'TODO.md'), old_string: '- [ ] item one', new_string: '- [x] item one' } }],
          [{ type: 'text', text: 'Ticked item one.' }],
        ],
      },
      {
        trigger: 'tick item two',
        steps: [
          [{ type: 'tool_use', name: 'Read', input: { file_path: join(root, 'TODO.md') } }],
          [{ type: 'tool_use', name: 'Edit', input: { file_path: join(root, 'TODO.md'), old_string: '- [ ] item two', new_string: '- [x] item two' } }],
          [{ type: 'text', text: 'Ticked item two.' }],
        ],
      },
      { trigger: 'think slowly', gate: 'slow', steps: [[{ type: 'text', text: 'Thought about it.' }]] },
      {
        trigger: 'ask me',
        steps: [
          [
            {
              type: 'tool_use',
              name: 'AskUserQuestion',
              input: {
                questions: [
                  {
                    question: 'Which color do you prefer?',
                    header: 'Color',
                    multiSelect: false,
                    options: [
                      { label: 'Red', description: 'warm' },
                      { label: 'Blue', description: 'cool' },
                      { label: 'Green', description: 'natural' },
                    ],
                  },
                ],
              },
            },
          ],
          [{ type: 'text', text: 'Thanks for choosing.' }],
        ],
      },
    ],
  });
  claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [root, join(base, 'mode')] });
  rig = await createRig({ backend, claudeBin: CLAUDE_BIN, env: claude.env, stateDir, root, session: SESSION });
});

afterAll(async () => {
  await rig?.close();
  await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
  await fake?.close();
  await claude?.cleanup();
  await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

describe(`real Claude Code agents in tmux (${CLAUDE_BIN})`, () => {
  it('launch: both agents start, and the hub sees SessionStart and a ready prompt box (hooks through a path with a space)', async () => {
    const one = await rig.launch('Agent_1', { permissionMode: 'acceptEdits' });
    // `manual` is the mode 2.1.332 lists; the rig passes `default` where the release lists that instead.
    const two = await rig.launch('Agent_2', { permissionMode: 'manual' });
    for (const agent of [one, two]) {
      const start = await waitFor(() => agent.named('SessionStart')[0], `${agent.name} SessionStart`, 45_000);
      expect(start.payload.source).toBe('startup');
      expect(start.payload.cwd).toBe(root);
      await waitFor(() => agent.status() === 'idle', `${agent.name} idle`);
      // SessionStart comes a moment before the box is drawn (2.1.332): the box follows.
      await waitFor(() => rig.screens.ready(agent.name), `${agent.name} prompt box ready`);
    }
    expect(one.eventsFile).toContain('state dir');
    const listed = await backend.list();
    expect(listed.map((i) => i.name).sort()).toEqual(['Agent_1', 'Agent_2']);
  });

  it('delivers a hostile multi-line message whole: UserPromptSubmit.prompt equals the sanitized text exactly', async () => {
    const one = rig.agent('Agent_1');
    const queue = rig.queue();
    const message =
      'Line 1: "double" \'single\' \\back\\slash\\ $(touch pwned) `touch pwned2` $HOME\nLine 2: ünïcödé → 😀 日本\u001b[31m red \u001b[0m then Enter and C-c and C-m\nLine 3 end';
    const expected = sanitizeTerminalText(message);
    expect(expected).not.toContain('\u001b');
    const { settled } = queue.enqueue({ deliveryId: 'dlv-hostile', agent: 'Agent_1', text: message });
    const outcome = await settled;
    expect(outcome.state).toBe('delivered');
    expect(outcome.confirmedBy?.payload.prompt).toBe(expected);
    await waitFor(() => one.named('Stop').length > 0 && one.status() === 'idle', 'Stop after the hostile message');
    expect(one.named('UserPromptSubmit')).toHaveLength(1);
    expect(fake.requests.some((r) => r.mainLoop && r.turnPrompt === expected)).toBe(true);
    expect(existsSync(join(root, 'pwned'))).toBe(false);
    expect(existsSync(join(root, 'pwned2'))).toBe(false);
    queue.close();
  });

  it('the scripted agent Reads then Edits its TODO.md item: the file really changes', async () => {
    const one = rig.agent('Agent_1');
    const queue = rig.queue();
    const stops = one.named('Stop').length;
    expect((await queue.enqueue({ deliveryId: 'dlv-tick', agent: 'Agent_1', text: 'Please tick item one in TODO.md' }).settled).state).toBe('delivered');
    await waitFor(async () => (await readFile(join(root, 'TODO.md'), 'utf8')).includes('- [x] item one'), 'TODO.md ticked');
    await waitFor(() => one.named('Stop').length > stops && one.status() === 'idle', 'Stop after tick');
    const tools = one.events.filter((e) => e.event === 'PostToolUse').map((e) => e.payload.tool_name);
    expect(tools).toEqual(['Read', 'Edit']);
    expect(await readFile(join(root, 'TODO.md'), 'utf8')).toBe(TODO.replace('- [ ] item one', '- [x] item one'));
    queue.close();
  });

  it('a message sent while the agent works waits in the queue and is delivered after Stop', async () => {
    const one = rig.agent('Agent_1');
    const queue = rig.queue();
    fake.hold('slow');
    const first = queue.enqueue({ deliveryId: 'dlv-slow', agent: 'Agent_1', text: 'Please think slowly about it' });
    expect((await first.settled).state).toBe('delivered');
    // The model holds its reply until released: the agent works for as long as this test needs.
    await waitFor(() => fake.waiting('slow') > 0, 'the slow reply held');
    expect(one.status()).toBe('working');
    const second = queue.enqueue({ deliveryId: 'dlv-after', agent: 'Agent_1', text: 'This one waits for the Stop' });
    expect(queue.pending('Agent_1').map((e) => e.state)).toEqual(['queued']);
    fake.release('slow');
    const outcome = await second.settled;
    expect(outcome.state).toBe('delivered');
    const slowStop = one.named('Stop').find((e) => e.payload.last_assistant_message === 'Thought about it.');
    expect(slowStop).toBeDefined();
    expect(outcome.confirmedBy!.line).toBeGreaterThan(slowStop!.line);
    await waitFor(() => one.status() === 'idle', 'Stop after the queued message');
    queue.close();
  });

  it('a permission prompt: waiting_for_person with the question and choices from the screen; nothing typed into it; answered by label', async () => {
    const two = rig.agent('Agent_2');
    const queue = rig.queue();
    expect((await queue.enqueue({ deliveryId: 'dlv-perm', agent: 'Agent_2', text: 'Please tick item two' }).settled).state).toBe('delivered');
    await waitFor(() => two.status() === 'waiting_for_person', 'PermissionRequest', 30_000);
    expect(two.named('PermissionRequest')[0]?.payload.tool_name).toBe('Edit');
    const shown = await waitFor(() => rig.index.agentView(SESSION, 'Agent_2').pendingPrompt ?? undefined, 'pendingPrompt from the screen');
    expect(shown.kind).toBe('permission');
    expect(shown.question).toBe('Do you want to make this edit to TODO.md?');
    expect(shown.choices[0]).toEqual({ number: 1, label: 'Yes' });
    // A message for an agent at a dialog waits; the screen shows the dialog, untouched.
    const waiting = queue.enqueue({ deliveryId: 'dlv-during-dialog', agent: 'Agent_2', text: 'Sent during the dialog' });
    expect(await rig.screens.ready('Agent_2')).toBe(false);
    expect(queue.pending('Agent_2')[0]?.state).toBe('queued');
    await expect(answerDialog({ backend, handle: two.handle }, 'perhaps')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const answered = await answerDialog({ backend, handle: two.handle }, 'yes');
    expect(answered.choice).toEqual({ number: 1, label: 'Yes' });
    await waitFor(async () => (await readFile(join(root, 'TODO.md'), 'utf8')).includes('- [x] item two'), 'item two ticked');
    const outcome = await waiting.settled;
    expect(outcome.state).toBe('delivered');
    expect(outcome.confirmedBy!.payload.prompt).toBe('Sent during the dialog');
    await waitFor(() => two.status() === 'idle', 'Agent_2 idle');
    queue.close();
  });

  it('a dialog the hub has never seen (AskUserQuestion, caused by the model): shown as it is, nothing typed, answered by label, then the queued message goes', async () => {
    const one = rig.agent('Agent_1');
    const queue = rig.queue();
    expect((await queue.enqueue({ deliveryId: 'dlv-ask', agent: 'Agent_1', text: 'Please ask me something' }).settled).state).toBe('delivered');
    const shown = await waitFor(() => rig.index.agentView(SESSION, 'Agent_1').pendingPrompt ?? undefined, 'the question on screen', 30_000);
    expect(shown.question).toBe('Which color do you prefer?');
    expect(shown.choices.slice(0, 3).map((c) => [c.label, c.detail])).toEqual([
      ['Red', 'warm'],
      ['Blue', 'cool'],
      ['Green', 'natural'],
    ]);
    expect(one.status()).toBe('waiting_for_person');
    const prompts = one.named('UserPromptSubmit').length;
    const waiting = queue.enqueue({ deliveryId: 'dlv-after-ask', agent: 'Agent_1', text: 'Queued behind the question' });
    expect(await rig.screens.ready('Agent_1')).toBe(false);
    expect(one.named('UserPromptSubmit')).toHaveLength(prompts);
    const answered = await answerDialog({ backend, handle: one.handle }, 'blue');
    expect(answered.choice.label).toBe('Blue');
    const result = await waitFor(
      () => fake.requests.find((r) => r.mainLoop && r.turnPrompt?.includes('Please ask me something') && r.toolResults.length > 0),
      'the answer reaches the model',
    );
    expect(result.toolResults[0]?.content).toContain('Blue');
    const outcome = await waiting.settled;
    expect(outcome.state).toBe('delivered');
    expect(outcome.confirmedBy!.payload.prompt).toBe('Queued behind the question');
    await waitFor(() => one.status() === 'idle', 'Agent_1 idle after the question');
    queue.close();
  });

  it("the person's own acceptEdits setting: a start-up menu (2.1.332 asks about auto mode after SessionStart) is shown, never typed into, answered by label; then the message goes", async () => {
    const mode = join(base, 'mode');
    await mkdir(mode, { recursive: true });
    // A person who never answered Claude Code's one-time offer of auto mode.
    const own = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [mode], acceptEdits: true, autoModeOffer: true });
    // Which releases make the offer (docs/compatibility.md): the current one does, the oldest not.
    const offers = compareVersions(rig.capabilities.version ?? '0.0.0', TESTED_RELEASES.current) >= 0;
    try {
      const queue = rig.queue();
      const agent = await rig.launch('Agent_4', { cwd: mode, env: own.env });
      await waitFor(() => agent.named('SessionStart')[0], 'SessionStart', 45_000);
      if (offers) {
        // The menu comes a moment after SessionStart (later on a loaded machine): wait for it,
        // then queue a message while it is up. It must stay queued, never typed into the menu.
        const menu = await waitFor(() => rig.index.agentView(SESSION, 'Agent_4').pendingPrompt ?? undefined, 'the start-up menu', 60_000);
        const sent = queue.enqueue({ deliveryId: 'dlv-mode', agent: 'Agent_4', text: 'Hello after the start-up menu' });
        expect(agent.status()).toBe('waiting_for_person');
        expect(menu.choices.length).toBeGreaterThanOrEqual(2);
        expect(agent.named('UserPromptSubmit')).toHaveLength(0);
        expect(queue.pending('Agent_4')[0]?.state).toBe('queued');
        const keep = menu.choices.find((c) => /^No\b/.test(c.label));
        expect(keep).toBeDefined();
        await answerDialog({ backend, handle: agent.handle }, keep!.label);
        expect((await sent.settled).state).toBe('delivered');
        // Answered once: Claude Code records it, and will not ask this person again.
        const config = JSON.parse(await readFile(join(own.home, '.claude.json'), 'utf8')) as { hasSeenAutoDefaultNudge?: boolean };
        expect(config.hasSeenAutoDefaultNudge).toBe(true);
      } else {
        // No menu on this release: queued at once, the message waits for a ready prompt box.
        const sent = queue.enqueue({ deliveryId: 'dlv-mode', agent: 'Agent_4', text: 'Hello after the start-up menu' });
        expect((await sent.settled).state).toBe('delivered');
        expect(rig.index.agentView(SESSION, 'Agent_4').pendingPrompt).toBeNull();
      }
      expect(agent.named('UserPromptSubmit').map((e) => e.payload.prompt)).toEqual(['Hello after the start-up menu']);
      // The person's choice was theirs: their settings still say acceptEdits.
      expect(JSON.parse(await readFile(join(own.home, '.claude', 'settings.json'), 'utf8'))).toMatchObject({ permissions: { defaultMode: 'acceptEdits' } });
      queue.close();
    } finally {
      await exec('tmux', ['-L', socket, 'kill-window', '-t', rig.agent('Agent_4').handle.id], { allowFailure: true });
      await own.cleanup();
    }
  });

  it('killing the claude process leaves a dead pane; a killed pane counts as gone; a message to it is reported', async () => {
    const one = rig.agent('Agent_1');
    const two = rig.agent('Agent_2');
    const pid = (await exec('tmux', ['-L', socket, 'display-message', '-p', '-t', one.handle.id, '#{pane_pid}'])).stdout.trim();
    expect(await backend.isAlive(one.handle)).toBe(true);
    process.kill(Number(pid), 'SIGKILL');
    await waitFor(async () => !(await backend.isAlive(one.handle)), 'pane dead');
    expect((await backend.list()).find((i) => i.handle.id === one.handle.id)?.alive).toBe(false);
    await exec('tmux', ['-L', socket, 'kill-pane', '-t', two.handle.id]);
    expect(await backend.isAlive(two.handle)).toBe(false);
    rig.index.setTerminalAlive(SESSION, 'Agent_2', false);
    await waitFor(() => two.status() === 'exited', 'Agent_2 exited');
  });

  it('an untrusted root stops at the trust dialog: shown as waiting_for_person, no SessionStart until it is answered by label', async () => {
    const untrusted = join(base, 'untrusted');
    await mkdir(untrusted);
    const three = await rig.launch('Agent_3', { cwd: untrusted });
    const dialog = await waitFor(() => rig.index.agentView(SESSION, 'Agent_3').pendingPrompt ?? undefined, 'the trust dialog', 45_000);
    expect(dialog.kind).toBe('trust');
    expect(dialog.choices.map((c) => c.label).sort()).toEqual(['No, exit', 'Yes, I trust this folder']);
    expect(three.status()).toBe('waiting_for_person');
    expect(three.events).toEqual([]);
    const answered = await answerDialog({ backend, handle: three.handle }, 'Yes, I trust this folder');
    expect(answered.choice.label).toBe('Yes, I trust this folder');
    const start = await waitFor(() => three.named('SessionStart')[0], 'SessionStart after trust', 45_000);
    expect(start.payload.cwd).toBe(untrusted);
    // Claude Code records the trust in its config on its own schedule (after SessionStart on a loaded machine).
    await waitFor(async () => {
      const seeded = JSON.parse(await readFile(join(claude.home, '.claude.json'), 'utf8')) as {
        projects: Record<string, { hasTrustDialogAccepted?: boolean }>;
      };
      return seeded.projects[untrusted]?.hasTrustDialogAccepted === true;
    }, 'the trust recorded in .claude.json');
    await waitFor(() => three.status() === 'idle' && rig.index.agentView(SESSION, 'Agent_3').pendingPrompt === null, 'Agent_3 idle, dialog gone');
  });

  it('queued and already-typed messages survive a hub restart and are delivered exactly once', async () => {
    const three = rig.agent('Agent_3');
    await waitFor(() => three.status() === 'idle', 'Agent_3 idle');
    let persisted: readonly DeliveryEntry[] = [];
    const before = rig.queue((snapshot) => (persisted = snapshot));
    fake.hold('slow');
    expect((await before.enqueue({ deliveryId: 'dlv-r1', agent: 'Agent_3', text: 'Please think slowly first' }).settled).state).toBe('delivered');
    void before.enqueue({ deliveryId: 'dlv-r2', agent: 'Agent_3', text: 'Queued before the restart' }).settled;
    expect(persisted.map((e) => [e.deliveryId, e.state])).toEqual([['dlv-r2', 'queued']]);
    before.close(); // the hub goes away while Agent_3 works
    fake.release('slow');

    const after = rig.queue();
    after.restore([...persisted]);
    expect((await after.whenSettled('dlv-r2')).state).toBe('delivered');
    await waitFor(() => three.named('Stop').length >= 2 && three.status() === 'idle', 'Agent_3 idle after r2');
    // What a crash right after typing leaves: the text is in the box, the entry says so.
    await waitFor(async () => readScreen((await backend.readScreen(three.handle)).text).state === 'ready', 'prompt box ready');
    await backend.sendText(three.handle, 'Typed just before a crash');
    await waitFor(async () => {
      const reading = readScreen((await backend.readScreen(three.handle)).text);
      return reading.state === 'ready' && reading.draft.includes('Typed just before a crash');
    }, 'the paste in the prompt box');
    const typed: DeliveryEntry = {
      deliveryId: 'dlv-r3',
      agent: 'Agent_3',
      text: 'Typed just before a crash',
      state: 'awaiting_confirmation',
      enqueuedAt: new Date().toISOString(),
      typedAt: new Date().toISOString(),
      submits: 0,
      reason: null,
    };
    after.close();
    const third = rig.queue();
    third.restore([typed]);
    // Not typed again: the restored queue only presses submit, and the one paste is confirmed.
    const outcome = await third.whenSettled('dlv-r3');
    expect(outcome.state).toBe('delivered');
    const prompts = three.named('UserPromptSubmit').map((e) => e.payload.prompt);
    expect(prompts.filter((p) => p === 'Queued before the restart')).toHaveLength(1);
    expect(prompts.filter((p) => p === 'Typed just before a crash')).toHaveLength(1);
    third.close();
  });

  it('closing the window ends the conversation; relaunching with --resume continues the same one', async () => {
    const three = rig.agent('Agent_3');
    const first = three.named('SessionStart')[0]!;
    await backend.close(three.handle);
    expect(await backend.isAlive(three.handle)).toBe(false);
    const resumed = await rig.launch('Agent_3', { cwd: first.payload.cwd as string, resumeId: first.claudeSessionId! });
    const start = await waitFor(() => resumed.named('SessionStart').find((e) => e.payload.source === 'resume'), 'SessionStart (resume)', 45_000);
    expect(start.claudeSessionId).toBe(first.claudeSessionId);
    // The resumed conversation still has its history: the model sees the earlier prompts.
    const queue = rig.queue();
    expect((await queue.enqueue({ deliveryId: 'dlv-resumed', agent: 'Agent_3', text: 'Still there after the resume?' }).settled).state).toBe('delivered');
    const request = await waitFor(() => fake.requests.find((r) => r.mainLoop && r.turnPrompt === 'Still there after the resume?'), 'model request');
    expect(JSON.stringify(request.body?.messages)).toContain('Queued before the restart');
    queue.close();
  });
});
