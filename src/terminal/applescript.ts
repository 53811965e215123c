/**
 * Pure builders of the AppleScript that drives iTerm2 (field notes §5). Every value that enters
 * a script goes through `escapeAppleScriptString` (backslash first, then double quote); the
 * command iTerm2 runs in a new tab is `/bin/zsh -lc '<cd && env -i … argv>'`, each word quoted
 * for the shell. Each script starts with a `-- claude-hub: <op>` line so logs (and the fake
 * osascript of the tests) can tell them apart. Sessions are found by their unique ID.
 */
import type { OpenSpec } from './backend.js';

export const HUB_SESSION_VARIABLE = 'user.hub_session';
export const HUB_AGENT_VARIABLE = 'user.hub_agent';
const APP = 'iTerm2';

/** A string literal body for AppleScript: backslash first, then double quote; line breaks as escapes. */
export function escapeAppleScriptString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

export function appleScriptString(value: string): string {
  return `"${escapeAppleScriptString(value)}"`;
}

/** POSIX shell single-quoting: the word is taken literally by zsh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The inner shell line: cd into the root, then run argv with exactly `env`. */
export function tabShellLine(spec: Pick<OpenSpec, 'cwd' | 'argv' | 'env'>): string {
  const vars = Object.entries(spec.env).map(([key, value]) => shellQuote(`${key}=${value}`));
  return `cd ${shellQuote(spec.cwd)} && exec /usr/bin/env -i ${[...vars, ...spec.argv.map(shellQuote)].join(' ')}`;
}

/** What iTerm2's `command` gets: zsh with the line as ONE quoted argument (iTerm2 tokenizes like a shell). */
export function tabCommand(spec: Pick<OpenSpec, 'cwd' | 'argv' | 'env'>): string {
  return `/bin/zsh -lc ${shellQuote(tabShellLine(spec))}`;
}

/** Opens a tab in the hub session's window (a new window if there is none); returns `<uniqueID>\t<windowId>`. */
export function openScript(spec: OpenSpec): string {
  const command = appleScriptString(tabCommand(spec));
  const session = appleScriptString(spec.session);
  const name = appleScriptString(spec.name);
  return [
    '-- claude-hub: open',
    `tell application "${APP}"`,
    '  set hubWindow to missing value',
    '  repeat with w in windows',
    '    repeat with t in tabs of w',
    '      repeat with s in sessions of t',
    `        if (variable named "${HUB_SESSION_VARIABLE}" of s) is ${session} then set hubWindow to w`,
    '      end repeat',
    '    end repeat',
    '  end repeat',
    '  if hubWindow is missing value then',
    `    set hubWindow to (create window with default profile command ${command})`,
    '    set newTab to current tab of hubWindow',
    '  else',
    `    tell hubWindow to set newTab to (create tab with default profile command ${command})`,
    '  end if',
    '  set newSession to current session of newTab',
    '  tell newSession',
    `    set name to ${name}`,
    `    set variable named "${HUB_SESSION_VARIABLE}" to ${session}`,
    `    set variable named "${HUB_AGENT_VARIABLE}" to ${name}`,
    '  end tell',
    '  return (unique ID of newSession) & tab & ((id of hubWindow) as text)',
    'end tell',
  ].join('\n');
}

/** Runs `body` (AppleScript lines using `s`) on the session with this unique ID; returns "missing" when there is none. */
function withSession(op: string, id: string, body: readonly string[]): string {
  return [
    `-- claude-hub: ${op}`,
    `tell application "${APP}"`,
    '  repeat with w in windows',
    '    repeat with t in tabs of w',
    '      repeat with s in sessions of t',
    `        if (unique ID of s) is ${appleScriptString(id)} then`,
    ...body.map((line) => `          ${line}`),
    '        end if',
    '      end repeat',
    '    end repeat',
    '  end repeat',
    '  return "missing"',
    'end tell',
  ].join('\n');
}

/** One bracketed paste, no newline: `ESC[200~ text ESC[201~` (text is already sanitized: no ESC inside). */
export function sendTextScript(id: string, text: string): string {
  const payload = `(character id 27) & "[200~" & ${appleScriptString(text)} & (character id 27) & "[201~"`;
  return withSession('send-text', id, [`tell s to write text (${payload}) newline no`, 'return "ok"']);
}

/** `write text ""` sends Return. */
export function submitScript(id: string): string {
  return withSession('submit', id, ['tell s to write text ""', 'return "ok"']);
}

/** AppleScript expressions for the keys the hub may press at a dialog. */
export const KEY_EXPRESSIONS: Readonly<Record<string, string>> = {
  Enter: '(character id 13)',
  Escape: '(character id 27)',
  Tab: '(character id 9)',
  Up: '(character id 27) & "[A"',
  Down: '(character id 27) & "[B"',
  Right: '(character id 27) & "[C"',
  Left: '(character id 27) & "[D"',
  Space: '" "',
};

/** Returns null when a key has no mapping (the caller reports it). */
export function sendKeysScript(id: string, keys: readonly string[]): string | null {
  const parts: string[] = [];
  for (const key of keys) {
    const mapped = KEY_EXPRESSIONS[key] ?? (/^[A-Za-z0-9]$/.test(key) ? appleScriptString(key) : undefined);
    if (mapped === undefined) return null;
    parts.push(mapped);
  }
  return withSession('send-keys', id, [`tell s to write text (${parts.join(' & ')}) newline no`, 'return "ok"']);
}

export function readScreenScript(id: string): string {
  return withSession('read-screen', id, ['return "ok" & (text of s)']);
}

export function isAliveScript(id: string): string {
  return withSession('is-alive', id, ['return "alive"']);
}

export function closeScript(id: string): string {
  return withSession('close', id, ['close s', 'return "ok"']);
}

/** One line per hub tab: `<uniqueID>\t<window id>\t<hub session>\t<agent>`. */
export function listScript(): string {
  return [
    '-- claude-hub: list',
    `tell application "${APP}"`,
    '  set out to ""',
    '  repeat with w in windows',
    '    repeat with t in tabs of w',
    '      repeat with s in sessions of t',
    `        set hubSession to (variable named "${HUB_SESSION_VARIABLE}" of s)`,
    '        if hubSession is not missing value and hubSession is not "" then',
    `          set out to out & (unique ID of s) & tab & ((id of w) as text) & tab & hubSession & tab & (variable named "${HUB_AGENT_VARIABLE}" of s) & linefeed`,
    '        end if',
    '      end repeat',
    '    end repeat',
    '  end repeat',
    '  return out',
    'end tell',
  ].join('\n');
}
