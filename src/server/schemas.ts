/**
 * Zod schemas shared by the tools: input fields with their limits and descriptions, and the
 * output shapes of the hub's values (src/hub/types.ts). Output objects are loose so a hub that
 * adds a field never breaks a client that validates structured content.
 */
import { z } from 'zod';
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
  .describe('From list_sessions.');

export const agentNameField = z
  .string()
  .regex(AGENT_NAME_PATTERN, 'an agent name starts with a letter and has at most 32 letters, digits, _ or -')
  .describe('e.g. Agent_1.');

export const taskIdField = z.string().regex(TASK_ID_PATTERN, 'a task id looks like TASK-12').describe('e.g. TASK-12.');

export const forceField = z.boolean().default(false).describe('Even while agents work.');

export const taskStatusField = z.enum(TASK_STATUSES);
export const taskPriorityField = z.enum(TASK_PRIORITIES);

/** Who a message or task is from: an agent name or a short label for a person. */
export const fromField = z
  .string()
  .max(LIMITS.fromName)
  .regex(FROM_NAME_PATTERN, 'a sender is an agent name, "user" or a handle: letters, digits, _ - . @, starting with a letter')
  .describe('Agent name, user (default) or a handle.');

// ── outputs ───────────────────────────────────────────────────────────────────────────────
// A model reads tools/list whole, every session: output values are described once each, in
// one line naming their fields, not as nested JSON Schemas (the agent view alone was 2 KB, and
// three tools return it). They are loose objects, so a hub that adds a field breaks no client.
// src/hub/types.ts has the exact shapes.

const described = (text: string) => z.looseObject({}).describe(text);

export const progressSchema = described('{done, total}.');

export const sessionInfoSchema = described('{session_id, name, root, createdAt, agents}.');

export const pendingPromptSchema = described('{kind, question, choices [{number, label}], since}.');

/** In full once (get_session_status); the tools that return one agent point there. */
export const agentViewSchema = described(
  '{agent_name, status (starting|working|idle|waiting_for_person|blocked|exited|stuck|interrupted|rate_limited|auth_failed|overloaded|api_error), why, currentTask, progress, lastActivity, queuedMessages, usage {tokens, usd, ctxPct}, idleReason?, resetAt?, pendingPrompt}.',
);
export const agentSchema = described('get_session_status agent + session_id, specialization, terminal.');

/** In full once (list_tasks); the tools that return one task point there. */
export const taskSummarySchema = described('{task_id, session_id, title, status, priority, assignee, from, progress, file, updated, usage?}.');
export const taskSchema = described('As in list_tasks.');

export const diagnosticSchema = described('{file, line, severity, code, message}.');

export const brokenTaskSchema = described('{task_id, session_id, file, line, code, message}: fix by hand.');

/** A session's budget (hub/budgets.ts): at 80 % a warning, at 100 % deliveries held and tool calls refused. */
export const budgetUsdField = z.number().positive().max(1_000_000).nullable().describe('Spend cap in USD (estimated); at 100% the team stops.');
export const budgetTokensField = z.number().int().positive().nullable().describe('Cap in tokens; at 100% the team stops.');
