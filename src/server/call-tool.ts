/**
 * Runs one tools/call: find the tool, check the security ceiling and the caller's role,
 * validate the arguments with the tool's zod schema, make the one hub call, and shape the
 * result; then hand the outcome to the audit hook, so refusals and bad arguments the hub never
 * saw are audited too. Every failure becomes an `isError` result carrying the HubError code and
 * its actionable message (never a stack trace). No transport here: the hub, the ceiling and the
 * hook come in as deps.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { ErrorCodes, HubError, toHubError, type ErrorCode } from '../errors.js';
import type { Caller, HubApi } from '../hub/api.js';
import type { SecurityLevel } from '../config.js';
import type { Logger } from '../log.js';
import { checkLevel, type Role } from '../security/levels.js';
import { findTool } from './tools/index.js';
import type { ToolContext } from './tool-definition.js';

/** The key under `_meta` where an error result carries `{code, message, data}` for programs. */
export const ERROR_META_KEY = 'claude-hub/error';

export type CallOutcome = { readonly status: 'ok' } | { readonly status: 'refused' | 'invalid' | 'failed'; readonly code: ErrorCode; readonly message: string };

/**
 * Called once per tools/call, after it finished, with the arguments as the client sent them;
 * lets the hub audit refusals and bad input it never saw.
 */
export type AuditHook = (caller: Caller, tool: string, outcome: CallOutcome, args: unknown) => void;

export interface CallToolDeps {
  readonly hub: HubApi;
  readonly ceiling: SecurityLevel;
  readonly logger: Logger;
  readonly audit?: AuditHook;
}

export interface CallContext {
  readonly caller: Caller;
  /** The HTTP token's role, a second ceiling; absent on stdio. */
  readonly role?: Role;
  /** Cancellation and progress, handed to the tool (tool-definition.ts ToolContext). */
  readonly tool?: ToolContext;
}

export async function callTool(deps: CallToolDeps, name: string, rawArgs: unknown, context: CallContext): Promise<CallToolResult> {
  const outcome = await run(deps, name, rawArgs, context);
  const result = 'error' in outcome ? errorResult(outcome.error) : outcome.result;
  if (deps.audit) {
    const audited: CallOutcome = 'error' in outcome ? { status: outcome.status, code: outcome.error.code, message: outcome.error.message } : { status: 'ok' };
    try {
      deps.audit(context.caller, name, audited, rawArgs);
    } catch (error) {
      deps.logger.error('audit hook failed', { tool: name, error: String(error) });
    }
  }
  return result;
}

type RunOutcome = { readonly result: CallToolResult } | { readonly error: HubError; readonly status: 'refused' | 'invalid' | 'failed' };

async function run(deps: CallToolDeps, name: string, rawArgs: unknown, context: CallContext): Promise<RunOutcome> {
  const tool = findTool(name);
  if (!tool) {
    return {
      status: 'invalid',
      error: new HubError(ErrorCodes.INVALID_ARGUMENT, `There is no tool named "${name}"; tools/list shows the tools this server offers.`, {
        data: { tool: name },
      }),
    };
  }
  try {
    checkLevel(tool.name, tool.level, deps.ceiling, context.role);
  } catch (error) {
    return { status: 'refused', error: toHubError(error) };
  }
  const schema = context.tool?.task === true && tool.task ? tool.task.inputSchema : tool.config.inputSchema;
  const parsed = schema.safeParse(rawArgs ?? {});
  if (!parsed.success) return { status: 'invalid', error: invalidArguments(name, parsed.error) };
  try {
    const output = await tool.handler(deps.hub, context.caller, parsed.data, context.tool ?? {});
    return {
      result: { content: [{ type: 'text', text: output.text }], structuredContent: output.structured as Record<string, unknown> },
    };
  } catch (error) {
    if (error instanceof HubError) return { status: 'failed', error };
    deps.logger.error(`tool ${name} failed unexpectedly`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    const message = error instanceof Error ? error.message : String(error);
    return {
      status: 'failed',
      error: new HubError(
        ErrorCodes.INTERNAL,
        `${name} failed unexpectedly: ${message}. The hub's log (stderr or --log-dir) has the details; please report it.`,
      ),
    };
  }
}

function invalidArguments(tool: string, error: z.ZodError): HubError {
  const issues = error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(arguments)', message: issue.message }));
  const listed = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return new HubError(ErrorCodes.INVALID_ARGUMENT, `Invalid arguments for ${tool}: ${listed}. tools/list shows each parameter's type and limits.`, {
    data: { tool, issues },
  });
}

/**
 * The error travels as text (for people and models) and under `_meta` (for programs).
 * Not in structuredContent: SDK clients validate structuredContent against the tool's
 * outputSchema even on error results, and would reject the call.
 */
export function errorResult(error: HubError): CallToolResult {
  return {
    content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
    isError: true,
    _meta: { [ERROR_META_KEY]: error.toJSON() },
  };
}
