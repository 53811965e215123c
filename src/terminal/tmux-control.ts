/**
 * One persistent tmux control-mode client (`tmux -C attach-session -f ignore-size,no-output`):
 * commands go down its stdin, one per line, and each comes back as a `%begin … %end` block on
 * its stdout. A command then costs about 0.1 ms instead of a tmux process start (3–5 ms), which
 * is most of what a delivery's look, paste and Enter used to cost (docs/performance.md).
 *
 * Contract:
 * - `run(session, commands)` runs argv-style commands (quoted here; never a shell) and returns
 *   each one's output lines, or null when control mode cannot serve the call right now: tmux
 *   older than 3.2 (no client flags), no such session to attach to, a client that died. The
 *   caller then runs the same commands the slow way. A command tmux refuses (`%error`) throws
 *   HubError EXEC_FAILED with tmux's message as `stderr`, exactly as a failed tmux process does.
 * - The client is attached to one of the hub's sessions (any session serves commands with an
 *   explicit `-t`); it never changes a window's size (`ignore-size`) nor receives pane output
 *   (`no-output`). When that session ends, tmux ends the client; the next call starts another.
 *
 * Why a nonce: a reply is the lines between a %begin and the %end with the SAME time, number and
 * flags, and a screen capture carries text an agent drew, which could hold a line shaped like a
 * guard. So every request ends with `display-message -p <random nonce>`, and a request's replies
 * count only once that block arrives intact right after them. A line out of place closes the
 * client (the request answers null, and the caller falls back): a forged guard can cut a reply
 * short, never pass one off.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { HubError, ErrorCodes } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';

export interface TmuxControlOptions {
  readonly command: string;
  /** `-u` and `-L <socket>` as the backend uses them. */
  readonly baseArgs: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** A request with no complete reply after this long closes the client. Default 10 s. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

interface Block {
  readonly ok: boolean;
  readonly lines: readonly string[];
}

/** A request's fate: its blocks; never sent (run it another way); or sent with no trustworthy reply (it may have run). */
type Reply = Block[] | 'unsent' | 'broken';

interface Pending {
  /** One block per command, then the nonce's. */
  readonly commands: number;
  readonly nonce: string;
  readonly blocks: Block[];
  readonly resolve: (reply: Reply) => void;
  readonly timer: NodeJS.Timeout;
}

/** Quotes one argument for tmux's command parser: double quotes, with `\`, `"`, `$` and control characters escaped. */
export function quoteTmuxArgument(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === '"' || ch === '$') out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** One command line for control mode; each argument quoted (names and flags too: the parser takes them alike). */
export function tmuxCommandLine(argv: readonly string[]): string {
  return argv.map(quoteTmuxArgument).join(' ');
}

class ControlClient {
  readonly session: string;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending: Pending[] = [];
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  #buffer = '';
  /** The attach command's own block comes first; it belongs to no request. */
  #attached = false;
  /** The open block's guard (`T N F`) and its lines. */
  #block: { guard: string; lines: string[] } | null = null;
  #closed = false;
  readonly ready: Promise<boolean>;
  #readyResolve!: (ok: boolean) => void;

  constructor(options: TmuxControlOptions, session: string) {
    this.session = session;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#logger = options.logger ?? silentLogger;
    this.ready = new Promise((resolve) => (this.#readyResolve = resolve));
    this.#child = spawn(options.command, [...options.baseArgs, '-C', 'attach-session', '-f', 'ignore-size,no-output', '-t', `=${session}`], {
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stdout.setEncoding('utf8');
    this.#child.stdout.on('data', (chunk: string) => this.#read(chunk));
    this.#child.stderr.on('data', () => undefined);
    this.#child.on('error', () => this.close('could not start'));
    this.#child.on('exit', () => this.close('exited'));
    this.#child.stdin.on('error', () => this.close('stdin closed'));
    // Attaching holds the event loop; an idle client does not (see #idle).
    void this.ready.then(() => this.#idle());
  }

  /** An idle client must not keep the hub alive; a request in flight holds it (its timer). */
  #idle(): void {
    if (this.#closed) return;
    for (const stream of [this.#child.stdin, this.#child.stdout, this.#child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
    this.#child.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  request(commands: readonly (readonly string[])[]): Promise<Reply> {
    if (this.#closed) return Promise.resolve('unsent');
    const nonce = `claude-hub-${randomBytes(8).toString('hex')}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.close('no reply'), this.#timeoutMs);
      this.#pending.push({ commands: commands.length, nonce, blocks: [], resolve, timer });
      const text = [...commands.map(tmuxCommandLine), tmuxCommandLine(['display-message', '-p', nonce])].map((line) => `${line}\n`).join('');
      this.#child.stdin.write(text);
    });
  }

  close(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#readyResolve(false);
    if (this.#pending.length > 0) this.#logger.debug('tmux control client closed with requests in flight', { session: this.session, why });
    for (const pending of this.#pending.splice(0)) {
      clearTimeout(pending.timer);
      pending.resolve('broken');
    }
    this.#child.stdin.end();
    if (this.#child.exitCode === null) this.#child.kill();
  }

  #read(chunk: string): void {
    this.#buffer += chunk;
    let newline: number;
    while (!this.#closed && (newline = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(newline + 1);
      this.#line(line);
    }
  }

  #line(line: string): void {
    const block = this.#block;
    if (block) {
      if (line === `%end ${block.guard}` || line === `%error ${block.guard}`) {
        this.#block = null;
        this.#finish({ ok: line.startsWith('%end'), lines: block.lines });
      } else {
        block.lines.push(line);
      }
      return;
    }
    const begin = /^%begin (\d+ \d+ \d+)$/.exec(line);
    if (begin?.[1]) {
      this.#block = { guard: begin[1], lines: [] };
      return;
    }
    if (line.startsWith('%exit')) {
      this.close('tmux ended the client');
      return;
    }
    // Other notifications (%session-changed, …) come between blocks; anything else is out of place.
    if (!line.startsWith('%')) this.close('a line outside any reply block');
  }

  #finish(block: Block): void {
    if (!this.#attached) {
      this.#attached = true;
      this.#readyResolve(block.ok);
      if (!block.ok) this.close('attach refused');
      return;
    }
    const pending = this.#pending[0];
    if (!pending) {
      this.close('a reply nobody asked for');
      return;
    }
    if (!(block.ok && block.lines.length === 1 && block.lines[0] === pending.nonce)) {
      pending.blocks.push(block);
      // More blocks than commands before the nonce: something (a forged guard, a command that
      // ran another) broke the one-block-per-command order.
      if (pending.blocks.length > pending.commands) this.close('more reply blocks than commands');
      return;
    }
    // The nonce's block, intact, right after exactly one block per command: these are the replies.
    this.#pending.shift();
    clearTimeout(pending.timer);
    if (pending.blocks.length !== pending.commands) {
      pending.resolve('broken');
      this.close('fewer reply blocks than commands');
      return;
    }
    pending.resolve(pending.blocks);
  }
}

export class TmuxControl {
  readonly #options: TmuxControlOptions;
  #client: ControlClient | null = null;
  /** tmux refused the control client's flags (older than 3.2): never try again. */
  #unsupported = false;
  #versionChecked = false;

  constructor(options: TmuxControlOptions) {
    this.#options = options;
  }

  /**
   * Runs `commands` through a control client attached to `session` (or the one already
   * attached elsewhere on the same server). Returns each command's output lines, or null when
   * control mode could not take the call (nothing was sent: run the commands the slow way).
   * Throws TERMINAL_ERROR with `data.uncertain` when the commands were sent but no trustworthy
   * reply came: they may have run, so only a call that is safe to repeat may be repeated.
   */
  async run(session: string, commands: readonly (readonly string[])[]): Promise<string[][] | null> {
    if (this.#unsupported || commands.length === 0) return null;
    const client = await this.#connect(session);
    if (!client) return null;
    const blocks = await client.request(commands);
    if (blocks === 'unsent') return null;
    if (blocks === 'broken') {
      throw new HubError(
        ErrorCodes.TERMINAL_ERROR,
        `The tmux control client gave no trustworthy reply to ${commands.map((c) => c[0]).join(', ')}; it may have run.`,
        {
          data: { uncertain: true },
        },
      );
    }
    const outputs: string[][] = [];
    for (const [i, block] of blocks.entries()) {
      if (!block.ok) {
        const stderr = block.lines.join('\n');
        throw new HubError(ErrorCodes.EXEC_FAILED, `tmux ${commands[i]?.[0] ?? ''} failed: ${stderr}`, { data: { command: 'tmux', stderr, exitCode: 1 } });
      }
      outputs.push([...block.lines]);
    }
    return outputs;
  }

  close(): void {
    this.#client?.close('closed by the backend');
    this.#client = null;
  }

  async #connect(session: string): Promise<ControlClient | null> {
    if (this.#client && !this.#client.closed) {
      await this.#client.ready;
      if (!this.#client.closed) return this.#client;
    }
    const client = new ControlClient(this.#options, session);
    this.#client = client;
    const ok = await client.ready;
    if (ok && !client.closed) return client;
    if (this.#client === client) this.#client = null;
    await this.#learnWhetherSupported();
    return null;
  }

  /** Whether a refused attach was tmux not knowing control-client flags (then: never again). */
  async #learnWhetherSupported(): Promise<void> {
    if (this.#versionChecked) return;
    this.#versionChecked = true;
    const probe = spawn(this.#options.command, [...this.#options.baseArgs, '-V'], { env: this.#options.env, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    probe.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const version = await new Promise<string>((resolve) => {
      probe.on('error', () => resolve(''));
      probe.on('close', () => resolve(out.trim()));
    });
    const match = /tmux (?:next-)?(\d+)\.(\d+)/.exec(version);
    if (match && (Number(match[1]) < 3 || (Number(match[1]) === 3 && Number(match[2]) < 2))) this.#unsupported = true;
  }
}
