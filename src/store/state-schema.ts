/**
 * The shape of the hub's persisted state (the encrypted state file), versioned, with the
 * migrations that bring an older file up to the current version. Pure: no I/O.
 */
import { z } from 'zod';
import { HubError, ErrorCodes } from '../errors.js';

export const STATE_VERSION = 3 as const;

const isoDate = z.string().min(1);

export const terminalHandleSchema = z.object({
  backend: z.enum(['tmux', 'iterm2']),
  id: z.string().min(1),
  container: z.string().exactOptional(),
});

export const sessionRecordSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  root: z.string().min(1),
  createdAt: isoDate,
  trustRoot: z.boolean(),
  /** The session's budget (issue 14): null is none. */
  budgetUsd: z.number().finite().positive().nullable(),
  budgetTokens: z.number().int().positive().nullable(),
});

export const launchOptionsSchema = z.object({
  permissionMode: z.string().nullable(),
  model: z.string().nullable(),
  extraArgs: z.array(z.string()),
});

export const agentRecordSchema = z.object({
  name: z.string().min(1),
  session: z.string().min(1),
  specialization: z.string().nullable(),
  systemPromptSuffix: z.string().nullable(),
  backend: z.enum(['tmux', 'iterm2']),
  terminal: terminalHandleSchema.nullable(),
  /** Claude Code's conversation id, for `claude --resume <id>`. */
  claudeSessionId: z.string().nullable(),
  launch: launchOptionsSchema,
  createdAt: isoDate,
  conversationStartedAt: isoDate.nullable(),
});

/**
 * A message's way into an agent's terminal (hub/delivery.ts): `typing` is durable before the
 * paste, `awaiting_confirmation` after it; only these and `queued` are ever saved (delivered
 * and undelivered leave the queue).
 */
export const DELIVERY_STATES = ['queued', 'typing', 'awaiting_confirmation', 'delivered', 'undelivered'] as const;

/**
 * One queued message: the delivery queue's entry as it is, and as it is saved (one shape,
 * no renaming between them), with where the message was recorded.
 */
export const queuedMessageSchema = z.object({
  /** Stable id: a message whose confirmation was already seen is never typed again. */
  deliveryId: z.string().min(1),
  agent: z.string().min(1),
  /** The session and the task file the message was recorded in. */
  session: z.string().min(1),
  taskId: z.string().min(1),
  /** Already sanitized: exactly what is (or was) typed. */
  text: z.string(),
  state: z.enum(DELIVERY_STATES),
  enqueuedAt: isoDate,
  /** When it was pasted; set once, so a restored entry is never pasted again. */
  typedAt: isoDate.nullable(),
  /** Submits pressed so far, the first included. */
  submits: z.number().int().nonnegative(),
  /** Why it was not delivered. */
  reason: z.string().nullable(),
});

const tokens = z.number().int().nonnegative();
const usageTotalsSchema = z.object({
  input: tokens,
  output: tokens,
  cacheRead: tokens,
  cacheWrite: tokens,
  messages: tokens,
  costUsd: z.number().finite().nonnegative(),
  unpricedMessages: tokens,
});
const agentUsageSchema = usageTotalsSchema.extend({
  model: z.string().nullable(),
  contextTokens: tokens,
  contextWindow: z.number().int().positive().nullable(),
  skipped: tokens,
});

/** A session's usage (src/usage/ledger.ts) and where each agent's transcript was read to. */
export const sessionUsageSchema = z.object({
  ledger: z.object({
    agents: z.record(z.string(), agentUsageSchema),
    tasks: z.record(z.string(), usageTotalsSchema),
    total: usageTotalsSchema,
    recent: z.record(z.string(), z.array(z.string()).max(1000)),
  }),
  cursors: z.record(
    z.string(),
    z.object({ path: z.string().min(1), ino: z.number().int().nonnegative().nullable(), offset: tokens, claudeSessionId: z.string().min(1) }),
  ),
});

/**
 * The account's usage or rate limit (hub/limits.ts): deliveries to every agent are held until
 * `resumeAt`; `cut` are the agents whose turn the limit ended (nudged to go on at the reset).
 */
export const limitHoldSchema = z.object({
  since: isoDate,
  /** The reset the agent or the API named, or null (then `resumeAt` is the hub's probe time). */
  resetAt: isoDate.nullable(),
  resumeAt: isoDate,
  agent: z.string().min(1),
  reason: z.string(),
  cut: z.array(z.string()),
});

export const hubStateSchema = z
  .object({
    version: z.literal(STATE_VERSION),
    sessions: z.array(sessionRecordSchema),
    agents: z.array(agentRecordSchema),
    queue: z.array(queuedMessageSchema),
    /** Per session id: tokens, cost, transcript cursors (issue 14). */
    usage: z.record(z.string(), sessionUsageSchema),
    /** The account is at a usage or rate limit: deliveries held until `resumeAt`. */
    limit: limitHoldSchema.nullable(),
    /**
     * Read and written by nothing any more: delivery ids are random and task ids are claimed in the
     * root's files (store/files.ts). Still in the shape (always `{}` in a new state): dropping it
     * is a state-format change, for a commit of its own.
     */
    counters: z.record(z.string(), z.number().int().nonnegative()),
  })
  .superRefine((state, ctx) => {
    const unique = (label: string, keys: readonly string[]): void => {
      const seen = new Set<string>();
      for (const key of keys) {
        if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `duplicate ${label} ${key}` });
        seen.add(key);
      }
    };
    unique(
      'session id',
      state.sessions.map((s) => s.id),
    );
    unique(
      'agent',
      state.agents.map((a) => `${a.session}/${a.name}`),
    );
    unique(
      'delivery id',
      state.queue.map((m) => m.deliveryId),
    );
  });

export type TerminalHandleRecord = z.infer<typeof terminalHandleSchema>;
export type SessionRecord = z.infer<typeof sessionRecordSchema>;
export type LaunchOptions = z.infer<typeof launchOptionsSchema>;
export type AgentRecord = z.infer<typeof agentRecordSchema>;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export type QueuedMessage = z.infer<typeof queuedMessageSchema>;
export type HubState = z.infer<typeof hubStateSchema>;
export type SessionUsageRecord = z.infer<typeof sessionUsageSchema>;
export type LimitHold = z.infer<typeof limitHoldSchema>;

export function emptyState(): HubState {
  return { version: STATE_VERSION, sessions: [], agents: [], queue: [], usage: {}, limit: null, counters: {} };
}

/**
 * Version 0: the pre-release shape (no `version` field): sessions had `path` instead of
 * `root` and no trust flag, agents kept a flat `tmuxPane` and `sessionId`, queued messages
 * were `pending` with a boolean `delivered`, and counters were `nextId` numbers.
 */
const v0Schema = z.object({
  sessions: z.array(z.object({ id: z.string(), name: z.string(), path: z.string(), created: z.string() })).default([]),
  agents: z
    .array(
      z.object({
        name: z.string(),
        session: z.string(),
        specialization: z.string().nullable().optional(),
        tmuxPane: z.string().nullable().optional(),
        sessionId: z.string().nullable().optional(),
        created: z.string(),
      }),
    )
    .default([]),
  pending: z
    .array(
      z.object({
        id: z.string(),
        agent: z.string(),
        session: z.string(),
        text: z.string(),
        task: z.string(),
        created: z.string(),
        delivered: z.boolean(),
      }),
    )
    .default([]),
  nextId: z.record(z.string(), z.number().int().nonnegative()).default({}),
});

function migrateV0toV1(raw: unknown): unknown {
  const old = v0Schema.parse(raw);
  return {
    version: 1,
    sessions: old.sessions.map((s) => ({ id: s.id, name: s.name, root: s.path, createdAt: s.created, trustRoot: false })),
    agents: old.agents.map((a) => ({
      name: a.name,
      session: a.session,
      specialization: a.specialization ?? null,
      systemPromptSuffix: null,
      backend: 'tmux',
      terminal: a.tmuxPane ? { backend: 'tmux', id: a.tmuxPane } : null,
      claudeSessionId: a.sessionId ?? null,
      launch: { permissionMode: null, model: null, extraArgs: [] },
      createdAt: a.created,
      conversationStartedAt: a.sessionId ? a.created : null,
    })),
    queue: old.pending.map((m) => ({
      deliveryId: m.id,
      agent: m.agent,
      session: m.session,
      text: m.text,
      taskId: m.task,
      createdAt: m.created,
      state: m.delivered ? 'delivered' : 'queued',
      attempts: 0,
    })),
    counters: old.nextId,
  };
}

/**
 * Version 1 saved queued messages in a shape of their own: `createdAt` for `enqueuedAt`,
 * `attempts` for `submits`, four states (`typing` covering both typing and awaiting its
 * confirmation), no `typedAt`, an optional `reason` and `confirmedAt`. Version 2 saves the
 * delivery queue's own entry. A v1 `typing` message keeps its state (the queue restores it as
 * typed: never pasted again) with `typedAt` = `createdAt`, as the v1 hub restored it.
 */
function migrateV1toV2(raw: unknown): unknown {
  // Only the queue changes; whatever else is wrong is the schema check's to say, after this.
  const state = raw as { readonly queue?: unknown };
  const queue = Array.isArray(state.queue) ? state.queue.map((message: unknown) => (isObject(message) ? v1Message(message) : message)) : state.queue;
  return { ...state, version: 2, queue };
}

function v1Message(message: Record<string, unknown>): Record<string, unknown> {
  const { createdAt, attempts, confirmedAt: _confirmedAt, reason, ...rest } = message;
  return { ...rest, enqueuedAt: createdAt, typedAt: rest['state'] === 'typing' ? createdAt : null, submits: attempts, reason: reason ?? null };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Version 3 (issue 14) adds sessions' budgets (none), usage (none counted yet) and the limit hold (none). */
function migrateV2toV3(raw: unknown): unknown {
  const state = raw as { readonly sessions?: unknown };
  const sessions = Array.isArray(state.sessions)
    ? state.sessions.map((s: unknown) => (isObject(s) ? { budgetUsd: null, budgetTokens: null, ...s } : s))
    : state.sessions;
  return { ...state, version: 3, sessions, usage: {}, limit: null };
}

/** Migration from version N (the key) to N + 1. */
export const MIGRATIONS: Readonly<Record<number, (raw: unknown) => unknown>> = Object.freeze({ 0: migrateV0toV1, 1: migrateV1toV2, 2: migrateV2toV3 });

function versionOf(raw: unknown): number {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new HubError(ErrorCodes.STATE_CORRUPT, 'The state file does not hold a JSON object.');
  }
  const version = (raw as { version?: unknown }).version;
  if (version === undefined) return 0;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw new HubError(ErrorCodes.STATE_CORRUPT, `The state file has an invalid version ${JSON.stringify(version)}.`);
  }
  return version;
}

/**
 * Validates decoded JSON as state, migrating older versions step by step. A newer version
 * than this build knows is refused (never downgraded silently).
 */
export function parseState(raw: unknown): { state: HubState; migratedFrom: number | null } {
  let version = versionOf(raw);
  if (version > STATE_VERSION) {
    throw new HubError(ErrorCodes.STATE_CORRUPT, `The state file is version ${version}, newer than this claude-hub (${STATE_VERSION}); upgrade claude-hub.`, {
      data: { version },
    });
  }
  const from = version;
  let current = raw;
  try {
    while (version < STATE_VERSION) {
      const migrate = MIGRATIONS[version];
      if (!migrate) throw new Error(`no migration from version ${version}`);
      current = migrate(current);
      version += 1;
    }
  } catch (error) {
    throw new HubError(ErrorCodes.STATE_CORRUPT, `The state file (version ${from}) could not be migrated: ${describe(error)}`, {
      cause: error,
    });
  }
  const result = hubStateSchema.safeParse(current);
  if (!result.success) {
    throw new HubError(ErrorCodes.STATE_CORRUPT, `The state file does not match the state schema: ${z.prettifyError(result.error)}`, {
      data: { issues: result.error.issues.length },
    });
  }
  return { state: result.data, migratedFrom: from === STATE_VERSION ? null : from };
}

function describe(error: unknown): string {
  if (error instanceof z.ZodError) return z.prettifyError(error);
  return error instanceof Error ? error.message : String(error);
}
