/**
 * The crash tests' seed (test/helpers/prng.ts seedFromEnv): fixed unless asked, so a run is
 * replayable and CI does not draw a new schedule from the clock; CRASH_SEED=random draws and
 * prints one; CRASH_SEED=<n> replays it; anything else is refused instead of becoming NaN.
 */
import { describe, expect, it } from 'vitest';
import { prng, seedFromEnv } from '../helpers/prng.js';

describe('crash test seeds', () => {
  it('uses the fixed seed when CRASH_SEED is unset or empty', () => {
    expect(seedFromEnv('CRASH_SEED', 7, {})).toBe(7);
    expect(seedFromEnv('CRASH_SEED', 7, { CRASH_SEED: '' })).toBe(7);
  });

  it('replays a given seed', () => {
    expect(seedFromEnv('CRASH_SEED', 7, { CRASH_SEED: '424242' })).toBe(424242);
    const a = prng(seedFromEnv('CRASH_SEED', 7, { CRASH_SEED: '99' }));
    const b = prng(99);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('draws a random seed on request and prints it', () => {
    const printed: string[] = [];
    const seed = seedFromEnv('CRASH_SEED', 7, { CRASH_SEED: 'random' }, (line) => printed.push(line));
    expect(Number.isInteger(seed)).toBe(true);
    expect(printed).toEqual([`CRASH_SEED=random: seed ${seed} (replay with CRASH_SEED=${seed})\n`]);
  });

  it('refuses anything else', () => {
    for (const bad of ['abc', '-1', '1.5', '0x10'])
      expect(() => seedFromEnv('CRASH_SEED', 7, { CRASH_SEED: bad })).toThrow(/must be "random" or a non-negative integer/);
  });
});
