/**
 * The per-agent settings file given to `claude --settings <file>`: one hook per lifecycle
 * event that appends the event's JSON to the agent's event file (templates/hooks/emit.sh),
 * plus what the security layer adds (a PreToolUse guard, `permissions.deny`). Pure: building
 * the object and its path; the hub writes it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventsDirFor } from '../watch/layout.js';

/**
 * Events the live hub reads (field notes §0, §3). A release that does not know one of them
 * stops at a settings-error dialog, so the hub registers only those the release knows
 * (`hookEvents`, from claude-probe.ts); the first nine are known to every supported release.
 */
export const AGENT_HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PostToolUse',
  'PermissionRequest',
  'Notification',
  'Stop',
  'StopFailure',
  'SessionEnd',
  'PostToolUseFailure',
  'PermissionDenied',
  'Elicitation',
  'ElicitationResult',
] as const;
export type AgentHookEvent = (typeof AGENT_HOOK_EVENTS)[number];
/** The events every supported release knows (the first nine above): what is registered when a binary cannot be read. */
export const BASE_HOOK_EVENTS: readonly AgentHookEvent[] = AGENT_HOOK_EVENTS.slice(0, 9);

// Events that take a tool-name matcher; '*' matches every tool.
const TOOL_EVENTS: ReadonlySet<string> = new Set(['PreToolUse', 'PostToolUse', 'PermissionRequest', 'PostToolUseFailure', 'PermissionDenied']);

export interface HookCommand {
  readonly type: 'command';
  /** Exec form: `command` is one executable, `args` its arguments — no shell, so paths with spaces are safe. */
  readonly command: string;
  readonly args?: readonly string[];
  /** Seconds. */
  readonly timeout?: number;
}

export interface HookEntry {
  readonly matcher?: string;
  readonly hooks: readonly HookCommand[];
}

export interface AgentSettings {
  readonly hooks: Readonly<Record<string, readonly HookEntry[]>>;
  readonly permissions?: { readonly deny?: readonly string[]; readonly defaultMode?: string };
  readonly sandbox?: Readonly<Record<string, unknown>>;
}

export interface AgentSettingsInput {
  readonly eventsFile: string;
  /** Path of emit.sh; default: the one shipped in templates/hooks. */
  readonly emitScript?: string;
  /** The security layer's PreToolUse guard; it runs alongside the event hook. */
  readonly guardHook?: HookEntry;
  /** The budget stop (stopHook): refuses every tool call while the session's stop file says why. */
  readonly stopFile?: string;
  readonly deny?: readonly string[];
  readonly permissionMode?: string | null;
  /** Settings `sandbox` from the security layer (fences Bash where the platform supports it). */
  readonly sandbox?: Readonly<Record<string, unknown>>;
  /** The hook events this release knows (default: every one in AGENT_HOOK_EVENTS). */
  readonly hookEvents?: readonly string[];
}

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));
export const EMIT_SCRIPT = join(TEMPLATES_DIR, 'hooks', 'emit.sh');

/** `<stateDir>/events/<sessionId>/<agentName>.jsonl`, the file the hub watches for this agent. */
export function agentEventsFile(stateDir: string, sessionId: string, agentName: string): string {
  return join(eventsDirFor(stateDir, sessionId), `${agentName}.jsonl`);
}

export const STOP_SCRIPT = join(TEMPLATES_DIR, 'hooks', 'stop.sh');

/** `<stateDir>/stops/<sessionId>.txt`: while it holds a reason, the session's agents' tool calls are refused. */
export function sessionStopFile(stateDir: string, sessionId: string): string {
  return join(stateDir, 'stops', `${sessionId}.txt`);
}

/** The PreToolUse entry (every tool) that refuses calls while `stopFile` holds a reason (templates/hooks/stop.sh). */
export function stopHook(stopFile: string, script: string = STOP_SCRIPT): HookEntry {
  return { matcher: '*', hooks: [{ type: 'command', command: '/bin/sh', args: [script, stopFile], timeout: 5 }] };
}

export function emitHook(eventsFile: string, emitScript: string = EMIT_SCRIPT): HookCommand {
  // Run through /bin/sh so the script needs no exec bit (npm packs may drop it).
  return { type: 'command', command: '/bin/sh', args: [emitScript, eventsFile], timeout: 10 };
}

export function buildAgentSettings(input: AgentSettingsInput): AgentSettings {
  const emit = emitHook(input.eventsFile, input.emitScript);
  const hooks: Record<string, HookEntry[]> = {};
  const known = input.hookEvents ? new Set(input.hookEvents) : null;
  for (const event of AGENT_HOOK_EVENTS) {
    if (known && !known.has(event)) continue;
    hooks[event] = [TOOL_EVENTS.has(event) ? { matcher: '*', hooks: [emit] } : { hooks: [emit] }];
  }
  if (input.stopFile) hooks.PreToolUse = [stopHook(input.stopFile), ...(hooks.PreToolUse ?? [])];
  if (input.guardHook) hooks.PreToolUse = [input.guardHook, ...(hooks.PreToolUse ?? [])];
  const permissions = {
    ...(input.deny && input.deny.length > 0 ? { deny: [...input.deny] } : {}),
    ...(input.permissionMode ? { defaultMode: input.permissionMode } : {}),
  };
  return {
    hooks,
    ...(Object.keys(permissions).length > 0 ? { permissions } : {}),
    ...(input.sandbox ? { sandbox: input.sandbox } : {}),
  };
}
