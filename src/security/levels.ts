/**
 * Tool levels and roles. Every MCP tool has a level (LOW reads, MEDIUM acts, HIGH creates or
 * deletes); the server's `--security-level` is a ceiling, and over HTTP a token's role is a
 * second ceiling. A call is allowed only when its level is within both.
 */
import { HubError, ErrorCodes } from '../errors.js';
import { SECURITY_LEVELS, type SecurityLevel } from '../config.js';

export const TOOL_LEVELS = Object.freeze({
  create_session: 'MEDIUM',
  get_session_status: 'LOW',
  delete_session: 'HIGH',
  create_agent: 'HIGH',
  delete_agent: 'HIGH',
  send_message_to_agent: 'MEDIUM',
  clear_agent_conversation: 'MEDIUM',
  start_new_agent_conversation: 'MEDIUM',
  answer_agent_prompt: 'MEDIUM',
  list_sessions: 'LOW',
  list_tasks: 'LOW',
  create_task: 'MEDIUM',
  update_task: 'MEDIUM',
  edit_todo: 'MEDIUM',
  read_agent_output: 'LOW',
} as const satisfies Record<string, SecurityLevel>);

export type ToolName = keyof typeof TOOL_LEVELS;

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LEVELS: Readonly<Record<Role, SecurityLevel>> = Object.freeze({
  viewer: 'LOW',
  operator: 'MEDIUM',
  admin: 'HIGH',
});

export function isToolName(name: string): name is ToolName {
  return Object.prototype.hasOwnProperty.call(TOOL_LEVELS, name);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function isSecurityLevel(value: string): value is SecurityLevel {
  return (SECURITY_LEVELS as readonly string[]).includes(value);
}

export function levelRank(level: SecurityLevel): number {
  return SECURITY_LEVELS.indexOf(level);
}

/** The level a tool needs. Unknown names are treated as HIGH (fail closed). */
export function toolLevel(tool: string): SecurityLevel {
  return isToolName(tool) ? TOOL_LEVELS[tool] : 'HIGH';
}

/** True when `tool` may run under `ceiling` (and under `role`, when one is given). */
export function allowedAt(tool: string, ceiling: SecurityLevel, role?: Role): boolean {
  const needed = levelRank(toolLevel(tool));
  if (needed > levelRank(ceiling)) return false;
  return role === undefined || needed <= levelRank(ROLE_LEVELS[role]);
}

/** The tools a server with this ceiling lists (and a role may call). */
export function toolsAllowedAt(ceiling: SecurityLevel, role?: Role): ToolName[] {
  return (Object.keys(TOOL_LEVELS) as ToolName[]).filter((tool) => allowedAt(tool, ceiling, role));
}

/** Throws FORBIDDEN, saying what the tool needs, what is allowed, and how to change it. */
export function checkToolAllowed(tool: string, ceiling: SecurityLevel, role?: Role): void {
  const needed = toolLevel(tool);
  const data = { tool, needed, ceiling, ...(role === undefined ? {} : { role, roleLevel: ROLE_LEVELS[role] }) };
  if (levelRank(needed) > levelRank(ceiling)) {
    throw new HubError(
      ErrorCodes.FORBIDDEN,
      `${tool} needs security level ${needed}, but this server runs at ${ceiling}. ` +
        `Restart claude-hub with --security-level ${needed} (or CLAUDE_HUB_SECURITY_LEVEL=${needed}) to allow it.`,
      { data },
    );
  }
  if (role !== undefined && levelRank(needed) > levelRank(ROLE_LEVELS[role])) {
    const roleNeeded = ROLES.find((r) => levelRank(ROLE_LEVELS[r]) >= levelRank(needed)) ?? 'admin';
    throw new HubError(
      ErrorCodes.FORBIDDEN,
      `${tool} needs security level ${needed}, but your token's role "${role}" allows only ${ROLE_LEVELS[role]}. ` +
        `Ask the hub's owner for a token with role "${roleNeeded}" in the tokens file.`,
      { data },
    );
  }
}
