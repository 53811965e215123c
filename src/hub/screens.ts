/**
 * Whether each agent's prompt box is ready, kept true by looking at its screen at the moments
 * a dialog can appear: after launch (until the box shows), after the hook events that end or
 * pause a turn (a menu may follow SessionStart or Stop; a permission or elicitation dialog
 * comes with its hook), before every typing (`ready`), and — backing off from 2 s to 30 s —
 * while nothing else happens. Hooks stay the truth for working/idle; the screen only says
 * whether something stands in front of the prompt box.
 *
 * A freshly started agent's box counts as ready only STARTUP_SETTLE_MS after SessionStart: a
 * start-up menu may be drawn over a box that was already up.
 *
 * What it finds goes on the agent as `pendingPrompt`: a menu with its question and choices as
 * shown, a press-Enter page, or — when a screen stays unreadable while the agent is not
 * working — `unknown` with its last lines. A pendingPrompt makes the agent
 * `waiting_for_person`, and nothing is typed into it. When the box is ready again, the
 * delivery queue is told.
 */
import type { Logger } from '../log.js';
import { toHubError } from '../errors.js';
import { sleep } from '../sleep.js';
import { pendingPromptOf, readScreen, type ScreenReading } from '../screen/read.js';
import { answerDialog, readStable, type LiveTerminal } from '../screen/terminal.js';
import { NEGATIVE_LABEL, TRUST_ACCEPT_LABEL } from '../screen/patterns.js';
import type { AgentStatus, HookEvent, PendingPrompt } from './types.js';

/** The index's side of it: read an agent's state, show what the screen says. */
export interface ScreenIndex {
  agentView(sessionId: string, agent: string): { readonly status: AgentStatus; readonly pendingPrompt: PendingPrompt | null };
  agentActivity(sessionId: string, agent: string): { readonly lastEventAt: number | null };
  setAgentRuntime(sessionId: string, agent: string, patch: { readonly pendingPrompt: PendingPrompt | null }): void;
}

export interface ScreenWatchDeps {
  readonly index: ScreenIndex;
  readonly terminalOf: (agent: string) => LiveTerminal | null;
  /** The person allowed the hub to answer the trust dialog for this session (`trust_root`). */
  readonly trustsRoot: (sessionId: string) => boolean;
  /** The box became ready after something stood in front of it. */
  readonly onReady: (agent: string) => void;
  readonly logger: Logger;
  /** Launch → ready: give up looking after this long (the agent shows what the screen has). Default 60 s. */
  readonly startupMs?: number;
  /** An unreadable screen is reported once it has stayed so this long. Default 5 s. */
  readonly unknownGraceMs?: number;
  readonly now?: () => number;
}

interface Watched {
  session: string;
  /** When the next idle look is due, and the gap after it. */
  dueAt: number;
  gapMs: number;
  /** Since when the screen has been unreadable (null: it is not). */
  unknownSince: number | null;
  last: ScreenReading | null;
  running: Promise<ScreenReading | null> | null;
  /** A delivery found the box not ready: tell it as soon as it is. */
  waiting: boolean;
  /** When the agent's last SessionStart was seen (0: none since it is watched). */
  startedAt: number;
}

const FIRST_GAP_MS = 2000;
const MAX_GAP_MS = 30_000;
/** After an event that can bring a dialog: look soon, then again while it draws. */
const AFTER_EVENT_MS = [150, 700, 2000] as const;
/**
 * A start-up menu comes up to about a second after SessionStart, sometimes after the prompt box
 * was already drawn (2.1.332's "Make auto mode your default permission mode?", seen 150–800 ms
 * after the hook). Until this long after SessionStart the box does not count as ready; a look
 * is due when it has passed.
 */
export const STARTUP_SETTLE_MS = 1500;
const LOOK_AFTER: ReadonlySet<string> = new Set([
  'SessionStart',
  'Stop',
  'StopFailure',
  'Notification',
  'PermissionRequest',
  'PermissionDenied',
  'Elicitation',
  'PreToolUse',
]);

export class ScreenWatch {
  readonly #deps: ScreenWatchDeps;
  readonly #agents = new Map<string, Watched>();
  readonly #now: () => number;
  #closed = false;

  constructor(deps: ScreenWatchDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Starts watching a freshly launched agent: looks until its prompt box shows (backing off 300 ms → 3 s). */
  afterLaunch(session: string, agent: string): void {
    const watched = this.#watch(session, agent);
    watched.unknownSince = null;
    watched.last = null;
    const deadline = this.#now() + (this.#deps.startupMs ?? 60_000);
    void (async () => {
      let gap = 300;
      while (!this.#closed && this.#now() < deadline && this.#agents.get(agent) === watched) {
        const reading = await this.check(agent);
        if (reading?.state === 'ready') return;
        await sleep(gap, { unref: true });
        gap = Math.min(3000, Math.round(gap * 1.5));
      }
    })().catch((error: unknown) => this.#deps.logger.debug('start-up screen watch failed', { agent, error: toHubError(error).message }));
  }

  /** A hook event: events that can bring a dialog get a few quick looks; any event restarts the back-off. */
  onHookEvent(event: HookEvent): void {
    const watched = this.#agents.get(event.agent);
    if (!watched) return;
    watched.gapMs = FIRST_GAP_MS;
    watched.dueAt = this.#now() + FIRST_GAP_MS;
    if (event.event === 'SessionStart') {
      watched.startedAt = this.#now();
      // A look right when the settle time is over (kicks a waiting delivery if the box is ready).
      setTimeout(() => void this.check(event.agent), STARTUP_SETTLE_MS + 50).unref();
    }
    if (!LOOK_AFTER.has(event.event)) return;
    // PreToolUse: a tool like AskUserQuestion shows a menu with no hook of its own.
    const delays = event.event === 'PreToolUse' ? [AFTER_EVENT_MS[2]] : AFTER_EVENT_MS;
    for (const delay of delays) setTimeout(() => void this.check(event.agent), delay).unref();
  }

  /** The liveness tick: looks at agents whose back-off ran out. */
  tick(): void {
    const now = this.#now();
    for (const [agent, watched] of this.#agents) {
      if (watched.running || now < watched.dueAt) continue;
      const unchanged = watched.last;
      void this.check(agent).then((reading) => {
        const same = reading !== null && unchanged !== null && reading.state === unchanged.state;
        watched.gapMs = same && !watched.waiting ? Math.min(MAX_GAP_MS, watched.gapMs * 2) : FIRST_GAP_MS;
        watched.dueAt = this.#now() + watched.gapMs;
      });
    }
  }

  /** Whether keys may go to the agent's prompt box now (a fresh, stable look; what it finds is shown). */
  async ready(agent: string): Promise<boolean> {
    // One look: typing waits on it (a half-drawn screen reads as not ready, which only delays).
    const reading = await this.check(agent, true, 1);
    const watched = this.#agents.get(agent);
    const settling = watched !== undefined && this.#now() - watched.startedAt < STARTUP_SETTLE_MS;
    if (reading?.state === 'ready' && !settling) return true;
    // Someone waits for this box: keep looking at the first back-off step until it shows.
    if (watched) {
      watched.gapMs = FIRST_GAP_MS;
      watched.dueAt = Math.min(watched.dueAt, this.#now() + FIRST_GAP_MS / 2);
      watched.waiting = true;
    }
    return false;
  }

  /** A deleted agent is no longer looked at. */
  forget(agent: string): void {
    this.#agents.delete(agent);
  }

  /** Nor are the agents of a deleted session. */
  forgetSession(session: string): void {
    for (const [agent, watched] of this.#agents) if (watched.session === session) this.#agents.delete(agent);
  }

  close(): void {
    this.#closed = true;
    this.#agents.clear();
  }

  /** Looks at the screen (background looks one at a time per agent; a fresh one at once) and shows what it says on the agent. */
  check(agent: string, fresh = false, reads?: number): Promise<ScreenReading | null> {
    const watched = this.#agents.get(agent);
    if (!watched || this.#closed) return Promise.resolve(null);
    // A fresh look (typing waits on it) does not queue behind a background one's stable reads.
    if (fresh) return this.#look(agent, watched, reads);
    if (watched.running) return watched.running;
    const run = this.#look(agent, watched, reads);
    watched.running = run;
    void run.finally(() => {
      if (watched.running === run) watched.running = null;
    });
    return run;
  }

  #watch(session: string, agent: string): Watched {
    let watched = this.#agents.get(agent);
    if (!watched || watched.session !== session) {
      watched = {
        session,
        dueAt: this.#now() + FIRST_GAP_MS,
        gapMs: FIRST_GAP_MS,
        unknownSince: null,
        last: null,
        running: null,
        waiting: false,
        startedAt: 0,
      };
      this.#agents.set(agent, watched);
    }
    return watched;
  }

  /** Re-attached after a hub restart: watch it like any other. */
  attach(session: string, agent: string): void {
    this.#watch(session, agent);
  }

  async #look(agent: string, watched: Watched, reads?: number): Promise<ScreenReading | null> {
    const terminal = this.#deps.terminalOf(agent);
    if (!terminal || this.#closed) return null;
    let reading: ScreenReading;
    try {
      // One call says both what the screen shows and whether the pane lives (where the backend can).
      const screen = await terminal.backend.readScreen(terminal.handle);
      if (!(screen.alive ?? (await terminal.backend.isAlive(terminal.handle)))) return null;
      reading = await readStable(terminal, { first: readScreen(screen.text), ...(reads === undefined ? {} : { reads }) });
    } catch (error) {
      this.#deps.logger.debug('screen read failed', { agent, error: toHubError(error).message });
      return null;
    }
    if (this.#agents.get(agent) !== watched) return reading;
    watched.last = reading;
    await this.#show(agent, watched, reading, terminal);
    return reading;
  }

  async #show(agent: string, watched: Watched, reading: ScreenReading, terminal: LiveTerminal): Promise<void> {
    const { index } = this.#deps;
    const view = index.agentView(watched.session, agent);
    const shown = view.pendingPrompt;
    const now = this.#now();
    if (reading.state === 'ready') {
      watched.unknownSince = null;
      if (shown !== null) index.setAgentRuntime(watched.session, agent, { pendingPrompt: null });
      const settled = now - watched.startedAt >= STARTUP_SETTLE_MS;
      if (shown !== null || (watched.waiting && settled)) {
        watched.waiting = false;
        this.#deps.onReady(agent);
      }
      return;
    }
    if (reading.state === 'unknown') {
      watched.unknownSince ??= now;
      // While it works the screen is the agent's to draw; starting up takes a while. Report only a lasting one.
      const lasting = now - watched.unknownSince >= (this.#deps.unknownGraceMs ?? 5000);
      const started = index.agentActivity(watched.session, agent).lastEventAt !== null;
      if (!lasting || !started || view.status === 'working' || view.status === 'exited') return;
    } else {
      watched.unknownSince = null;
    }
    if (reading.state === 'menu' && reading.kind === 'trust' && this.#deps.trustsRoot(watched.session)) {
      const accept = reading.choices.find((c) => TRUST_ACCEPT_LABEL.test(c.label) && !NEGATIVE_LABEL.test(c.label));
      if (accept) {
        this.#deps.logger.info('trusting the session root for the agent, as the session allows', { agent, session: watched.session });
        await answerDialog(terminal, String(accept.number), { label: agent }).catch((error: unknown) =>
          this.#deps.logger.warn('could not answer the trust dialog', { agent, error: toHubError(error).message }),
        );
        return;
      }
    }
    const next = pendingPromptOf(reading, shown?.since ?? new Date(now).toISOString());
    if (next && (shown === null || shown.question !== next.question || shown.kind !== next.kind || shown.choices.length !== next.choices.length)) {
      index.setAgentRuntime(watched.session, agent, { pendingPrompt: { ...next, since: new Date(now).toISOString() } });
    }
  }
}
