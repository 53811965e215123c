/**
 * Real Claude Code agents driven through the hub's OWN parts, without the rest of the hub: the
 * launch spec checked against the release (claude-probe), per-agent settings and hooks, the
 * live index (its chokidar watcher tails the agents' hook event files), the screen watch, and
 * the delivery queue. Status, hook events and readiness come from the same code the hub runs,
 * so a test or a benchmark built on this measures the hub's path, not a copy of it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { LiveIndex } from '../../src/hub/index.js';
import { ScreenWatch } from '../../src/hub/screens.js';
import { DeliveryQueue, type DeliveryEntry } from '../../src/hub/delivery.js';
import { buildLaunchSpec } from '../../src/agent/launch.js';
import { AGENT_HOOK_EVENTS, agentEventsFile, buildAgentSettings } from '../../src/agent/settings.js';
import { assembleAgentPrompt } from '../../src/agent/prompt.js';
import { hookEventsFor, permissionModeFor, probeClaude, type ClaudeCapabilities } from '../../src/agent/claude-probe.js';
import { exec } from '../../src/exec.js';
import { silentLogger } from '../../src/log.js';
import type { TerminalBackend, TerminalHandle } from '../../src/terminal/backend.js';
import type { AgentStatus, HookEvent } from '../../src/hub/types.js';

export interface RigAgent {
  readonly name: string;
  readonly handle: TerminalHandle;
  readonly eventsFile: string;
  readonly claudeSessionId: string;
  /** Every hook event of this agent, as the index read them, in order. */
  readonly events: HookEvent[];
  named(event: string): HookEvent[];
  status(): AgentStatus | null;
}

export interface LaunchOptions {
  readonly cwd?: string;
  readonly permissionMode?: string;
  readonly resumeId?: string;
  /** Another world for this agent (e.g. a HOME whose settings say acceptEdits). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Rig {
  readonly index: LiveIndex;
  readonly screens: ScreenWatch;
  readonly capabilities: ClaudeCapabilities;
  launch(name: string, options?: LaunchOptions): Promise<RigAgent>;
  agent(name: string): RigAgent;
  /** A delivery queue as the hub builds it (readiness from the screen watch). */
  queue(onQueueChanged?: (snapshot: readonly DeliveryEntry[]) => void): DeliveryQueue;
  close(): Promise<void>;
}

export async function createRig(input: {
  readonly backend: TerminalBackend;
  readonly claudeBin: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stateDir: string;
  readonly root: string;
  readonly session: string;
}): Promise<Rig> {
  const { backend, stateDir, session } = input;
  const capabilities = await probeClaude(input.claudeBin, { exec, env: input.env });
  const index = new LiveIndex({ stateDir, defaultBackend: backend.name, logger: silentLogger });
  await index.addSession({ id: session, name: session, root: input.root, agents: [] });
  const agents = new Map<string, RigAgent>();
  const queues = new Set<DeliveryQueue>();
  const screens = new ScreenWatch({
    index,
    terminalOf: (name) => {
      const agent = agents.get(name);
      return agent ? { backend, handle: agent.handle } : null;
    },
    trustsRoot: () => false,
    onReady: (name) => {
      for (const queue of queues) queue.kick(name);
    },
    logger: silentLogger,
  });
  const offHooks = index.onHookEvent((event) => {
    agents.get(event.agent)?.events.push(event);
    screens.onHookEvent(event);
  });
  const ticker = setInterval(() => screens.tick(), 500);

  async function launch(name: string, options: LaunchOptions = {}): Promise<RigAgent> {
    const cwd = options.cwd ?? input.root;
    const eventsFile = agentEventsFile(stateDir, session, name);
    const settingsFile = join(stateDir, 'agents', `${name}.settings.json`);
    await mkdir(join(stateDir, 'agents'), { recursive: true });
    const permissionMode = options.permissionMode ? permissionModeFor(options.permissionMode, capabilities) : null;
    await writeFile(
      settingsFile,
      JSON.stringify(buildAgentSettings({ eventsFile, permissionMode, hookEvents: hookEventsFor(capabilities, AGENT_HOOK_EVENTS) })),
    );
    const promptFile = join(stateDir, 'agents', `${name}.prompt.md`);
    await writeFile(promptFile, await assembleAgentPrompt({ agentName: name, specialization: 'a careful tester', root: cwd, otherAgents: [...agents.keys()] }));
    const claudeSessionId = options.resumeId ?? randomUUID();
    const spec = buildLaunchSpec({
      claudeCommand: input.claudeBin,
      agentName: name,
      hubSession: session,
      claudeSessionId,
      resume: options.resumeId !== undefined,
      promptFile,
      settingsFile,
      root: cwd,
      permissionMode: options.permissionMode ?? null,
      baseEnv: options.env ?? input.env,
      capabilities,
    });
    const known = [...agents.keys()].filter((n) => n !== name).map((n) => ({ name: n, specialization: null }));
    index.setAgents(session, [...known, { name, specialization: null }]);
    index.markLaunched(session, name);
    const handle = await backend.open({ session, name, cwd: spec.cwd, argv: spec.argv, env: spec.env });
    const events: HookEvent[] = [];
    const agent: RigAgent = {
      name,
      handle,
      eventsFile,
      claudeSessionId,
      events,
      named: (event) => events.filter((e) => e.event === event),
      status: () => index.getStatus(name),
    };
    agents.set(name, agent);
    index.setAgentRuntime(session, name, { backend: backend.name, terminal: handle, terminalAlive: true, pendingPrompt: null });
    screens.attach(session, name);
    screens.afterLaunch(session, name);
    return agent;
  }

  return {
    index,
    screens,
    capabilities,
    launch,
    agent: (name) => {
      const agent = agents.get(name);
      if (!agent) throw new Error(`no agent ${name} in this rig`);
      return agent;
    },
    queue(onQueueChanged) {
      const queue = new DeliveryQueue({
        ...(onQueueChanged ? { onQueueChanged } : {}),
        terminals: {
          terminalOf: (name) => {
            const agent = agents.get(name);
            return agent ? { backend, handle: agent.handle } : null;
          },
        },
        status: index,
        hooks: index,
        readiness: screens,
        confirmTimeoutMs: 3000,
      });
      queues.add(queue);
      const close = queue.close.bind(queue);
      queue.close = () => {
        queues.delete(queue);
        close();
      };
      return queue;
    },
    async close() {
      clearInterval(ticker);
      offHooks();
      for (const queue of queues) queue.close();
      screens.close();
      await index.close();
    },
  };
}
