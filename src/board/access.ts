/**
 * Who may look at the board and what they may do. Requests pass, in order: the Host check
 * (on a loopback bind, only the loopback names and the bound port: DNS-rebinding protection),
 * the Origin check (a request a browser sends from another site is refused: no cross-site
 * acts, no reading the stream from another page), and, when the hub has a tokens file, the
 * bearer token, whose role is a second ceiling as for the MCP tools. Without a tokens file the
 * board is on loopback only (serve refuses otherwise) and its caller is the local person.
 */
import type { IncomingMessage } from 'node:http';
import type { SecurityLevel } from '../config.js';
import { ErrorCodes, HubError } from '../errors.js';
import { levelAllows, type Role } from '../security/levels.js';
import { isLoopback, type Authenticate } from '../server/http.js';
import { findTool } from '../server/tools/index.js';
import type { BoardAccess } from './types.js';

/** The tools the board can call: answer a dialog, send a message, create a task, change a task. */
export const BOARD_ACTS = ['answer_agent_prompt', 'send_message_to_agent', 'create_task', 'update_task'] as const;

export interface BoardGate {
  /** The address the server is bound to (the Host check applies to a loopback bind). */
  readonly bindHost: string;
  readonly ceiling: SecurityLevel;
  /** Null: no tokens file (loopback only). */
  readonly authenticate: Authenticate | null;
}

export interface BoardCaller {
  /** The token's name, or `local` without a tokens file. */
  readonly who: string;
  readonly role: Role | null;
}

/** The Host header values a loopback server answers to, on the port this request came in on. */
export function allowedHosts(gate: BoardGate, req: IncomingMessage): string[] {
  const port = req.socket.localPort ?? 0;
  const shown = gate.bindHost.includes(':') && !gate.bindHost.startsWith('[') ? `[${gate.bindHost}]` : gate.bindHost;
  return [...new Set([`${shown}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])];
}

/** FORBIDDEN for a Host a loopback server does not answer to (a rebound DNS name). */
export function checkHost(gate: BoardGate, req: IncomingMessage): void {
  if (!isLoopback(gate.bindHost)) return;
  const hosts = allowedHosts(gate, req);
  if (hosts.includes(req.headers.host ?? '')) return;
  throw new HubError(
    ErrorCodes.FORBIDDEN,
    `Invalid Host header ${JSON.stringify(req.headers.host ?? '')}: the board answers only to ${hosts.join(', ')}. Open the URL claude-hub dashboard prints.`,
  );
}

/**
 * FORBIDDEN for a request a browser made from another origin. A request without Origin (curl,
 * a same-origin GET) passes; Sec-Fetch-Site `cross-site` never does.
 */
export function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  const own = `http://${req.headers.host ?? ''}`;
  if ((origin === undefined || origin === own) && site !== 'cross-site') return;
  throw new HubError(
    ErrorCodes.FORBIDDEN,
    `Cross-origin request refused (Origin ${JSON.stringify(origin ?? site ?? '')}): the board acts only for its own page at ${own}/.`,
  );
}

/** Who is calling; UNAUTHORIZED without a known token when the hub has a tokens file. */
export function callerOf(gate: BoardGate, req: IncomingMessage): BoardCaller {
  if (gate.authenticate === null) return { who: 'local', role: null };
  const principal = gate.authenticate(req.headers.authorization);
  if (principal === null) {
    throw new HubError(
      ErrorCodes.UNAUTHORIZED,
      'Missing or unknown token: open the board with the URL claude-hub dashboard prints, ending in #token=<a token from the tokens file>.',
    );
  }
  return { who: principal.name, role: principal.role };
}

/** What the caller may do on the board: the acts its role and the hub's ceiling both allow. */
export function accessOf(gate: BoardGate, caller: BoardCaller): BoardAccess {
  const acts = BOARD_ACTS.filter((name) => {
    const tool = findTool(name);
    return tool !== undefined && levelAllows(tool.level, gate.ceiling, caller.role ?? undefined);
  });
  return { who: caller.who, role: caller.role, ceiling: gate.ceiling, acts };
}
