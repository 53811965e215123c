/**
 * What tools/list says about each tool, made small: a model reads it whole on every session.
 * A title is listed only when it says more than the name (MCP clients show the name without
 * one; Claude Code shows annotations.title or the name and never reads a tool's title).
 * The JSON Schemas are the SDK's own conversion of each tool's zod schemas (zod's toJSONSchema),
 * without what tells a model nothing: the `$schema` line, `additionalProperties: {}` (any
 * extra field is allowed anyway; `false`: the server refuses unknown arguments by name), the
 * ±2^53 bounds zod gives every integer, `default: false` (an omitted flag is false), `anyOf` of two bare types (one type list), the type of a string enum (its values say it), and regex patterns and length limits up to 4 KiB and list lengths (a
 * description says the same in words; the server checks the arguments with the full zod schema
 * and says what is wrong). Output schemas keep the name and type of each field, not which are
 * required nor their descriptions: a model never reads an output schema (Claude Code hands a
 * model each tool's name, description and input schema; the result's own keys say what it
 * holds), and a program that validates a result needs no prose. The zod schemas in
 * src/server/tools/*.ts keep the descriptions, and README.md's tools table says what each returns. Annotations list only the hints that differ from MCP's
 * defaults (readOnly false, destructive true, idempotent false, openWorld true), and for a
 * read-only tool not the two MCP says are meaningless then (destructive, idempotent).
 */
import { z } from 'zod';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { SecurityLevel } from '../config.js';
import { levelAllows } from '../security/levels.js';
import type { ToolDefinition } from './tool-definition.js';
import { TOOLS } from './tools/index.js';

const cache = new Map<SecurityLevel, Tool[]>();

/** The tools a server at `level` lists, in TOOLS order. */
export function listedTools(level: SecurityLevel): Tool[] {
  let tools = cache.get(level);
  if (tools === undefined) {
    tools = TOOLS.filter((tool) => levelAllows(tool.level, level)).map(describeTool);
    cache.set(level, tools);
  }
  return tools;
}

export function describeTool(tool: ToolDefinition): Tool {
  const annotations = withoutDefaults(tool.config.annotations);
  return {
    name: tool.name,
    // A title that only spells the name in words tells nothing (clients show the name then).
    ...(saysMoreThanName(tool.config.title, tool.name) ? { title: tool.config.title } : {}),
    description: tool.config.description,
    inputSchema: compact(z.toJSONSchema(tool.config.inputSchema, { target: 'draft-7', io: 'input' }), false) as Tool['inputSchema'],
    outputSchema: compact(z.toJSONSchema(tool.config.outputSchema, { target: 'draft-7', io: 'output' }), true) as Tool['outputSchema'],
    // All hints at MCP's defaults: nothing to say.
    ...(Object.keys(annotations ?? {}).length === 0 ? {} : { annotations }),
    ...(tool.config._meta === undefined ? {} : { _meta: { ...tool.config._meta } }),
    // A tool that may run as an MCP task says so (without it, clients must not ask for one).
    ...(tool.task ? { execution: { taskSupport: 'optional' as const } } : {}),
  };
}

/** False for a title that is the tool's name with spaces ("Create session" for create_session). */
export function saysMoreThanName(title: string, name: string): boolean {
  return title.toLowerCase() !== name.replaceAll('_', ' ');
}

const SAFE = Number.MAX_SAFE_INTEGER;

function isBareType(schema: unknown): boolean {
  return schema !== null && typeof schema === 'object' && Object.keys(schema).length === 1 && typeof (schema as Record<string, unknown>)['type'] === 'string';
}

function undescribed(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema) || (schema as Record<string, unknown>)['type'] === 'object') return schema;
  const { description: _description, ...rest } = schema as Record<string, unknown>;
  return rest;
}

const DEFAULT_HINTS = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true } as const;

/** The annotations that say something MCP's defaults do not. */
export function withoutDefaults(annotations: Tool['annotations']): Tool['annotations'] {
  const out: Record<string, unknown> = {};
  // MCP: destructive and idempotent are meaningful only when readOnlyHint is false; a read says neither.
  const readOnly = annotations?.readOnlyHint === true;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (readOnly && (key === 'destructiveHint' || key === 'idempotentHint')) continue;
    if (DEFAULT_HINTS[key as keyof typeof DEFAULT_HINTS] !== value) out[key] = value;
  }
  return out;
}

/** A copy of a JSON Schema without the noise (see the file comment). */
export function compact(schema: unknown, output: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((entry) => compact(entry, output));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema' || key === 'pattern') continue;
    if (key === 'minLength' && value === 1) continue;
    // Limits no one meets by accident (names, paths, one-liners, lists): the server names them when exceeded; those of bodies and messages stay.
    if (key === 'maxLength' && typeof value === 'number' && value <= 4096) continue;
    if (key === 'maxItems') continue;
    if (output && (key === 'required' || key === 'description')) continue;
    // Unknown arguments are refused by the server by name (strict input schemas); saying so per tool costs more than it tells.
    if (key === 'additionalProperties') continue;
    if (key === 'additionalProperties' && value !== null && typeof value === 'object' && Object.keys(value).length === 0) continue;
    if (key === 'properties' && value !== null && typeof value === 'object' && Object.keys(value).length === 0) continue;
    // An omitted flag is false anyway.
    if (key === 'default' && value === false) continue;
    if ((key === 'maximum' && value === SAFE) || (key === 'minimum' && value === -SAFE)) continue;
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as object).map(([name, field]) => [name, compact(field, output)]))
        : compact(value, output);
  }
  // An enum names every value, and so its type.
  if (Array.isArray(out['enum']) && out['enum'].every((v) => typeof v === 'string') && out['type'] === 'string') delete out['type'];
  // A field's own description says it; the shared one of its item or variant repeats it.
  if (typeof out['description'] === 'string') {
    if (Array.isArray(out['anyOf'])) out['anyOf'] = out['anyOf'].map(undescribed);
    if (out['items'] !== undefined) out['items'] = undescribed(out['items']);
  }
  // A nullable field: one type list instead of two variants.
  const variants = out['anyOf'];
  if (Array.isArray(variants) && variants.length === 2 && variants.every((v) => isBareType(v))) {
    out['type'] = variants.map((v) => (v as { type: string }).type);
    delete out['anyOf'];
  }
  return out;
}
