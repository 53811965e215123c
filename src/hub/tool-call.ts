/**
 * How an area offers its tool calls: each area module exports the interface of its calls (its
 * part of HubApi, api.ts) and a function that builds them over a ToolRunner — the facade's
 * audit wrapper (hub.ts) — saying per call which tool it is, what is audited as its parameters
 * and which session and agent it concerns. The facade combines the areas' calls into one
 * object, as vscode-languageserver-node combines its features: a new call is written in its
 * area alone (docs/architecture.md, "Adding a tool").
 */
import type { Caller } from './api.js';

/** What an audit entry says a call concerned. */
export interface AuditTags {
  readonly session?: string;
  readonly agent?: string;
}

/**
 * Runs `run` as the tool call `tool` of `caller` and audits it whatever its outcome; a read
 * (`readOnly`) answers before its entry is durable (hub.ts #tool says why).
 */
export type ToolRunner = <T>(
  caller: Caller,
  tool: string,
  params: unknown,
  run: () => Promise<T>,
  tagsOf: (result: T) => AuditTags,
  options?: { readonly readOnly?: boolean },
) => Promise<T>;

export const READ_ONLY = { readOnly: true } as const;

export function optionalSession(session: string | undefined): AuditTags {
  return session === undefined ? {} : { session };
}
