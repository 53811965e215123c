/**
 * The one event primitive: a typed event map, `on(event, listener)` that returns a disposer,
 * and one dispatch that reports a throwing listener to the logger instead of letting it break
 * the emitter or the listeners after it (the style of vscode-languageserver-node's `Emitter`
 * and chokidar's typed events).
 *
 * Contract:
 * - Listeners run synchronously, in subscription order, over a snapshot of the listener set: a
 *   listener that subscribes or disposes during a dispatch changes the next dispatch, not this.
 * - Disposing twice, or after `clear()`, does nothing.
 * - An event nobody listens to is dropped (there is no special `error` event that throws, unlike
 *   Node's EventEmitter: recoverable errors are events like any other).
 */
import { silentLogger, type Logger } from './log.js';

/** Event name → the arguments its listeners receive. */
export type EventMap = { readonly [event: string]: readonly unknown[] };

/** Undoes one subscription. */
export type Disposer = () => void;

export type Listener<Args extends readonly unknown[]> = (...args: Args) => void;

export interface EmitterOptions {
  /** Names the emitter in the log line of a throwing listener (e.g. `index`, `delivery`). */
  readonly name: string;
  readonly logger?: Logger;
}

export class Emitter<Events extends EventMap> {
  readonly #listeners = new Map<keyof Events, Set<Listener<readonly unknown[]>>>();
  readonly #name: string;
  readonly #logger: Logger;

  constructor(options: EmitterOptions) {
    this.#name = options.name;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Subscribes to one event; the returned function unsubscribes. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): Disposer {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    // A wrapper per subscription: the same function subscribed twice is two subscriptions.
    const entry: Listener<readonly unknown[]> = (...args) => listener(...(args as Events[K]));
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** Calls every listener of `event`; one that throws is logged and the rest still run. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        this.#logger.error(`${this.#name} listener failed`, { event: String(event), message: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Drops every subscription (on close: nothing is told after it). */
  clear(): void {
    for (const set of this.#listeners.values()) set.clear();
  }
}
