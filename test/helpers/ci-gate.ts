/**
 * Coverage that may be skipped on a developer's machine but never silently in CI.
 *
 * Some tests can only run where the machine allows it (Claude Code's Bash sandbox needs
 * bubblewrap, socat and user namespaces). Outside CI such a file is skipped with a warning that
 * says why and how to enable it. Under CI (`CI` set to anything but "", "0" or "false", as CI
 * services set it; .ci/run sets CI=true) a skip would make a green run hide that the proof did
 * not run, so the file gets one failing test instead, whose error is the reason.
 */
import { it } from 'vitest';

/** Whether the environment says this is a CI run. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

export type GateDecision = { readonly action: 'run' } | { readonly action: 'skip' | 'fail'; readonly message: string };

/** Pure: what to do with tests that need `what`, given whether it is available here and why not. */
export function gateDecision(file: string, what: string, available: boolean, reason: string, ci: boolean): GateDecision {
  if (available) return { action: 'run' };
  if (ci) {
    return {
      action: 'fail',
      message: `${file}: ${what} cannot run here, and under CI a skip is a failure: ${reason}. Make it work on this machine (.ci/run tries to) or run without CI=true to skip.`,
    };
  }
  return { action: 'skip', message: `${file} skipped: ${what} cannot run here: ${reason} (under CI=true this is a failure)` };
}

/**
 * Call at a test file's top level. Returns true when the file's tests should be skipped (use it
 * with describe.skipIf). When they must not be skipped (CI), registers a failing test that
 * carries the reason, so the run goes red and says why.
 */
export function skipUnlessAvailable(file: string, what: string, available: boolean, reason: string): boolean {
  const decision = gateDecision(file, what, available, reason, isCi());
  if (decision.action === 'run') return false;
  if (decision.action === 'skip') {
    console.warn(decision.message);
    return true;
  }
  it(`${what} is available (required under CI)`, () => {
    throw new Error(decision.message);
  });
  return true;
}
