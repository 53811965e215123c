/**
 * Property tests replay the same inputs on every run, so CI is deterministic and a failure
 * reproduces from its seed. A soak with fresh inputs: FC_SEED=<n> (or FC_SEED=random) npm test.
 */
import fc from 'fast-check';

const chosen = process.env.FC_SEED;
if (chosen !== 'random') {
  fc.configureGlobal({ seed: chosen === undefined || chosen === '' ? 20_261_121 : Number(chosen) });
}
