/**
 * What is on an agent's screen, for the tools: read_agent_output (its last lines) and
 * answer_agent_prompt (answer the dialog in front of its prompt box, step by step on the live
 * terminal, and show what comes after). Also the rule that work going on means a dialog is
 * gone. Watching the screen for readiness and dialogs is screens.ts.
 */
import { HubError, ErrorCodes } from '../errors.js';
import { answerDialog } from '../screen/terminal.js';
import { validateChoice, validateLineCount } from '../security/validate.js';
import type { LiveIndex } from './index.js';
import type { AgentManager } from './agents.js';
import type { Records } from './records.js';
import type { AgentTerminals } from './terminals.js';
import type { AnsweredPrompt, Caller } from './api.js';
import type { HookEvent, PendingPrompt } from './types.js';
import { optionalSession, READ_ONLY, type ToolRunner } from './tool-call.js';

/** The agents' screen part of HubApi. */
export interface AgentScreenCalls {
  /** Answers the dialog on the agent's screen; `now` is what the screen shows afterwards. */
  answerPrompt(caller: Caller, agentName: string, choice: string): Promise<AnsweredPrompt>;
  readAgentOutput(caller: Caller, agentName: string, lines: number): Promise<{ agent: string; alive: boolean; text: string }>;
}

/** The screen tool calls, each audited by `run`. */
export function agentScreenCalls(screen: AgentScreen, records: Records, run: ToolRunner): AgentScreenCalls {
  const sessionOf = (name: string) => optionalSession(records.agentRecord(name)?.session);
  return {
    answerPrompt: (caller, name, choice) =>
      run(
        caller,
        'answer_agent_prompt',
        { agent_name: name, choice },
        () => screen.answer(name, choice),
        () => sessionOf(name),
      ),
    readAgentOutput: (caller, name, lines) =>
      run(
        caller,
        'read_agent_output',
        { agent_name: name, lines },
        () => screen.read(name, lines),
        (out) => ({ agent: out.agent, ...sessionOf(out.agent) }),
        READ_ONLY,
      ),
  };
}

/** Hook events that mean the agent is past any dialog: it took a prompt or ran a tool. */
const CLEARS_DIALOG: ReadonlySet<string> = new Set(['UserPromptSubmit', 'PostToolUse', 'PostToolUseFailure', 'ElicitationResult', 'SessionEnd']);

export class AgentScreen {
  readonly #deps: { readonly records: Records; readonly terminals: AgentTerminals; readonly index: LiveIndex; readonly agents: AgentManager };

  constructor(deps: { readonly records: Records; readonly terminals: AgentTerminals; readonly index: LiveIndex; readonly agents: AgentManager }) {
    this.#deps = deps;
  }

  /**
   * Work going on means a dialog in front of the box is gone (answered in the terminal, or by
   * us); the events that can bring one (SessionStart, Stop, PermissionRequest, …) are followed
   * by a look at the screen instead.
   */
  onHookEvent(event: HookEvent): void {
    if (CLEARS_DIALOG.has(event.event)) this.#deps.agents.setPendingPrompt(event.session, event.agent, null);
    this.#deps.agents.onHookEvent(event);
  }

  async answer(agentName: string, choice: string): Promise<AnsweredPrompt> {
    const agent = this.#deps.records.agent(agentName);
    const wanted = validateChoice(choice);
    const terminal = this.#deps.terminals.of(agent.name);
    if (!terminal)
      throw new HubError(ErrorCodes.AGENT_EXITED, `${agent.name} has no terminal; start_new_agent_conversation opens one.`, { data: { agent: agent.name } });
    if (!(await terminal.backend.isAlive(terminal.handle))) {
      throw new HubError(ErrorCodes.AGENT_EXITED, `${agent.name} has exited; start_new_agent_conversation reopens it.`, { data: { agent: agent.name } });
    }
    // The screen now is the truth about which dialog is up (the index may know an older one).
    const result = await answerDialog(terminal, wanted, { label: agent.name });
    const since = this.#deps.index.agentView(agent.session, agent.name).pendingPrompt?.since ?? new Date().toISOString();
    const answered: PendingPrompt =
      result.menu.state === 'menu'
        ? { kind: result.menu.kind, question: result.menu.question, choices: result.menu.choices, since }
        : { kind: 'onboarding', question: result.menu.question, choices: [{ number: 1, label: 'Continue' }], since };
    // What the screen shows now goes on the agent (the box, or the next dialog).
    this.#deps.agents.setPendingPrompt(agent.session, agent.name, null);
    await this.#deps.agents.screens.check(agent.name, true);
    const after = result.after;
    return {
      agent: agent.name,
      answered,
      choice: { number: result.choice.number, label: result.choice.label },
      now:
        after.state === 'menu'
          ? { state: after.state, question: after.question }
          : after.state === 'press_enter'
            ? { state: after.state, question: after.question }
            : { state: after.state, question: null },
    };
  }

  /** The last `lines` lines of the agent's screen (nothing when its terminal is gone). */
  async read(agentName: string, lines: number): Promise<{ agent: string; alive: boolean; text: string }> {
    const agent = this.#deps.records.agent(agentName);
    const count = validateLineCount(lines);
    const terminal = this.#deps.terminals.of(agent.name);
    if (!terminal) return { agent: agent.name, alive: false, text: '' };
    const alive = await terminal.backend.isAlive(terminal.handle);
    if (!alive) return { agent: agent.name, alive: false, text: '' };
    const screen = await terminal.backend.readScreen(terminal.handle, count);
    const all = screen.text.replace(/\s+$/, '').split('\n');
    return { agent: agent.name, alive, text: all.slice(-count).join('\n') };
  }
}
