/**
 * The delivery queue's vocabulary: an entry (the saved shape), its outcome and events, and what
 * the queue needs from the rest of the hub (terminals, status, hook events, readiness) and its
 * options. Types only; the queue is delivery.ts.
 */
import type { TerminalBackend, TerminalHandle } from '../terminal/backend.js';
import type { AgentStatus, HookEvent } from './types.js';
import type { Logger } from '../log.js';
import type { DeliveryState, QueuedMessage } from '../store/state-schema.js';

export type { DeliveryState };

/**
 * One message on its way: the saved shape (QueuedMessage, src/store/state-schema.ts, plain
 * JSON). Where it was recorded (`session`, `taskId`) rides along untouched: the queue does not
 * read it, the hub's messages always set it, a bare queue in a test need not.
 */
export type DeliveryEntry = Readonly<Omit<QueuedMessage, 'session' | 'taskId'> & Partial<Pick<QueuedMessage, 'session' | 'taskId'>>>;

export interface DeliveryOutcome {
  readonly deliveryId: string;
  readonly agent: string;
  readonly state: 'delivered' | 'undelivered';
  readonly reason: string | null;
  /** The hook event that confirmed it. */
  readonly confirmedBy: HookEvent | null;
}

export type DeliveryEvent =
  | { readonly type: 'delivered'; readonly entry: DeliveryEntry; readonly event: HookEvent }
  | { readonly type: 'undelivered'; readonly entry: DeliveryEntry; readonly reason: string }
  | { readonly type: 'retry'; readonly entry: DeliveryEntry; readonly submit: number };

/** Where the agent's terminal is now (it changes when a conversation is restarted). */
export interface DeliveryTerminals {
  terminalOf(agent: string): { readonly backend: TerminalBackend; readonly handle: TerminalHandle } | null;
}

/** The live index's view of agents. */
export interface DeliveryStatusSource {
  getStatus(agent: string): AgentStatus | null;
  onStatusChange(listener: (agent: string, status: AgentStatus) => void): () => void;
}

/** Whether the agent's prompt box is the active element right now (screens.ts). */
export interface DeliveryReadiness {
  ready(agent: string): Promise<boolean>;
}

/** Every hook event of every agent, as read from the event files. */
export interface DeliveryHookSource {
  onHookEvent(listener: (event: HookEvent) => void): () => void;
}

export interface DeliveryQueueOptions {
  readonly terminals: DeliveryTerminals;
  readonly status: DeliveryStatusSource;
  readonly hooks: DeliveryHookSource;
  /**
   * Asked right before typing and before every Enter: nothing goes to a terminal whose prompt
   * box has something in front of it (a menu, a dialog, an unreadable screen). Without it, the
   * screen is read here for the Enters.
   */
  readonly readiness?: DeliveryReadiness;
  /** Called with every pending entry after each change (persist it). */
  readonly onQueueChanged?: (snapshot: readonly DeliveryEntry[]) => void;
  /**
   * Makes a snapshot durable. Nothing is typed before the entry's `typing` state is durable,
   * so a hub killed right after a paste never types the same message again after a restart.
   */
  readonly persist?: (snapshot: readonly DeliveryEntry[]) => Promise<void>;
  /**
   * Why nothing may be typed into this agent now (the account is at a usage limit, the
   * session's budget is spent), or null. Held messages stay queued (and saved) and go out, in
   * order and once, after a `kick` when the gate opens. A message already typed is unaffected.
   */
  readonly gate?: (agent: string) => string | null;
  readonly logger?: Logger;
  /** Wait for UserPromptSubmit after a submit before pressing it again. Default 1000 ms; doubles each time (a second Enter into an empty or busy prompt box is harmless). */
  readonly confirmTimeoutMs?: number;
  /** Submits per message, the first included. Default 3. */
  readonly maxSubmits?: number;
  readonly maxBytes?: number;
  /** Pause between the paste and the first submit. Default 0 (see docs/performance.md, Delivery). */
  readonly submitDelayMs?: number;
  /**
   * Typing within this long after the agent's Stop/SessionStart waits out the rest: Enter pressed
   * while the TUI is still settling is sometimes ignored (measured). Default 400 ms.
   */
  readonly settleAfterStopMs?: number;
  readonly now?: () => Date;
}

/** Someone waiting for the UserPromptSubmit that confirms `entry` (null: given up). */
export interface ConfirmationWaiter {
  readonly entry: DeliveryEntry;
  resolve(event: HookEvent | null): void;
}
