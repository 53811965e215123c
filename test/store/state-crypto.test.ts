import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { HubError } from '../../src/errors.js';
import { ENVELOPE_OVERHEAD, keyId, open, seal } from '../../src/store/state-crypto.js';

const key = randomBytes(32);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof HubError ? error.code : 'not a HubError';
  }
  return 'no error';
}

describe('state envelope', () => {
  it('round-trips and never shows the plaintext', () => {
    const plaintext = Buffer.from('{"secret":"hunter2 hunter2"}');
    const sealed = seal(plaintext, key);
    expect(sealed.includes(Buffer.from('hunter2'))).toBe(false);
    expect(sealed.length).toBe(plaintext.length + ENVELOPE_OVERHEAD);
    expect(open(sealed, key).equals(plaintext)).toBe(true);
  });

  it('flipping any bit anywhere is STATE_CORRUPT (or STATE_KEY inside the key id), never plaintext', () => {
    const sealed = seal(Buffer.from(JSON.stringify({ sessions: ['a', 'b'], n: 42 })), key);
    fc.assert(
      fc.property(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        const copy = Buffer.from(sealed);
        copy[at] = (copy[at] ?? 0) ^ (1 << bit);
        const code = codeOf(() => open(copy, key));
        expect(code).toBe(at >= 9 && at < 17 ? 'STATE_KEY' : 'STATE_CORRUPT');
      }),
      { numRuns: 300 },
    );
  });

  it('every truncation is STATE_CORRUPT', () => {
    const sealed = seal(Buffer.from('x'.repeat(100)), key);
    for (let length = 0; length < sealed.length; length += 1) expect(codeOf(() => open(sealed.subarray(0, length), key))).toBe('STATE_CORRUPT');
  });

  it('another key is STATE_KEY naming both key ids; a key of the wrong size is refused', () => {
    const other = randomBytes(32);
    const sealed = seal(Buffer.from('{}'), key);
    let error: unknown;
    try {
      open(sealed, other);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('STATE_KEY');
    expect((error as HubError).data).toEqual({ fileKeyId: keyId(key), keyId: keyId(other) });
    expect(codeOf(() => seal(Buffer.from('{}'), randomBytes(16)))).toBe('STATE_KEY');
  });
});
