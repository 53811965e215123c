/**
 * A FAKE terminal backend, in memory, for tests of the hub's logic that do not need a real
 * terminal (the real ones, tmux and iTerm2, are tested in test/terminal/ and used by the e2e
 * tests). It implements the whole TerminalBackend contract (src/terminal/backend.ts):
 *
 * - open: records the pane (session, name, cwd, argv, env) and returns a tmux-like handle
 *   (`%<n>`); NO process is started, so nothing runs argv and no Claude Code hook ever fires
 *   unless the test fires it;
 * - sendText: one paste into the pane's prompt box (appended to `input`, kept as given);
 * - submit: Enter: the box's text is handed to `onSubmit`, where a test plays the agent (e.g.
 *   answers with a UserPromptSubmit event); the box is emptied unless onSubmit returns false (an
 *   Enter the agent did not take leaves the text in its box); an empty box submits nothing;
 * - sendKeys: recorded; readScreen: the `screen` text the test sets, the last N lines on request;
 * - liveness: a pane is alive until the test calls exit() (it then stays listed, dead, as tmux's
 *   remain-on-exit keeps it) or close() removes it;
 * - input into a dead or closed pane is refused with AGENT_EXITED, as the hub expects of a gone
 *   pane; closing a gone pane is not an error; a handle of another backend or one that was never
 *   opened is refused with INVALID_ARGUMENT.
 *
 * Every call is recorded in `calls` (`open:<name>`, `paste:<text>`, `submit`, `keys:<k,…>`,
 * `close:<id>`) so a test can assert exactly what was typed, in order.
 */
import { ErrorCodes, HubError } from '../../src/errors.js';
import type { BackendName, OpenSpec, ScreenText, TerminalBackend, TerminalHandle, TerminalInfo } from '../../src/terminal/backend.js';

export interface MemoryPane {
  readonly handle: TerminalHandle;
  readonly spec: OpenSpec;
  alive: boolean;
  /** What readScreen shows (set by the test). */
  screen: string;
  /** Pasted and not yet submitted. */
  input: string;
  /** Every prompt the agent took, in order. */
  readonly submitted: string[];
  /** Every sendKeys call. */
  readonly keys: string[][];
}

export class MemoryTerminal implements TerminalBackend {
  readonly name: BackendName;
  readonly calls: string[] = [];
  /** The agent's side of Enter: called with the pane and the box's text; false = not taken (the text stays). */
  // biome-ignore lint/suspicious/noConfusingVoidType: a test's handler may return nothing (taken)
  onSubmit: ((pane: MemoryPane, prompt: string) => boolean | void) | null = null;
  readonly #panes = new Map<string, MemoryPane>();
  #next = 0;

  constructor(options: { name?: BackendName } = {}) {
    this.name = options.name ?? 'tmux';
  }

  /** The pane behind a handle (open or dead; undefined once closed). */
  pane(handle: TerminalHandle | string): MemoryPane | undefined {
    return this.#panes.get(typeof handle === 'string' ? handle : handle.id);
  }

  /** Panes open now (alive or dead), in the order they were opened. */
  panes(): readonly MemoryPane[] {
    return [...this.#panes.values()];
  }

  /** The pane's process exits: the pane stays, dead. */
  exit(handle: TerminalHandle): void {
    const pane = this.#known(handle);
    if (pane) pane.alive = false;
  }

  async open(spec: OpenSpec): Promise<TerminalHandle> {
    this.#next += 1;
    const handle: TerminalHandle = { backend: this.name, id: `%${this.#next}`, container: `memory-${spec.session}:@${this.#next}` };
    this.#panes.set(handle.id, { handle, spec, alive: true, screen: '', input: '', submitted: [], keys: [] });
    this.calls.push(`open:${spec.name}`);
    return handle;
  }

  async sendText(handle: TerminalHandle, text: string): Promise<void> {
    const pane = this.#living(handle, 'paste text');
    this.calls.push(`paste:${text}`);
    pane.input += text;
  }

  async submit(handle: TerminalHandle): Promise<void> {
    const pane = this.#living(handle, 'press Enter');
    this.calls.push('submit');
    if (pane.input === '') return;
    const prompt = pane.input;
    if (this.onSubmit?.(pane, prompt) === false) return;
    pane.input = '';
    pane.submitted.push(prompt);
  }

  async sendKeys(handle: TerminalHandle, keys: readonly string[]): Promise<void> {
    const pane = this.#living(handle, 'send keys');
    if (keys.length === 0) return;
    this.calls.push(`keys:${keys.join(',')}`);
    pane.keys.push([...keys]);
  }

  async readScreen(handle: TerminalHandle, lines?: number): Promise<ScreenText> {
    const pane = this.#known(handle);
    if (!pane) throw this.#gone(handle, 'read the screen');
    const text = pane.screen.replace(/\n+$/, '');
    if (lines === undefined) return { text };
    if (lines < 1) return { text: '' };
    return { text: text.split('\n').slice(-Math.floor(lines)).join('\n') };
  }

  async isAlive(handle: TerminalHandle): Promise<boolean> {
    this.#check(handle);
    return this.#panes.get(handle.id)?.alive ?? false;
  }

  async close(handle: TerminalHandle): Promise<void> {
    this.#check(handle);
    this.calls.push(`close:${handle.id}`);
    this.#panes.delete(handle.id);
  }

  async list(): Promise<readonly TerminalInfo[]> {
    return this.panes().map((pane) => ({ handle: pane.handle, name: pane.spec.name, session: pane.spec.session, alive: pane.alive }));
  }

  #check(handle: TerminalHandle): void {
    if (handle.backend !== this.name || !/^%\d+$/.test(handle.id) || Number(handle.id.slice(1)) > this.#next) {
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Not a pane of this memory terminal: ${JSON.stringify(handle)}.`, { data: { handle } });
    }
  }

  #known(handle: TerminalHandle): MemoryPane | undefined {
    this.#check(handle);
    return this.#panes.get(handle.id);
  }

  #living(handle: TerminalHandle, what: string): MemoryPane {
    const pane = this.#known(handle);
    if (!pane?.alive) throw this.#gone(handle, what);
    return pane;
  }

  #gone(handle: TerminalHandle, what: string): HubError {
    return new HubError(ErrorCodes.AGENT_EXITED, `Could not ${what}: memory pane ${handle.id} is gone; start a new conversation for this agent.`, {
      data: { handle },
    });
  }
}
