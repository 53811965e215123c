/**
 * A tool's security level, read from its definition (`level` in src/server/tools/<tool>.ts,
 * the one place it is written): tools/list, the server's instructions and the tools/call check
 * all ask here. The arithmetic of levels and roles is src/security/levels.ts. A name that is no
 * tool needs HIGH (fail closed).
 */
import type { SecurityLevel } from '../config.js';
import { checkLevel, levelAllows, type Role } from '../security/levels.js';
import { findTool, TOOLS } from './tools/index.js';

/** name → level, for tables and tests (built from the definitions, never written twice). */
export const TOOL_LEVELS: Readonly<Record<string, SecurityLevel>> = Object.freeze(Object.fromEntries(TOOLS.map((tool) => [tool.name, tool.level])));

/** The level a tool needs. Unknown names are treated as HIGH (fail closed). */
export function toolLevel(tool: string): SecurityLevel {
  return findTool(tool)?.level ?? 'HIGH';
}

/** True when `tool` may run under `ceiling` (and under `role`, when one is given). */
export function allowedAt(tool: string, ceiling: SecurityLevel, role?: Role): boolean {
  return levelAllows(toolLevel(tool), ceiling, role);
}

/** The tools a server with this ceiling lists (and a role may call), in TOOLS order. */
export function toolsAllowedAt(ceiling: SecurityLevel, role?: Role): string[] {
  return TOOLS.filter((tool) => levelAllows(tool.level, ceiling, role)).map((tool) => tool.name);
}

/** Throws FORBIDDEN, saying what the tool needs, what is allowed, and how to change it. */
export function checkToolAllowed(tool: string, ceiling: SecurityLevel, role?: Role): void {
  checkLevel(tool, toolLevel(tool), ceiling, role);
}
