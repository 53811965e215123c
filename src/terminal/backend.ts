/**
 * What the hub needs from a terminal: open a window/tab running a command, type into it,
 * submit, read its screen, know whether it lives, close it, and find its windows again after
 * a restart. tmux and iTerm2 implement it. (Contract shared by terminal/, agent/ and hub/.)
 */

export type BackendName = 'tmux' | 'iterm2';

/** Enough to find a terminal again after a hub restart; stored in the state file. */
export interface TerminalHandle {
  readonly backend: BackendName;
  /** tmux: pane id `%12`; iTerm2: session unique ID (GUID). */
  readonly id: string;
  /** tmux: `=session:@window`; iTerm2: window id. Informational. */
  readonly container?: string;
}

export interface OpenSpec {
  /** Hub session name (safe characters only are used in terminal names). */
  readonly session: string;
  /** Agent name: the window/tab title. */
  readonly name: string;
  readonly cwd: string;
  /** argv of the process to run; argv[0] is looked up on the env's PATH. */
  readonly argv: readonly string[];
  /** The full environment of the process (not merged with the hub's). */
  readonly env: Readonly<Record<string, string>>;
}

export interface ScreenText {
  /** Visible lines, joined with \n, wrapped lines joined. */
  readonly text: string;
  /** Whether the process behind it still runs, when the backend learns it in the same call (saves an isAlive). */
  readonly alive?: boolean;
}

export interface TerminalInfo {
  readonly handle: TerminalHandle;
  readonly name: string;
  readonly session: string;
  readonly alive: boolean;
}

export interface TerminalBackend {
  readonly name: BackendName;
  open(spec: OpenSpec): Promise<TerminalHandle>;
  /** Types text as ONE bracketed paste; never interprets key names. Text is already sanitized. */
  sendText(handle: TerminalHandle, text: string): Promise<void>;
  /** Presses Enter/Return once. */
  submit(handle: TerminalHandle): Promise<void>;
  /** Sends raw keys by name (e.g. 'Escape', 'Down', '1') — only for answering dialogs. */
  sendKeys(handle: TerminalHandle, keys: readonly string[]): Promise<void>;
  readScreen(handle: TerminalHandle, lines?: number): Promise<ScreenText>;
  isAlive(handle: TerminalHandle): Promise<boolean>;
  close(handle: TerminalHandle): Promise<void>;
  /** Every terminal this backend opened for the hub that still exists (for recovery). */
  list(): Promise<readonly TerminalInfo[]>;
}
