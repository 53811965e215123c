/**
 * iTerm2 scripts quote the agent's env (API keys) and the message text being typed; when
 * osascript fails, the HubError the hub returns and logs must carry osascript's complaint,
 * never the script. Real processes stand in for osascript where no macOS is at hand: `false`
 * (fails silently), and `sh` run through execFile the way run-applescript runs osascript.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isHubError } from '../../src/errors.js';
import { appleScriptError, ITerm2Backend } from '../../src/terminal/iterm2.js';

const apiKey = 'sk-ant-test-0123456789abcdef0123456789abcdef';
const messageText = 'PRIVATE-MESSAGE-TEXT-77';

function shown(error: unknown): string {
  return `${String(error)} ${JSON.stringify(error)}`;
}

/** A real promisified-execFile failure whose command line carries the secrets, as run-applescript makes them. */
function execFileError(stderr: string): Promise<unknown> {
  return promisify(execFile)('sh', ['-c', `printf '%s\\n' "$0" >&2; exit 1`, stderr, `ANTHROPIC_API_KEY=${apiKey} ${messageText}`]).then(
    () => 'succeeded',
    (error: unknown) => error,
  );
}

describe('iTerm2 errors do not quote the script', () => {
  it('through exec: open and sendText failures name osascript, not the env or the text', async () => {
    const backend = new ITerm2Backend({ platform: 'linux', osascriptCommand: 'false' });
    const opened = await backend.open({ session: 'proj', name: 'Agent_1', cwd: '/tmp', argv: ['claude'], env: { ANTHROPIC_API_KEY: apiKey } }).then(
      () => 'opened',
      (error: unknown) => error,
    );
    expect(opened).toMatchObject({ code: ErrorCodes.TERMINAL_ERROR, message: 'iTerm2 AppleScript failed: osascript exited with 1 and said nothing' });
    expect(shown(opened)).not.toContain(apiKey);
    const typed = await backend.sendText({ backend: 'iterm2', id: 'ABC-123' }, messageText).then(
      () => 'typed',
      (error: unknown) => error,
    );
    expect(isHubError(typed)).toBe(true);
    expect(shown(typed)).not.toContain(messageText);
  });

  it('through execFile: the stderr decides the code and is all the message shows', async () => {
    const denied = appleScriptError(await execFileError('execution error: Not authorized to send Apple events to iTerm2. (-1743)'));
    expect(denied.code).toBe(ErrorCodes.AUTOMATION_DENIED);
    const other = appleScriptError(await execFileError('execution error: something odd (-2700)'));
    expect(other).toMatchObject({ code: ErrorCodes.TERMINAL_ERROR, message: 'iTerm2 AppleScript failed: execution error: something odd (-2700)' });
    for (const error of [denied, other]) {
      expect(shown(error)).not.toContain(apiKey);
      expect(shown(error)).not.toContain(messageText);
    }
  });
});
