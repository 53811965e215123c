/**
 * The running side of agents: how one is launched into a terminal (what the installed Claude
 * Code accepts, settings file with hooks and guard, appended system prompt, launch spec), how
 * the hub notices its terminal died, and — through ScreenWatch — whether its prompt box is
 * ready or a dialog stands in front of it. The records themselves live in the state store;
 * liveness and dialogs go into the live index.
 */
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HubConfig } from '../config.js';
import type { Logger } from '../log.js';
import { HubError, ErrorCodes, toHubError } from '../errors.js';
import { assembleAgentPrompt } from '../agent/prompt.js';
import { agentEventsFile, buildAgentSettings } from '../agent/settings.js';
import { eventsDirFor } from '../watch/layout.js';
import { buildLaunchSpec } from '../agent/launch.js';
import { AGENT_HOOK_EVENTS } from '../agent/settings.js';
import { hookEventsFor, permissionModeFor, probeClaude, type ClaudeCapabilities } from '../agent/claude-probe.js';
import { compatibilityOf } from '../agent/compat.js';
import { ScreenWatch } from './screens.js';
import { sessionStopFile } from '../agent/settings.js';
import { buildDenyRules, buildGuardHook, buildSandboxSettings, sandboxSupport } from '../security/guard.js';
import { exec } from '../exec.js';
import type { TerminalBackend } from '../terminal/backend.js';
import type { StateStore, Frozen } from '../store/state-store.js';
import { ensurePrivateDir, replaceFileDurably } from '../store/durable-file.js';
import type { AgentRecord, SessionRecord } from '../store/state-schema.js';
import type { LiveIndex } from './index.js';
import type { AgentTerminals } from './terminals.js';
import type { HookEvent, PendingPrompt } from './types.js';

export interface AgentManagerDeps {
  readonly config: HubConfig;
  readonly logger: Logger;
  readonly store: StateStore;
  readonly index: LiveIndex;
  readonly backend: TerminalBackend;
  /** Where each agent's terminal is recorded (set on launch, read to close it and to look at its screen). */
  readonly terminals: AgentTerminals;
  /** The live list of session roots the guard reads. */
  readonly rootsFile: string;
  /** Where the agents' pass-through variables come from (the hub's env). */
  readonly agentEnv: Readonly<Record<string, string | undefined>>;
  /** How often terminals are checked for life. */
  readonly livenessMs?: number;
  /** How long after launch the hub looks for the prompt box (and reports a dialog in front of it). */
  readonly startupWatchMs?: number;
  /**
   * Fence agents' Bash with Claude Code's sandbox: `'auto'` (default) where sandboxSupport()
   * says it can run (probed once per hub), `true` always (an agent then refuses to start where it
   * cannot), `false` never.
   */
  readonly sandbox?: boolean | 'auto';
  /** Known capabilities instead of a probe of `config.claudeCommand` (an in-memory terminal runs no claude). */
  readonly capabilities?: ClaudeCapabilities;
}

type Agent = Frozen<AgentRecord>;
type Session = Frozen<SessionRecord>;

export class AgentManager {
  readonly #deps: AgentManagerDeps;
  readonly #livenessTimer: NodeJS.Timeout;
  /** Whether each agent's prompt box is ready; the delivery queue asks it before typing. */
  readonly screens: ScreenWatch;
  #checking = false;
  #closed = false;
  #sandbox: Promise<boolean> | undefined;
  #capabilities: Promise<ClaudeCapabilities> | undefined;
  /** Told when an agent's prompt box is ready again after a dialog (the delivery queue). */
  #onReady: (agent: string) => void = () => undefined;

  constructor(deps: AgentManagerDeps) {
    this.#deps = deps;
    this.screens = new ScreenWatch({
      index: deps.index,
      terminalOf: (agent) => deps.terminals.of(agent),
      trustsRoot: (sessionId) => deps.store.get().sessions.find((s) => s.id === sessionId)?.trustRoot ?? false,
      onReady: (agent) => this.#onReady(agent),
      logger: deps.logger,
      ...(deps.startupWatchMs !== undefined ? { startupMs: deps.startupWatchMs } : {}),
    });
    this.#livenessTimer = setInterval(() => {
      void this.checkLiveness();
      this.screens.tick();
    }, deps.livenessMs ?? 2000);
    this.#livenessTimer.unref();
  }

  /** Who to tell when a prompt box is ready again (set once by the hub). */
  onPromptBoxReady(listener: (agent: string) => void): void {
    this.#onReady = listener;
  }

  /**
   * What the installed Claude Code is and accepts (claude-probe.ts), probed once per binary;
   * the first call logs its version against the tested range.
   */
  capabilities(): Promise<ClaudeCapabilities> {
    if (this.#deps.capabilities) return Promise.resolve(this.#deps.capabilities);
    if (!this.#capabilities) {
      const { config, agentEnv, logger } = this.#deps;
      const probe = probeClaude(config.claudeCommand, { exec, env: agentEnv, cacheFile: join(config.stateDir, 'claude-capabilities.json') });
      this.#capabilities = probe;
      probe.then(
        (caps) => {
          const compat = compatibilityOf(caps.version ?? '0');
          (compat.status === 'tested' || compat.status === 'between' ? logger.info : logger.warn).call(logger, compat.message, {
            claude: caps.path,
            version: caps.version,
          });
        },
        (error: unknown) => {
          // Not cached: the next launch probes again (the person may install Claude Code meanwhile).
          if (this.#capabilities === probe) this.#capabilities = undefined;
          logger.warn('Claude Code could not be probed; agents cannot start until it can', { error: toHubError(error).message });
        },
      );
    }
    return this.#capabilities;
  }

  settingsFile(agent: Pick<Agent, 'name' | 'session'>): string {
    return join(this.#deps.config.stateDir, 'agents', agent.session, `${agent.name}.settings.json`);
  }

  promptFile(agent: Pick<Agent, 'name' | 'session'>): string {
    return join(this.#deps.config.stateDir, 'agents', agent.session, `${agent.name}.prompt.md`);
  }

  /**
   * Removes what the hub wrote for a deleted agent: its settings, prompt and hook event files.
   * A hook of the dying process may still append one last event; that file is a few bytes and
   * is ignored (events before a launch never count for the next agent of that name).
   */
  async forget(agent: Pick<Agent, 'name' | 'session'>): Promise<void> {
    this.screens.forget(agent.name);
    const files = [this.settingsFile(agent), this.promptFile(agent), agentEventsFile(this.#deps.config.stateDir, agent.session, agent.name)];
    await Promise.all(
      files.map((file) =>
        rm(file, { force: true }).catch((error: unknown) => this.#deps.logger.warn('could not remove an agent file', { file, error: String(error) })),
      ),
    );
  }

  /** Removes the per-session folders of a deleted session (its agents' files and events). */
  async forgetSession(sessionId: string): Promise<void> {
    this.screens.forgetSession(sessionId);
    const dirs = [join(this.#deps.config.stateDir, 'agents', sessionId), eventsDirFor(this.#deps.config.stateDir, sessionId)];
    await Promise.all(
      dirs.map((dir) =>
        rm(dir, { recursive: true, force: true }).catch((error: unknown) =>
          this.#deps.logger.warn('could not remove a session folder', { dir, error: String(error) }),
        ),
      ),
    );
  }

  /**
   * Writes the agent's settings and opens its terminal running `claude` (recorded as the agent's
   * terminal). `resume` continues the conversation `agent.claudeSessionId`; otherwise that id
   * starts a new one.
   */
  async launch(agent: Agent, session: Session, resume: boolean): Promise<void> {
    const { config, store, backend } = this.#deps;
    const state = store.get();
    const otherRoots = state.sessions.filter((s) => s.id !== session.id).map((s) => s.root);
    const caps = await this.capabilities();
    const sandboxed = await this.#useSandbox();
    const permissionMode = agent.launch.permissionMode ? permissionModeFor(agent.launch.permissionMode, caps) : null;
    const settings = buildAgentSettings({
      eventsFile: agentEventsFile(config.stateDir, session.id, agent.name),
      guardHook: buildGuardHook({ root: session.root, rootsFile: this.#deps.rootsFile, stateDir: config.stateDir }),
      stopFile: sessionStopFile(config.stateDir, session.id),
      deny: buildDenyRules(otherRoots),
      permissionMode,
      hookEvents: hookEventsFor(caps, AGENT_HOOK_EVENTS),
      ...(sandboxed ? { sandbox: buildSandboxSettings({ root: session.root, otherRoots, stateDir: config.stateDir }) } : {}),
    });
    const settingsFile = this.settingsFile(agent);
    await ensurePrivateDir(dirname(settingsFile));
    await replaceFileDurably(settingsFile, Buffer.from(JSON.stringify(settings, null, 2) + '\n', 'utf8'), { mode: 0o600 });
    const prompt = await assembleAgentPrompt({
      agentName: agent.name,
      specialization: agent.specialization,
      root: session.root,
      otherAgents: state.agents.filter((a) => a.session === session.id && a.name !== agent.name).map((a) => a.name),
      userSuffix: agent.systemPromptSuffix,
    });
    const promptFile = this.promptFile(agent);
    await replaceFileDurably(promptFile, Buffer.from(prompt, 'utf8'), { mode: 0o600 });
    if (agent.claudeSessionId === null) throw new HubError(ErrorCodes.INTERNAL, `${agent.name} has no Claude session id to launch with.`);
    const spec = buildLaunchSpec({
      claudeCommand: config.claudeCommand,
      agentName: agent.name,
      hubSession: session.id,
      claudeSessionId: agent.claudeSessionId,
      resume,
      promptFile,
      settingsFile,
      root: session.root,
      permissionMode: agent.launch.permissionMode,
      model: agent.launch.model,
      extraArgs: agent.launch.extraArgs,
      baseEnv: this.#deps.agentEnv,
      passEnv: config.agentEnvNames,
      capabilities: caps,
    });
    // Until the new process speaks, the agent is `starting`, whatever its last process said.
    this.#deps.index.markLaunched(session.id, agent.name);
    const handle = await backend.open({ session: session.id, name: agent.name, cwd: spec.cwd, argv: spec.argv, env: spec.env });
    await this.#deps.terminals.set(session.id, agent.name, handle);
    this.screens.afterLaunch(session.id, agent.name);
  }

  /** Whether agents get the Bash sandbox; in `auto` mode probed once (with the agents' PATH) and logged. */
  #useSandbox(): Promise<boolean> {
    const mode = this.#deps.sandbox ?? 'auto';
    if (mode !== 'auto') return Promise.resolve(mode);
    this.#sandbox ??= sandboxSupport(process.platform, { PATH: this.#deps.agentEnv.PATH }, exec).then((support) => {
      if (support.available) this.#deps.logger.info("agents run Bash in Claude Code's sandbox", { reason: support.reason });
      else
        this.#deps.logger.warn("agents run Bash WITHOUT a sandbox: it can reach other sessions' files", { reason: support.reason, missing: support.missing });
      return support.available;
    });
    return this.#sandbox;
  }

  async close(name: string): Promise<void> {
    const terminal = this.#deps.terminals.of(name);
    if (!terminal) return;
    await terminal.backend.close(terminal.handle).catch((error: unknown) => {
      // A terminal that is already gone is what we wanted.
      this.#deps.logger.debug('terminal close failed', { agent: name, error: String(error) });
    });
  }

  /** Asks the backend which terminals live and tells the index. One backend call for all agents. */
  async checkLiveness(): Promise<void> {
    if (this.#checking || this.#closed) return;
    const agents = this.#deps.store.get().agents.filter((a) => a.terminal !== null);
    if (agents.length === 0) return;
    this.#checking = true;
    try {
      const living = new Map((await this.#deps.backend.list()).map((t) => [t.handle.id, t.alive] as const));
      for (const agent of agents) {
        if (!agent.terminal || agent.terminal.backend !== this.#deps.backend.name) {
          this.#deps.index.setTerminalAlive(agent.session, agent.name, false);
          continue;
        }
        this.#deps.index.setTerminalAlive(agent.session, agent.name, living.get(agent.terminal.id) ?? false);
      }
    } catch (error) {
      this.#deps.logger.debug('liveness check failed', { error: toHubError(error).message });
    } finally {
      this.#checking = false;
    }
  }

  /** A hook event: the screen watch looks where a dialog may have come up. */
  onHookEvent(event: HookEvent): void {
    this.screens.onHookEvent(event);
  }

  setPendingPrompt(sessionId: string, name: string, prompt: PendingPrompt | null): void {
    this.#deps.index.setAgentRuntime(sessionId, name, { pendingPrompt: prompt });
  }

  shutdown(): void {
    this.#closed = true;
    clearInterval(this.#livenessTimer);
    this.screens.close();
  }
}
