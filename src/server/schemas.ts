/**
 * Zod schemas shared by the tools: input fields with their limits and descriptions, and the
 * output shapes of the hub's values (src/hub/types.ts). Output objects are loose so a hub that
 * adds a field never breaks a client that validates structured content.
 */
import { z } from 'zod';
import { AGENT_STATUSES } from '../hub/types.js';
import { AGENT_NAME_PATTERN, TASK_ID_PATTERN, TASK_PRIORITIES, TASK_STATUSES } from '../protocol/types.js';
import { FROM_NAME_PATTERN, LIMITS } from '../security/validate.js';

// Limits come from the hub's validators (src/security/validate.ts), which check deeper (bytes,
// control characters, invisible tricks); the schema tells clients the same limits up front.
export { LIMITS };

// ── inputs ────────────────────────────────────────────────────────────────────────────────
export const sessionIdField = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'a session id has only letters, digits and _ . : -')
  .describe('The session id returned by create_session (see list_sessions).');

export const agentNameField = z
  .string()
  .regex(AGENT_NAME_PATTERN, 'an agent name starts with a letter and has at most 32 letters, digits, _ or -')
  .describe('The agent\'s name, unique across the hub, e.g. "Agent_1".');

export const taskIdField = z
  .string()
  .regex(TASK_ID_PATTERN, 'a task id looks like TASK-12')
  .describe('The task id, e.g. "TASK-12".');

export const forceField = z
  .boolean()
  .default(false)
  .describe('Close agents even when they are working or have queued messages. Default false.');

export const taskStatusField = z.enum(TASK_STATUSES);
export const taskPriorityField = z.enum(TASK_PRIORITIES);

/** Who a message or task is from: an agent name or a short label for a person. */
export const fromField = z
  .string()
  .max(LIMITS.fromName)
  .regex(FROM_NAME_PATTERN, 'a sender is an agent name, "user" or a handle: letters, digits, _ - . @, starting with a letter')
  .describe('Who it is from: an agent name, "user" (the default) or a person\'s handle such as jane.doe.');

// ── outputs ───────────────────────────────────────────────────────────────────────────────
export const progressSchema = z.looseObject({
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});

export const sessionInfoSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  root: z.string(),
  createdAt: z.string(),
  agents: z.array(z.string()),
});

export const terminalHandleSchema = z.looseObject({
  backend: z.enum(['tmux', 'iterm2']),
  id: z.string(),
  container: z.string().optional(),
});

export const pendingPromptSchema = z.looseObject({
  kind: z.enum(['trust', 'api_key', 'onboarding', 'permission', 'question', 'unknown']),
  question: z.string(),
  choices: z.array(z.looseObject({ number: z.number().int(), label: z.string() })),
  since: z.string(),
});

export const agentViewSchema = z.looseObject({
  name: z.string(),
  session: z.string(),
  status: z.enum(AGENT_STATUSES),
  why: z.string(),
  specialization: z.string().nullable(),
  currentTask: z.string().nullable(),
  progress: progressSchema,
  lastActivity: z.string().nullable(),
  claudeSessionId: z.string().nullable(),
  backend: z.enum(['tmux', 'iterm2']),
  terminal: terminalHandleSchema.nullable(),
  pendingPrompt: pendingPromptSchema.nullable(),
  queuedMessages: z.number().int().nonnegative(),
});

export const taskSummarySchema = z.looseObject({
  id: z.string(),
  title: z.string(),
  status: taskStatusField,
  priority: taskPriorityField,
  assignee: z.string().nullable(),
  from: z.string().nullable(),
  progress: progressSchema,
  file: z.string(),
  updated: z.string().nullable(),
});

export const diagnosticSchema = z.looseObject({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int().optional(),
  severity: z.enum(['error', 'warning', 'info']),
  code: z.string(),
  message: z.string(),
});

export const sessionStatusSchema = z.looseObject({
  session: sessionInfoSchema,
  agents: z.array(agentViewSchema),
  todo: z.looseObject({
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    sections: z.array(
      z.looseObject({ title: z.string(), agent: z.string().nullable(), done: z.number().int(), total: z.number().int() }),
    ),
  }),
  tasks: z.looseObject({
    total: z.number().int().nonnegative(),
    byStatus: z.partialRecord(taskStatusField, z.number().int().nonnegative()),
    items: z.array(taskSummarySchema),
  }),
  diagnostics: z.array(diagnosticSchema),
});
