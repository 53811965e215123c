/**
 * What one MCP tool is: its name, the security level it needs, what a client is told about it
 * (title, description, zod input/output schemas, annotations) and a thin handler that makes one
 * call to the hub. The server registers these; nothing here touches a transport.
 */
import type { z } from 'zod';
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Caller, HubApi } from '../hub/api.js';
import type { SecurityLevel } from '../config.js';

/** What a handler gives back: the structured result and one short sentence for people. */
export interface ToolOutput {
  /** Must match the tool's outputSchema (clients validate it; the tests do too). */
  readonly structured: object;
  readonly text: string;
}

/**
 * What the transport gives a call besides its arguments: the request's cancellation, and a
 * way to send progress notifications (only when the client sent a progressToken). Tools that
 * answer at once ignore it; wait_for_team uses both.
 */
export interface ToolContext {
  readonly signal?: AbortSignal;
  readonly progress?: (progress: number, total: number, message: string) => void;
  /** The call runs as an MCP task (task-augmented tools/call): the client holds no request open. */
  readonly task?: boolean;
}

export interface ToolDefinition<In extends z.ZodObject = z.ZodObject, Out extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly level: SecurityLevel;
  readonly config: {
    readonly title: string;
    readonly description: string;
    readonly inputSchema: In;
    readonly outputSchema: Out;
    readonly annotations: ToolAnnotations;
    /** Listed as the tool's `_meta`, e.g. `{ui: {resourceUri}}`: the MCP App a host shows with its result. */
    readonly _meta?: Readonly<Record<string, unknown>>;
  };
  /**
   * A tool that may run as an MCP task (tools/list says `execution.taskSupport: optional`): the
   * input schema for such a call, e.g. a longer timeout. Plain calls keep config.inputSchema.
   */
  readonly task?: { readonly inputSchema: z.ZodObject };
  handler(hub: HubApi, caller: Caller, args: z.output<In>, context: ToolContext): Promise<ToolOutput>;
}

/** Keeps each tool file's types precise while the registry holds them uniformly. */
export function defineTool<In extends z.ZodObject, Out extends z.ZodObject>(definition: ToolDefinition<In, Out>): ToolDefinition {
  return definition as unknown as ToolDefinition;
}

/** Annotation presets that say the truth about the three kinds of tools. */
export const READ_ONLY: ToolAnnotations = Object.freeze({
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
});
