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

/** `idleMs` 0 never fires. `onIdle` runs at most once. */
export function createIdleTimer(idleMs: number, onIdle: () => void): IdleTimer {
  let open = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const disarm = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const arm = (): void => {
    disarm();
    if (stopped || idleMs <= 0 || open > 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      // Timers run before I/O in an event-loop turn: let a request already on the wire begin first.
      setImmediate(() => {
        if (stopped || open > 0 || timer !== undefined) return;
        stopped = true;
        onIdle();
      }).unref();
    }, idleMs);
    // An idle session must never keep the process alive.
    timer.unref();
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
