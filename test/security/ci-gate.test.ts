/**
 * The rule behind test/helpers/ci-gate.ts, which the sandbox tests (sandbox-claude, sandbox-hub)
 * use: coverage the machine cannot run is skipped with its reason on a developer's machine, and
 * fails with that reason under CI, so a CI machine without user namespaces cannot go green
 * without the security proof.
 */
import { describe, expect, it } from 'vitest';
import { gateDecision, isCi } from '../helpers/ci-gate.js';

describe('ci gate', () => {
  it('reads CI like CI services set it', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'True' })).toBe(true);
    expect(isCi({})).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '0' })).toBe(false);
  });

  it('runs what is available, in CI or not', () => {
    expect(gateDecision('x.test.ts', 'the sandbox', true, 'bubblewrap and socat found', true)).toEqual({ action: 'run' });
    expect(gateDecision('x.test.ts', 'the sandbox', true, 'bubblewrap and socat found', false)).toEqual({ action: 'run' });
  });

  it('skips what is unavailable outside CI, saying why', () => {
    const decision = gateDecision('x.test.ts', 'the sandbox', false, 'install bubblewrap', false);
    expect(decision.action).toBe('skip');
    expect(decision).toMatchObject({ message: expect.stringMatching(/^x\.test\.ts skipped: the sandbox cannot run here: install bubblewrap/) as unknown });
  });

  it('fails what is unavailable under CI, with the reason', () => {
    const decision = gateDecision('x.test.ts', 'the sandbox', false, 'user namespaces may be disabled', true);
    expect(decision.action).toBe('fail');
    expect(decision).toMatchObject({ message: expect.stringMatching(/under CI a skip is a failure: user namespaces may be disabled/) as unknown });
  });
});
