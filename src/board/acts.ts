/**
 * An act from the board is a tool call: the same core call, the same level and role checks,
 * the same argument validation and the same audit as when an MCP client calls that tool
 * (server/call-tool.ts), with the board's caller (`board:<who>`). Only the board's four acts
 * are accepted here; anything else is refused before the hub sees it.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCodes, HubError, type ErrorCode } from '../errors.js';
import type { Caller } from '../hub/api.js';
import { callTool, ERROR_META_KEY, type CallToolDeps } from '../server/call-tool.js';
import { BOARD_ACTS, type BoardCaller } from './access.js';

export interface ActReply {
  readonly status: number;
  readonly body:
    | { readonly ok: true; readonly result: unknown; readonly text: string }
    | { readonly ok: false; readonly error: { code: string; message: string } };
}

/** The body of POST /board/api/act: `{tool, args}`. */
export async function runAct(deps: CallToolDeps, caller: BoardCaller, body: unknown): Promise<ActReply> {
  const { tool, args } = (body ?? {}) as { tool?: unknown; args?: unknown };
  if (typeof tool !== 'string' || !(BOARD_ACTS as readonly string[]).includes(tool)) {
    return refusal(
      new HubError(ErrorCodes.INVALID_ARGUMENT, `The board acts only through ${BOARD_ACTS.join(', ')}; send {"tool": one of them, "args": {...}}.`),
    );
  }
  const hubCaller: Caller = { kind: 'mcp', id: `board:${caller.who}` };
  const result = await callTool(deps, tool, args ?? {}, { caller: hubCaller, ...(caller.role === null ? {} : { role: caller.role }) });
  if (!result.isError) {
    const text = result.content.find((c) => c.type === 'text');
    return { status: 200, body: { ok: true, result: result.structuredContent ?? null, text: text?.type === 'text' ? text.text : '' } };
  }
  const error = (result._meta?.[ERROR_META_KEY] ?? {}) as { code?: string; message?: string };
  return refusal(new HubError((error.code ?? ErrorCodes.INTERNAL) as ErrorCode, error.message ?? textOf(result)));
}

/** A refusal as an HTTP answer: the code's status, the message that says what to do. */
export function refusal(error: HubError): ActReply {
  return { status: httpStatusOf(error.code), body: { ok: false, error: { code: error.code, message: error.message } } };
}

export function httpStatusOf(code: string): number {
  if (code === ErrorCodes.FORBIDDEN) return 403;
  if (code === ErrorCodes.UNAUTHORIZED) return 401;
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code.startsWith('INVALID_') || code === ErrorCodes.TOO_LARGE) return 400;
  if (code === ErrorCodes.INTERNAL) return 500;
  return 409;
}

function textOf(result: CallToolResult): string {
  const text = result.content.find((c) => c.type === 'text');
  return text?.type === 'text' ? text.text : 'The act failed.';
}
