/**
 * Levels and roles. Every MCP tool has a level (LOW reads, MEDIUM acts, HIGH creates or
 * deletes), written once in its definition (src/server/tools/<tool>.ts, read through
 * src/server/tool-levels.ts); the server's `--security-level` is a ceiling, and over HTTP a
 * token's role is a second ceiling. A call is allowed only when its level is within both.
 */
import { HubError, ErrorCodes } from '../errors.js';
import { SECURITY_LEVELS, type SecurityLevel } from '../config.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LEVELS: Readonly<Record<Role, SecurityLevel>> = Object.freeze({
  viewer: 'LOW',
  operator: 'MEDIUM',
  admin: 'HIGH',
});

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function isSecurityLevel(value: string): value is SecurityLevel {
  return (SECURITY_LEVELS as readonly string[]).includes(value);
}

export function levelRank(level: SecurityLevel): number {
  return SECURITY_LEVELS.indexOf(level);
}

/** True when a tool that needs `needed` may run under `ceiling` (and under `role`, when one is given). */
export function levelAllows(needed: SecurityLevel, ceiling: SecurityLevel, role?: Role): boolean {
  if (levelRank(needed) > levelRank(ceiling)) return false;
  return role === undefined || levelRank(needed) <= levelRank(ROLE_LEVELS[role]);
}

/** Throws FORBIDDEN for `tool` (which needs `needed`), saying what is allowed and how to change it. */
export function checkLevel(tool: string, needed: SecurityLevel, ceiling: SecurityLevel, role?: Role): void {
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
