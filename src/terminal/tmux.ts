/**
 * TerminalBackend on tmux: one tmux session per hub session (`hub-<name>`), one window per
 * agent, addressed by pane id (`%N`) only. The agent's process runs under `env -i` with
 * exactly the environment it was given, never the tmux server's.
 *
 * What delivery does on every message (look at the screen, ask whether the pane lives, paste,
 * press Enter) goes through one persistent control-mode client (tmux-control.ts: ~0.1 ms a
 * command instead of a process start); everything else, and those too when control mode cannot
 * serve, is one tmux client invocation per call (commands chained with `;`).
 */
import { randomBytes } from 'node:crypto';
import { HubError, ErrorCodes, isHubError } from '../errors.js';
import { exec as defaultExec, type Exec, type ExecResult } from '../exec.js';
import type { OpenSpec, ScreenText, TerminalBackend, TerminalHandle, TerminalInfo } from './backend.js';
import { TmuxControl } from './tmux-control.js';
import { sleep } from '../sleep.js';

export interface TmuxBackendOptions {
  /** `tmux -L <socket>`; null/undefined = the default server. */
  readonly socket?: string | null;
  readonly exec?: Exec;
  readonly tmuxCommand?: string;
  /** Environment of the tmux client (and of a server it starts). Default: a trimmed copy of the hub's. */
  readonly clientEnv?: NodeJS.ProcessEnv;
  /**
   * Run the hot-path commands through a persistent control-mode client. Default: on, unless
   * `exec` is given (a test that records the tmux calls sees every one).
   */
  readonly controlMode?: boolean;
}

export const TMUX_SESSION_PREFIX = 'hub-';
const SESSION_OPTION = '@hub-session';
const AGENT_OPTION = '@hub-agent';
const FIELD_SEPARATOR = '\u001f';

/** `hub-<session>` with every character outside [A-Za-z0-9_-] replaced (tmux treats `.` and `:` as target syntax). */
export function tmuxSessionName(hubSession: string): string {
  const safe = hubSession.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60);
  return `${TMUX_SESSION_PREFIX}${safe || '_'}`;
}

/** Window titles: same rule, so a name never becomes a target expression. */
export function tmuxWindowName(agent: string): string {
  return agent.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60) || '_';
}

/** Only what the tmux client itself needs; panes never see it (they run under `env -i`). */
export function tmuxClientEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'USER', 'LOGNAME', 'TMPDIR', 'TMUX_TMPDIR', 'TMUX', 'TERM', 'LANG', 'LC_ALL', 'LC_CTYPE'];
  const out: NodeJS.ProcessEnv = {};
  for (const key of keep) if (env[key] !== undefined) out[key] = env[key];
  return out;
}

/** argv for the pane: `env -i K=V … argv…` so the process gets exactly `env`. */
export function paneCommand(spec: Pick<OpenSpec, 'argv' | 'env'>): string[] {
  if (spec.argv.length === 0) throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'An agent needs a command to run (argv is empty).');
  const vars = Object.entries(spec.env).map(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Environment variable name ${JSON.stringify(key)} is not valid.`, { data: { key } });
    }
    return `${key}=${value}`;
  });
  // `--` would be read by env as the command on some platforms; argv[0] never starts with '-' here.
  return ['/usr/bin/env', '-i', ...vars, ...spec.argv];
}

function assertPaneId(handle: TerminalHandle): string {
  if (handle.backend !== 'tmux' || !/^%\d+$/.test(handle.id)) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `${JSON.stringify(handle.id)} is not a tmux pane id (%N).`, { data: { handle } });
  }
  return handle.id;
}

/** The tmux session a handle's pane lives in (`hub-x` of `hub-x:@3`), for the control client to attach to. */
function sessionOf(handle: TerminalHandle): string | null {
  const session = handle.container?.split(':')[0]?.replace(/^=/, '');
  return session ? session : null;
}

/** `#{pane_id} #{pane_dead}` of a pane: alive only when tmux answered for that very pane (it may fall back to another). */
function aliveFrom(pane: string, line: string | undefined): boolean {
  const [id, dead] = (line ?? '').trim().split(' ');
  return id === pane && dead === '0';
}

function isServerGone(error: unknown): boolean {
  return isHubError(error) && /server exited unexpectedly|lost server/i.test(String((error.data as Partial<ExecResult> | undefined)?.stderr ?? ''));
}

function isMissingTarget(error: unknown): boolean {
  if (!isHubError(error)) return false;
  const stderr = String((error.data as Partial<ExecResult> | undefined)?.stderr ?? '');
  return /can't find (pane|window|session)|no server running|error connecting to|no such file or directory/i.test(stderr);
}

export class TmuxBackend implements TerminalBackend {
  readonly name = 'tmux' as const;
  readonly #socket: string | null;
  readonly #run: Exec;
  readonly #command: string;
  readonly #clientEnv: NodeJS.ProcessEnv;
  readonly #control: TmuxControl | null;

  constructor(options: TmuxBackendOptions = {}) {
    this.#socket = options.socket ?? null;
    this.#run = options.exec ?? defaultExec;
    this.#command = options.tmuxCommand ?? 'tmux';
    this.#clientEnv = options.clientEnv ?? tmuxClientEnv(process.env);
    const control = options.controlMode ?? options.exec === undefined;
    this.#control = control ? new TmuxControl({ command: this.#command, baseArgs: this.#baseArgs(), env: this.#clientEnv }) : null;
  }

  #baseArgs(): string[] {
    return this.#socket === null ? ['-u'] : ['-u', '-L', this.#socket];
  }

  /** Ends the control-mode client (it also ends by itself with its session or the hub). */
  dispose(): void {
    this.#control?.close();
  }

  /**
   * The commands through the control client: each one's output, or null (run them the slow
   * way). A call that must not run twice (typing) is never repeated after an uncertain reply.
   */
  async #fast(handle: TerminalHandle, commands: readonly (readonly string[])[], repeatable: boolean): Promise<string[] | null> {
    const session = sessionOf(handle);
    if (!this.#control || !session) return null;
    try {
      const outputs = await this.#control.run(session, commands);
      return outputs ? outputs.map((lines) => lines.join('\n')) : null;
    } catch (error) {
      if (repeatable && isHubError(error) && error.data?.uncertain === true) return null;
      throw error;
    }
  }

  async #tmux(args: readonly string[], options: { input?: string; allowFailure?: boolean } = {}): Promise<ExecResult> {
    try {
      return await this.#run(this.#command, [...this.#baseArgs(), ...args], {
        env: this.#clientEnv,
        timeoutMs: 10_000,
        ...(options.input === undefined ? {} : { input: options.input }),
        ...(options.allowFailure ? { allowFailure: true } : {}),
      });
    } catch (error) {
      if (isHubError(error) && error.code === ErrorCodes.EXEC_FAILED && error.data?.errno === 'ENOENT') {
        throw new HubError(ErrorCodes.BACKEND_UNAVAILABLE, `tmux (${this.#command}) is not installed or not on PATH; install tmux or choose another backend.`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async #sessionExists(session: string): Promise<boolean> {
    const result = await this.#tmux(['has-session', '-t', `=${session}`], { allowFailure: true });
    return result.exitCode === 0;
  }

  async open(spec: OpenSpec): Promise<TerminalHandle> {
    const session = tmuxSessionName(spec.session);
    const window = tmuxWindowName(spec.name);
    const command = paneCommand(spec);
    // Options are set in the same client call, on the window new-window just made current,
    // so a process that exits at once still leaves a dead pane behind.
    const after = [
      ';',
      'set-option',
      '-w',
      'remain-on-exit',
      'on',
      ';',
      'set-option',
      '-w',
      AGENT_OPTION,
      spec.name,
      ';',
      'set-option',
      SESSION_OPTION,
      spec.session,
      ';',
      'display-message',
      '-p',
      `#{pane_id}${FIELD_SEPARATOR}#{session_name}:#{window_id}`,
    ];
    const create = (): string[] => ['new-session', '-d', '-s', session, '-n', window, '-x', '200', '-y', '50', '-c', spec.cwd, '--', ...command, ...after];
    const add = (): string[] => ['new-window', '-t', `=${session}:`, '-n', window, '-c', spec.cwd, '--', ...command, ...after];
    const openOnce = async (): Promise<ExecResult> => {
      if (await this.#sessionExists(session)) return this.#tmux(add());
      try {
        return await this.#tmux(create());
      } catch (error) {
        // Another open created the session in between: add a window to it instead.
        if (!(isHubError(error) && /duplicate session/i.test(String(error.data?.stderr ?? '')))) throw error;
        return this.#tmux(add());
      }
    };
    let result: ExecResult;
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          result = await openOnce();
          break;
        } catch (error) {
          // The last window just closed takes its server down a moment later: a client that
          // reaches the dying server hears "server exited unexpectedly", and nothing of it is
          // left to double. Start afresh on a new server.
          if (attempt >= 3 || !isServerGone(error)) throw error;
          await sleep(50 * attempt);
        }
      }
    } catch (error) {
      throw this.#launchError(error);
    }
    const line = result.stdout.trim().split('\n').pop() ?? '';
    const [id, container] = line.split(FIELD_SEPARATOR);
    if (!id || !/^%\d+$/.test(id)) {
      throw new HubError(ErrorCodes.TERMINAL_ERROR, `tmux did not report the new pane (got ${JSON.stringify(result.stdout)}).`, {
        data: { stdout: result.stdout },
      });
    }
    return container ? { backend: 'tmux', id, container } : { backend: 'tmux', id };
  }

  async sendText(handle: TerminalHandle, text: string): Promise<void> {
    const pane = assertPaneId(handle);
    // tmux 3.3a's server crashes on a paste into a dead pane (remain-on-exit keeps it), taking
    // every agent with it; send-keys does not. Asked in its own call (an if-shell in the same
    // command list does not stop the crash); the gap left is the few ms between the two calls.
    const state = ['display-message', '-p', '-t', pane, '#{pane_dead} #{pane_in_mode}'];
    const [dead, inMode] = (
      await this.#guard(
        this.#fast(handle, [state], true).then(async (out) => out?.[0] ?? (await this.#tmux(state)).stdout),
        handle,
        'check the pane',
      )
    )
      .trim()
      .split(' ');
    if (dead === '1') {
      throw new HubError(ErrorCodes.AGENT_EXITED, `tmux pane ${pane} is gone (its process exited); nothing was typed.`, { data: { pane } });
    }
    const buffer = `hub-${randomBytes(6).toString('hex')}`;
    const paste = ['paste-buffer', '-p', '-d', '-b', buffer, '-t', pane];
    // Control mode has no stdin for load-buffer: the text goes as set-buffer's quoted argument.
    // A pane in copy mode would swallow the paste (no if-shell here: its command would add a reply block).
    const typing = [...(inMode === '1' ? [['send-keys', '-t', pane, '-X', 'cancel']] : []), ['set-buffer', '-b', buffer, '--', text], paste];
    if (await this.#guard(this.#fast(handle, typing, false), handle, 'paste text')) return;
    await this.#guard(
      this.#tmux(
        [
          // A pane in copy mode would swallow the paste.
          'if-shell',
          '-F',
          '-t',
          pane,
          '#{pane_in_mode}',
          `send-keys -t ${pane} -X cancel`,
          ';',
          'load-buffer',
          '-b',
          buffer,
          '-',
          ';',
          'paste-buffer',
          '-p',
          '-d',
          '-b',
          buffer,
          '-t',
          pane,
        ],
        { input: text },
      ),
      handle,
      'paste text',
    );
  }

  async submit(handle: TerminalHandle): Promise<void> {
    const pane = assertPaneId(handle);
    const enter = ['send-keys', '-t', pane, 'Enter'];
    await this.#guard(
      this.#fast(handle, [enter], false).then(async (out) => out ?? (await this.#tmux(enter))),
      handle,
      'press Enter',
    );
  }

  async sendKeys(handle: TerminalHandle, keys: readonly string[]): Promise<void> {
    const pane = assertPaneId(handle);
    if (keys.length === 0) return;
    const send = ['send-keys', '-t', pane, ...keys];
    await this.#guard(
      this.#fast(handle, [send], false).then(async (out) => out ?? (await this.#tmux(send))),
      handle,
      'send keys',
    );
  }

  /** The screen, and in the same call whether the pane's process still runs (`alive`). */
  async readScreen(handle: TerminalHandle, lines?: number): Promise<ScreenText> {
    const pane = assertPaneId(handle);
    const range = lines === undefined ? [] : ['-S', String(-Math.max(0, Math.floor(lines)))];
    const state = ['display-message', '-p', '-t', pane, '#{pane_id} #{pane_dead}'];
    const capture = ['capture-pane', '-p', '-J', ...range, '-t', pane];
    const [stateLine, captured] = await this.#guard(
      this.#fast(handle, [state, capture], true).then(async (out) => {
        if (out) return [out[0], out[1] ?? ''] as const;
        const stdout = (await this.#tmux([...state, ';', ...capture])).stdout;
        const newline = stdout.indexOf('\n');
        return [stdout.slice(0, newline), stdout.slice(newline + 1)] as const;
      }),
      handle,
      'read the screen',
    );
    const alive = aliveFrom(pane, stateLine);
    const text = captured.replace(/\n+$/, '');
    // With `lines`: the last N non-trailing-blank lines of history + screen (like iTerm2's).
    if (lines === undefined) return { text, alive };
    if (lines < 1) return { text: '', alive };
    return { text: text.split('\n').slice(-Math.floor(lines)).join('\n'), alive };
  }

  async isAlive(handle: TerminalHandle): Promise<boolean> {
    const pane = assertPaneId(handle);
    const state = ['display-message', '-p', '-t', pane, '#{pane_id} #{pane_dead}'];
    try {
      const out = (await this.#fast(handle, [state], true))?.[0] ?? (await this.#tmux(state)).stdout;
      // display-message on a vanished pane may fall back to another one: check the id.
      return aliveFrom(pane, out);
    } catch (error) {
      if (isMissingTarget(error)) return false;
      throw this.#wrap(error, 'check the pane');
    }
  }

  async close(handle: TerminalHandle): Promise<void> {
    const pane = assertPaneId(handle);
    try {
      await this.#tmux(['kill-window', '-t', pane]);
    } catch (error) {
      if (isMissingTarget(error)) return;
      throw this.#wrap(error, 'close the window');
    }
  }

  async list(): Promise<readonly TerminalInfo[]> {
    const format = ['#{pane_id}', '#{session_name}', '#{window_id}', '#{pane_dead}', `#{${SESSION_OPTION}}`, `#{${AGENT_OPTION}}`, '#{window_name}'].join(
      FIELD_SEPARATOR,
    );
    let result: ExecResult;
    try {
      result = await this.#tmux(['list-panes', '-a', '-F', format]);
    } catch (error) {
      if (isMissingTarget(error)) return [];
      throw this.#wrap(error, 'list panes');
    }
    const out: TerminalInfo[] = [];
    for (const line of result.stdout.split('\n')) {
      const [id, tmuxSession, windowId, dead, hubSession, agent, windowName] = line.split(FIELD_SEPARATOR);
      if (!id || !tmuxSession?.startsWith(TMUX_SESSION_PREFIX)) continue;
      out.push({
        handle: { backend: 'tmux', id, container: `${tmuxSession}:${windowId ?? ''}` },
        name: agent || windowName || '',
        session: hubSession || tmuxSession.slice(TMUX_SESSION_PREFIX.length),
        alive: dead === '0',
      });
    }
    return out;
  }

  async #guard<T>(promise: Promise<T>, handle: TerminalHandle, what: string): Promise<T> {
    try {
      return await promise;
    } catch (error) {
      if (isMissingTarget(error)) {
        throw new HubError(ErrorCodes.AGENT_EXITED, `Could not ${what}: tmux pane ${handle.id} is gone; start a new conversation for this agent.`, {
          data: { handle },
          cause: error,
        });
      }
      throw this.#wrap(error, what);
    }
  }

  /**
   * The launch command line carries the agent's env (API keys) and prompt: an exec error quotes
   * it in its message and data, so only tmux's own stderr may go on from here.
   */
  #launchError(error: unknown): HubError {
    if (isHubError(error) && error.code === ErrorCodes.TIMEOUT) {
      return new HubError(ErrorCodes.TIMEOUT, "tmux did not open the agent's window within 10 s; check that the tmux server answers (tmux ls).", {
        cause: error,
      });
    }
    return this.#wrap(error, 'open a window');
  }

  #wrap(error: unknown, what: string): HubError {
    if (isHubError(error) && error.code !== ErrorCodes.EXEC_FAILED) return error;
    const detail = isHubError(error) ? String(error.data?.stderr ?? error.message).trim() : String(error);
    return new HubError(ErrorCodes.TERMINAL_ERROR, `tmux could not ${what}: ${detail.slice(0, 300)}`, { cause: error });
  }
}
