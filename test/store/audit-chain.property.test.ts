import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { entryHash, GENESIS_HASH, verifyText, type AuditEntry } from '../../src/store/audit-log.js';
import { canonicalJson } from '../../src/store/canonical-json.js';

const entryInput = fc.record(
  {
    kind: fc.constantFrom('tool_call', 'agent_state', 'delivery', 'session', 'hub'),
    actor: fc.string({ minLength: 1, maxLength: 12 }),
    session: fc.string({ maxLength: 8 }),
    agent: fc.string({ maxLength: 8 }),
    outcome: fc.string({ minLength: 1, maxLength: 10 }),
    detail: fc.string({ maxLength: 30 }),
  },
  { requiredKeys: ['kind', 'actor', 'outcome'] },
);

function buildLog(inputs: readonly Record<string, string>[]): string[] {
  let prev = GENESIS_HASH;
  return inputs.map((input, i) => {
    const body = { seq: i + 1, ts: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), prev, ...input } as Omit<AuditEntry, 'hash'>;
    const hash = entryHash(body);
    prev = hash;
    return canonicalJson({ ...body, hash });
  });
}

const text = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');

describe('audit chain properties', () => {
  it('any intact log verifies', () => {
    fc.assert(
      fc.property(fc.array(entryInput, { minLength: 0, maxLength: 15 }), (inputs) => {
        const result = verifyText(text(buildLog(inputs)));
        expect(result).toMatchObject({ ok: true, entries: inputs.length });
      }),
    );
  });

  it('changing any one character of any line is caught at exactly that line', () => {
    fc.assert(
      fc.property(
        fc.array(entryInput, { minLength: 1, maxLength: 12 }),
        fc.nat(),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        (inputs, lineSeed, charSeed, replacement) => {
          const lines = buildLog(inputs);
          const index = lineSeed % lines.length;
          const line = lines[index] as string;
          const at = charSeed % line.length;
          fc.pre(line[at] !== replacement && replacement !== '\n');
          lines[index] = line.slice(0, at) + replacement + line.slice(at + 1);
          const result = verifyText(text(lines));
          expect(result.ok).toBe(false);
          expect(result.brokenAt?.line).toBe(index + 1);
        },
      ),
    );
  });

  it('deleting or swapping lines is caught at the first line out of place', () => {
    fc.assert(
      fc.property(fc.array(entryInput, { minLength: 2, maxLength: 12 }), fc.nat(), fc.boolean(), (inputs, seed, swap) => {
        const lines = buildLog(inputs);
        const index = seed % (lines.length - 1);
        if (swap) [lines[index], lines[index + 1]] = [lines[index + 1] as string, lines[index] as string];
        else lines.splice(index, 1);
        const result = verifyText(text(lines));
        expect(result.ok).toBe(false);
        expect(result.brokenAt?.line).toBe(index + 1);
      }),
    );
  });

  it('canonical JSON does not depend on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
      }),
    );
  });
});
