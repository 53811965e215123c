/** A small seeded PRNG (mulberry32), so a randomised test replays exactly from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed a randomised test runs with, from the environment variable `name`: unset, `fixed`
 * (so every run, CI included, replays the same schedule); `random`, a fresh seed, printed to
 * stderr at once so a failing soak can be replayed; a non-negative integer, that seed. Anything
 * else is refused rather than silently read as NaN.
 */
export function seedFromEnv(
  name: string,
  fixed: number,
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = (line) => process.stderr.write(line),
): number {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return fixed;
  if (value === 'random') {
    const seed = Math.floor(Math.random() * 1_000_000);
    print(`${name}=random: seed ${seed} (replay with ${name}=${seed})\n`);
    return seed;
  }
  if (!/^\d{1,15}$/.test(value)) throw new Error(`${name} must be "random" or a non-negative integer, got "${value}"`);
  return Number(value);
}
