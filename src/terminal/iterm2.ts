/**
 * TerminalBackend on iTerm2 (macOS): one tab per agent in a hub window, found again by its
 * session unique ID. Scripts come from applescript.ts; they run through `run-applescript`
 * (async) on macOS, or through `osascript -e` via the exec seam when told to (tests run that
 * path against a fake osascript on PATH).
 */
import { HubError, ErrorCodes, isHubError } from '../errors.js';
import { exec as defaultExec, type Exec } from '../exec.js';
import type { OpenSpec, ScreenText, TerminalBackend, TerminalHandle, TerminalInfo } from './backend.js';
import { closeScript, isAliveScript, listScript, openScript, readScreenScript, sendKeysScript, sendTextScript, submitScript } from './applescript.js';

export type RunScript = (script: string) => Promise<string>;

export interface ITerm2BackendOptions {
  /** Runs one AppleScript and returns its result. Default: run-applescript on macOS, else `osascript -e`. */
  readonly runScript?: RunScript;
  readonly platform?: NodeJS.Platform;
  /** For the `osascript -e` path. */
  readonly exec?: Exec;
  readonly osascriptCommand?: string;
  /** Environment of osascript (e.g. a PATH where a fake lives). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Maps what osascript / run-applescript report to actionable HubErrors. */
export function appleScriptError(error: unknown): HubError {
  const text = osascriptComplaint(error);
  if (/-1743|not authori[sz]ed to send apple events/i.test(text)) {
    return new HubError(
      ErrorCodes.AUTOMATION_DENIED,
      'macOS refused to let claude-hub control iTerm2 (error -1743). Allow it in System Settings → Privacy & Security → Automation (the app that runs claude-hub → iTerm2), or use --backend tmux.',
      { cause: error },
    );
  }
  if (/-1728|-10814|-2741|can.t get application|application isn.t running|unable to find application/i.test(text)) {
    return new HubError(ErrorCodes.BACKEND_UNAVAILABLE, 'iTerm2 is not installed or could not be started; install iTerm2 or use --backend tmux.', {
      cause: error,
    });
  }
  if (isHubError(error) && error.code === ErrorCodes.EXEC_FAILED && error.data?.errno === 'ENOENT') {
    return new HubError(ErrorCodes.BACKEND_UNAVAILABLE, 'osascript was not found: the iTerm2 backend needs macOS; use --backend tmux.', { cause: error });
  }
  return new HubError(ErrorCodes.TERMINAL_ERROR, `iTerm2 AppleScript failed: ${text.trim().slice(0, 300)}`, { cause: error });
}

/**
 * What osascript said, never the command line: the script quotes the agent's env (API keys)
 * and the message text being typed, and errors from exec and execFile repeat it in `message`.
 */
function osascriptComplaint(error: unknown): string {
  if (isHubError(error)) {
    if (error.code === ErrorCodes.TIMEOUT) return 'osascript took too long and was stopped';
    if (error.code === ErrorCodes.EXEC_FAILED && error.data?.['args'] !== undefined) {
      const stderr = String(error.data['stderr'] ?? '').trim();
      return stderr || `osascript exited with ${String(error.data['exitCode'] ?? error.data['errno'] ?? 'an error')} and said nothing`;
    }
    return error.message;
  }
  const stderr = (error as { stderr?: unknown } | null)?.stderr;
  if (typeof stderr === 'string' || Buffer.isBuffer(stderr)) return String(stderr).trim() || 'osascript failed and said nothing';
  return error instanceof Error ? error.message : String(error);
}

export class ITerm2Backend implements TerminalBackend {
  readonly name = 'iterm2' as const;
  readonly #runScript: RunScript;

  constructor(options: ITerm2BackendOptions = {}) {
    const platform = options.platform ?? process.platform;
    const viaOsascript = options.exec !== undefined || options.osascriptCommand !== undefined || options.env !== undefined;
    if (options.runScript) {
      this.#runScript = options.runScript;
    } else if (platform === 'darwin' && !viaOsascript) {
      this.#runScript = async (script) => {
        const { runAppleScript } = await import('run-applescript');
        return runAppleScript(script);
      };
    } else if (viaOsascript) {
      const run = options.exec ?? defaultExec;
      const command = options.osascriptCommand ?? 'osascript';
      this.#runScript = async (script) =>
        (await run(command, ['-e', script], { timeoutMs: 15_000, ...(options.env ? { env: options.env } : {}) })).stdout.replace(/\n$/, '');
    } else {
      throw new HubError(ErrorCodes.BACKEND_UNAVAILABLE, `The iTerm2 backend runs on macOS only (this is ${platform}); use --backend tmux.`, {
        data: { platform },
      });
    }
  }

  async #run(script: string): Promise<string> {
    try {
      return await this.#runScript(script);
    } catch (error) {
      throw appleScriptError(error);
    }
  }

  async #onSession(handle: TerminalHandle, script: string, what: string): Promise<string> {
    assertITermHandle(handle);
    const result = await this.#run(script);
    if (result === 'missing') {
      throw new HubError(ErrorCodes.AGENT_EXITED, `Could not ${what}: iTerm2 session ${handle.id} is gone; start a new conversation for this agent.`, {
        data: { handle },
      });
    }
    return result;
  }

  async open(spec: OpenSpec): Promise<TerminalHandle> {
    if (spec.argv.length === 0) throw new HubError(ErrorCodes.INVALID_ARGUMENT, 'An agent needs a command to run (argv is empty).');
    for (const key of Object.keys(spec.env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
        throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Environment variable name ${JSON.stringify(key)} is not valid.`, { data: { key } });
    }
    const result = await this.#run(openScript(spec));
    const [id, windowId] = result.trim().split('\t');
    if (!id) throw new HubError(ErrorCodes.TERMINAL_ERROR, `iTerm2 did not report the new session (got ${JSON.stringify(result)}).`);
    return windowId ? { backend: 'iterm2', id, container: windowId } : { backend: 'iterm2', id };
  }

  async sendText(handle: TerminalHandle, text: string): Promise<void> {
    await this.#onSession(handle, sendTextScript(handle.id, text), 'paste text');
  }

  async submit(handle: TerminalHandle): Promise<void> {
    await this.#onSession(handle, submitScript(handle.id), 'press Return');
  }

  async sendKeys(handle: TerminalHandle, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const script = sendKeysScript(handle.id, keys);
    if (script === null)
      throw new HubError(
        ErrorCodes.INVALID_ARGUMENT,
        `Unknown key in ${JSON.stringify(keys)}; use Enter, Escape, Tab, Up, Down, Left, Right, Space or one letter/digit.`,
      );
    await this.#onSession(handle, script, 'send keys');
  }

  async readScreen(handle: TerminalHandle, lines?: number): Promise<ScreenText> {
    const result = await this.#onSession(handle, readScreenScript(handle.id), 'read the screen');
    const text = result.slice(2).replace(/\n+$/, '');
    if (lines === undefined) return { text };
    if (lines < 1) return { text: '' };
    return {
      text: text
        .split('\n')
        .slice(-Math.max(0, Math.floor(lines)))
        .join('\n'),
    };
  }

  async isAlive(handle: TerminalHandle): Promise<boolean> {
    assertITermHandle(handle);
    return (await this.#run(isAliveScript(handle.id))) === 'alive';
  }

  async close(handle: TerminalHandle): Promise<void> {
    assertITermHandle(handle);
    await this.#run(closeScript(handle.id)); // "missing" is fine: already closed
  }

  async list(): Promise<readonly TerminalInfo[]> {
    const result = await this.#run(listScript());
    const out: TerminalInfo[] = [];
    for (const line of result.split(/\r?\n/)) {
      const [id, windowId, session, agent] = line.split('\t');
      if (!id || !session) continue;
      out.push({ handle: { backend: 'iterm2', id, container: windowId ?? '' }, name: agent ?? '', session, alive: true });
    }
    return out;
  }
}

function assertITermHandle(handle: TerminalHandle): void {
  if (handle.backend !== 'iterm2' || handle.id.trim() === '') {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `${JSON.stringify(handle.id)} is not an iTerm2 session id.`, { data: { handle } });
  }
}
