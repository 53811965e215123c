/**
 * One idle timer for one HTTP session: armed only while no request of the session is open,
 * so a long tool call or an open SSE stream (GET) keeps the session alive however long it lasts.
 * No polling: each session owns one unref'ed timeout, cleared when a request begins.
 */
export interface IdleTimer {
  /** A request of the session began; call the returned function (once or more) when its response closes. */
  begin(): () => void;
  /** Disarms for good (the session closed for another reason). */
  stop(): void;
}

/** Where the countdown's time comes from: the real clock, or (in tests) one the test advances. */
export interface IdleClock {
  /** Runs `fn` once after `ms`; must not keep the process alive. Returns a handle for clearTimeout. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unref'ed: an idle session must never keep the process alive. */
export const realIdleClock: IdleClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** `idleMs` 0 never fires. `onIdle` runs at most once. */
export function createIdleTimer(idleMs: number, onIdle: () => void, clock: IdleClock = realIdleClock): IdleTimer {
  let open = 0;
  let timer: unknown;
  let armed = false;
  let stopped = false;

  const disarm = (): void => {
    if (armed) clock.clearTimeout(timer);
    armed = false;
    timer = undefined;
  };
  const arm = (): void => {
    disarm();
    if (stopped || idleMs <= 0 || open > 0) return;
    armed = true;
    timer = clock.setTimeout(() => {
      armed = false;
      timer = undefined;
      // Timers run before I/O in an event-loop turn: let a request already on the wire begin first.
      setImmediate(() => {
        if (stopped || open > 0 || armed) return;
        stopped = true;
        onIdle();
      }).unref();
    }, idleMs);
  };

  return {
    begin() {
      open += 1;
      disarm();
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        open -= 1;
        arm();
      };
    },
    stop() {
      stopped = true;
      disarm();
    },
  };
}
