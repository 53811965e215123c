/**
 * Real Claude Code agents in real tmux (own -L socket), launched through the hub's launch spec,
 * settings and hooks; only the model is faked (fixtures/fake-anthropic). Messages go through
 * DeliveryQueue and are confirmed by the agents' own UserPromptSubmit hook events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { startFakeAnthropic, type FakeAnthropic } from '../../fixtures/fake-anthropic/server.js';
import { createClaudeEnv, CLAUDE_BIN, type ClaudeEnv } from '../helpers/claude-env.js';
import { waitFor } from '../helpers/wait.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';
import { sanitizeTerminalText } from '../../src/terminal/sanitize.js';
import { buildLaunchSpec } from '../../src/agent/launch.js';
import { agentEventsFile, buildAgentSettings } from '../../src/agent/settings.js';
import { assembleAgentPrompt } from '../../src/agent/prompt.js';
import { answerKeys, detectDialog } from '../../src/agent/dialogs.js';
import { watchStartup } from '../../src/agent/startup.js';
import { DeliveryQueue, type DeliveryEntry } from '../../src/hub/delivery.js';
import { exec } from '../../src/exec.js';
import type { AgentStatus, HookEvent } from '../../src/hub/types.js';
import type { TerminalHandle } from '../../src/terminal/backend.js';

const SESSION = 'e2e';
const socket = `hub-e2e-${randomBytes(4).toString('hex')}`;
const backend = new TmuxBackend({ socket });
let fake: FakeAnthropic;
let claude: ClaudeEnv;
let base: string;
let root: string;
let stateDir: string;

/** Tails an agent's event file (what the live hub's watcher does) and derives a minimal status. */
class Agent {
  readonly events: HookEvent[] = [];
  status: AgentStatus = 'starting';
  handle!: TerminalHandle;
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly hookListeners = new Set<(e: HookEvent) => void>();
  readonly statusListeners = new Set<(agent: string, s: AgentStatus) => void>();

  constructor(
    readonly name: string,
    readonly eventsFile: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), 10);
  }
  stop(): void {
    clearInterval(this.timer);
  }
  named(event: string): HookEvent[] {
    return this.events.filter((e) => e.event === event);
  }
  private async poll(): Promise<void> {
    const text = await readFile(this.eventsFile, 'utf8').catch(() => '');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    if (complete.length <= this.offset) return;
    const fresh = complete.slice(this.offset);
    this.offset = complete.length;
    for (const line of fresh.split('\n').filter(Boolean)) {
      const payload = JSON.parse(line) as Record<string, unknown>;
      const event: HookEvent = {
        agent: this.name,
        session: SESSION,
        event: String(payload.hook_event_name),
        claudeSessionId: String(payload.session_id),
        receivedAt: Date.now(),
        line: this.events.length + 1,
        payload,
      };
      this.events.push(event);
      const next = statusAfter(event, this.status);
      for (const l of this.hookListeners) l(event);
      if (next !== this.status) {
        this.status = next;
        for (const l of this.statusListeners) l(this.name, next);
      }
    }
  }
}

function statusAfter(event: HookEvent, current: AgentStatus): AgentStatus {
  switch (event.event) {
    case 'SessionStart':
    case 'Stop':
    case 'StopFailure':
      return 'idle';
    case 'UserPromptSubmit':
    case 'PreToolUse':
    case 'PostToolUse':
      return 'working';
    case 'PermissionRequest':
      return 'waiting_for_person';
    case 'Notification':
      return event.payload.notification_type === 'permission_prompt' ? 'waiting_for_person' : current;
    case 'SessionEnd':
      return 'exited';
    default:
      return current;
  }
}

const agents = new Map<string, Agent>();

async function launch(name: string, options: { cwd?: string; permissionMode?: string; resumeId?: string } = {}): Promise<Agent> {
  const cwd = options.cwd ?? root;
  const eventsFile = agentEventsFile(stateDir, SESSION, name);
  const settingsFile = join(stateDir, 'agents', `${name}.settings.json`);
  await mkdir(join(stateDir, 'agents'), { recursive: true });
  await writeFile(settingsFile, JSON.stringify(buildAgentSettings({ eventsFile })));
  const promptFile = join(stateDir, 'agents', `${name}.prompt.md`);
  await writeFile(promptFile, await assembleAgentPrompt({ agentName: name, specialization: 'a careful tester', root: cwd, otherAgents: [...agents.keys()] }));
  const spec = buildLaunchSpec({
    claudeCommand: CLAUDE_BIN,
    agentName: name,
    hubSession: SESSION,
    claudeSessionId: options.resumeId ?? randomUUID(),
    resume: options.resumeId !== undefined,
    promptFile,
    settingsFile,
    root: cwd,
    permissionMode: options.permissionMode ?? null,
    baseEnv: claude.env,
  });
  const agent = new Agent(name, eventsFile);
  agent.handle = await backend.open({ session: SESSION, name, cwd: spec.cwd, argv: spec.argv, env: spec.env });
  agent.start();
  agents.set(name, agent);
  return agent;
}

function queueFor(agent: Agent, onQueueChanged?: (snapshot: readonly DeliveryEntry[]) => void): DeliveryQueue {
  return new DeliveryQueue({
    ...(onQueueChanged ? { onQueueChanged } : {}),
    terminals: { terminalOf: () => ({ backend, handle: agent.handle }) },
    status: { getStatus: () => agent.status, onStatusChange: (l) => (agent.statusListeners.add(l), () => agent.statusListeners.delete(l)) },
    hooks: { onHookEvent: (l) => (agent.hookListeners.add(l), () => agent.hookListeners.delete(l)) },
    confirmTimeoutMs: 3000,
  });
}

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
      { trigger: 'think slowly', delayMs: 2500, steps: [[{ type: 'text', text: 'Thought about it.' }]] },
    ],
  });
  claude = await createClaudeEnv({ baseUrl: fake.url, trustedRoots: [root] });
});

afterAll(async () => {
  for (const agent of agents.values()) agent.stop();
  await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
  await fake?.close();
  await claude?.cleanup();
  await rm(base, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

describe('two real Claude Code agents in tmux', () => {
  it('launch: both agents start and report SessionStart through the exec-form hook (path with a space)', async () => {
    const one = await launch('Agent_1', { permissionMode: 'acceptEdits' });
    const two = await launch('Agent_2');
    for (const agent of [one, two]) {
      expect(await watchStartup({ backend, handle: agent.handle, started: () => agent.named('SessionStart').length > 0, timeoutMs: 45_000 })).toEqual({ kind: 'started' });
      const start = agent.named('SessionStart')[0]!;
      expect(start.payload.source).toBe('startup');
      expect(start.payload.cwd).toBe(root);
      expect(agent.status).toBe('idle');
    }
    expect(agents.get('Agent_1')!.eventsFile).toContain('state dir');
    const listed = await backend.list();
    expect(listed.map((i) => i.name).sort()).toEqual(['Agent_1', 'Agent_2']);
  });

  it('delivers a hostile multi-line message whole: UserPromptSubmit.prompt equals the sanitized text exactly', async () => {
    const one = agents.get('Agent_1')!;
    const queue = queueFor(one);
    const message = 'Line 1: "double" \'single\' \\back\\slash\\ $(touch pwned) `touch pwned2` $HOME\nLine 2: ünïcödé → 😀 日本\u001b[31m red \u001b[0m then Enter and C-c and C-m\nLine 3 end';
    const expected = sanitizeTerminalText(message);
    expect(expected).not.toContain('\u001b');
    const { settled } = queue.enqueue({ deliveryId: 'dlv-hostile', agent: 'Agent_1', text: message });
    const outcome = await settled;
    expect(outcome.state).toBe('delivered');
    expect(outcome.confirmedBy?.payload.prompt).toBe(expected);
    await waitFor(() => one.status === 'idle', 'Stop after the hostile message');
    expect(one.named('UserPromptSubmit')).toHaveLength(1);
    expect(fake.requests.some((r) => r.mainLoop && r.turnPrompt === expected)).toBe(true);
    expect(existsSync(join(root, 'pwned'))).toBe(false);
    expect(existsSync(join(root, 'pwned2'))).toBe(false);
    queue.close();
  });

  it('the scripted agent Reads then Edits its TODO.md item: the file really changes', async () => {
    const one = agents.get('Agent_1')!;
    const queue = queueFor(one);
    expect((await queue.enqueue({ deliveryId: 'dlv-tick', agent: 'Agent_1', text: 'Please tick item one in TODO.md' }).settled).state).toBe('delivered');
    await waitFor(async () => (await readFile(join(root, 'TODO.md'), 'utf8')).includes('- [x] item one'), 'TODO.md ticked');
    await waitFor(() => one.status === 'idle', 'Stop after tick');
    const tools = one.events.filter((e) => e.event === 'PostToolUse').map((e) => e.payload.tool_name);
    expect(tools).toEqual(['Read', 'Edit']);
    expect(await readFile(join(root, 'TODO.md'), 'utf8')).toBe(TODO.replace('- [ ] item one', '- [x] item one'));
    queue.close();
  });

  it('a message sent while the agent works waits in the queue and is delivered after Stop', async () => {
    const one = agents.get('Agent_1')!;
    const queue = queueFor(one);
    const first = queue.enqueue({ deliveryId: 'dlv-slow', agent: 'Agent_1', text: 'Please think slowly about it' });
    expect((await first.settled).state).toBe('delivered');
    expect(one.status).toBe('working');
    const second = queue.enqueue({ deliveryId: 'dlv-after', agent: 'Agent_1', text: 'This one waits for the Stop' });
    expect(queue.pending('Agent_1').map((e) => e.state)).toEqual(['queued']);
    const outcome = await second.settled;
    expect(outcome.state).toBe('delivered');
    const stops = one.named('Stop');
    const slowStop = stops.find((e) => e.payload.last_assistant_message === 'Thought about it.');
    expect(slowStop).toBeDefined();
    expect(outcome.confirmedBy!.line).toBeGreaterThan(slowStop!.line);
    await waitFor(() => one.status === 'idle', 'Stop after the queued message');
    queue.close();
  });

  it('a permission prompt shows as waiting_for_person and on screen; nothing is typed into it; answered by answerKeys', async () => {
    const two = agents.get('Agent_2')!;
    const queue = queueFor(two);
    expect((await queue.enqueue({ deliveryId: 'dlv-perm', agent: 'Agent_2', text: 'Please tick item two' }).settled).state).toBe('delivered');
    await waitFor(() => two.status === 'waiting_for_person', 'PermissionRequest', 30_000);
    expect(two.named('PermissionRequest')[0]?.payload.tool_name).toBe('Edit');
    const dialog = await waitFor(async () => detectDialog((await backend.readScreen(two.handle)).text) ?? undefined, 'dialog on screen');
    expect(dialog.kind).toBe('permission');
    expect(dialog.question).toMatch(/^Do you want to make this edit to TODO\.md\?$/);
    expect(dialog.choices[0]).toEqual({ number: 1, label: 'Yes' });
    // A message for an agent at a dialog waits.
    const waiting = queue.enqueue({ deliveryId: 'dlv-during-dialog', agent: 'Agent_2', text: 'Sent during the dialog' });
    await new Promise((r) => setTimeout(r, 500));
    expect(queue.pending('Agent_2')[0]?.state).toBe('queued');
    expect(() => answerKeys(dialog, 'perhaps')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await backend.sendKeys(two.handle, answerKeys(dialog, 'yes').keys);
    await waitFor(async () => (await readFile(join(root, 'TODO.md'), 'utf8')).includes('- [x] item two'), 'item two ticked');
    const outcome = await waiting.settled;
    expect(outcome.state).toBe('delivered');
    expect(outcome.confirmedBy!.payload.prompt).toBe('Sent during the dialog');
    await waitFor(() => two.status === 'idle', 'Agent_2 idle');
    queue.close();
  });

  it('killing the claude process leaves a dead pane; a killed pane counts as gone', async () => {
    const one = agents.get('Agent_1')!;
    const two = agents.get('Agent_2')!;
    const pid = (await exec('tmux', ['-L', socket, 'display-message', '-p', '-t', one.handle.id, '#{pane_pid}'])).stdout.trim();
    expect(await backend.isAlive(one.handle)).toBe(true);
    process.kill(Number(pid), 'SIGKILL');
    await waitFor(async () => !(await backend.isAlive(one.handle)), 'pane dead');
    expect(await watchStartup({ backend, handle: one.handle, started: () => false })).toEqual({ kind: 'exited' });
    expect((await backend.list()).find((i) => i.handle.id === one.handle.id)?.alive).toBe(false);
    await exec('tmux', ['-L', socket, 'kill-pane', '-t', two.handle.id]);
    expect(await backend.isAlive(two.handle)).toBe(false);
    // A message to a gone terminal is reported, not lost.
    two.status = 'idle';
    const queue = queueFor(two);
    const outcome = await queue.enqueue({ deliveryId: 'dlv-gone', agent: 'Agent_2', text: 'anyone there?' }).settled;
    expect(outcome.state).toBe('undelivered');
    expect(outcome.reason).toMatch(/pane .* is gone/);
    queue.close();
  });

  it('an untrusted root stops at the trust dialog: detected, no SessionStart until it is answered', async () => {
    const untrusted = join(base, 'untrusted');
    await mkdir(untrusted);
    const three = await launch('Agent_3', { cwd: untrusted });
    const outcome = await watchStartup({ backend, handle: three.handle, started: () => three.named('SessionStart').length > 0, timeoutMs: 45_000 });
    if (outcome.kind !== 'dialog') throw new Error(`expected the trust dialog, got ${outcome.kind}`);
    const dialog = outcome.dialog;
    expect(dialog.kind).toBe('trust');
    expect(dialog.choices.map((c) => c.label)).toEqual(['Yes, I trust this folder', 'No, exit']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(three.events).toEqual([]);
    await backend.sendKeys(three.handle, answerKeys(dialog, 'Yes, I trust this folder').keys);
    const start = await waitFor(() => three.named('SessionStart')[0], 'SessionStart after trust', 45_000);
    expect(start.payload.cwd).toBe(untrusted);
    const seeded = JSON.parse(await readFile(join(claude.home, '.claude.json'), 'utf8')) as { projects: Record<string, { hasTrustDialogAccepted?: boolean }> };
    expect(seeded.projects[untrusted]?.hasTrustDialogAccepted).toBe(true);
    expect(await watchStartup({ backend, handle: three.handle, started: () => three.named('SessionStart').length > 0 })).toEqual({ kind: 'started' });
  });
  it('queued and already-typed messages survive a hub restart and are delivered exactly once', async () => {
    const three = agents.get('Agent_3')!;
    await waitFor(() => three.status === 'idle', 'Agent_3 idle');
    let persisted: readonly DeliveryEntry[] = [];
    const before = queueFor(three, (snapshot) => (persisted = snapshot));
    expect((await before.enqueue({ deliveryId: 'dlv-r1', agent: 'Agent_3', text: 'Please think slowly first' }).settled).state).toBe('delivered');
    void before.enqueue({ deliveryId: 'dlv-r2', agent: 'Agent_3', text: 'Queued before the restart' }).settled;
    expect(persisted.map((e) => [e.deliveryId, e.state])).toEqual([['dlv-r2', 'queued']]);
    before.close(); // the hub goes away while Agent_3 works

    // What a crash right after typing leaves: the text is in the box, the entry says so.
    const after = queueFor(three);
    after.restore([...persisted]);
    expect((await after.whenSettled('dlv-r2')).state).toBe('delivered');
    await waitFor(() => three.status === 'idle', 'Agent_3 idle after r2');
    await new Promise((r) => setTimeout(r, 500));
    await backend.sendText(three.handle, 'Typed just before a crash');
    const typed: DeliveryEntry = {
      deliveryId: 'dlv-r3', agent: 'Agent_3', text: 'Typed just before a crash', state: 'awaiting_confirmation',
      enqueuedAt: new Date().toISOString(), typedAt: new Date().toISOString(), submits: 0, reason: null,
    };
    after.close();
    const third = queueFor(three);
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
    const three = agents.get('Agent_3')!;
    const first = three.named('SessionStart')[0]!;
    await backend.close(three.handle);
    expect(await backend.isAlive(three.handle)).toBe(false);
    three.stop();
    const resumed = await launch('Agent_3', { cwd: first.payload.cwd as string, resumeId: first.claudeSessionId! });
    const start = await waitFor(() => resumed.named('SessionStart').find((e) => e.payload.source === 'resume'), 'SessionStart (resume)', 45_000);
    expect(start.claudeSessionId).toBe(first.claudeSessionId);
    // The resumed conversation still has its history: the model sees the earlier prompts.
    const queue = queueFor(resumed);
    expect((await queue.enqueue({ deliveryId: 'dlv-resumed', agent: 'Agent_3', text: 'Still there after the resume?' }).settled).state).toBe('delivered');
    await waitFor(() => fake.requests.find((r) => r.mainLoop && r.turnPrompt === 'Still there after the resume?'), 'model request');
    const request = fake.requests.find((r) => r.mainLoop && r.turnPrompt === 'Still there after the resume?')!;
    expect(JSON.stringify(request.body?.messages)).toContain('Queued before the restart');
    queue.close();
  });
});
