import { randomInt } from 'node:crypto';

/**
 * A source of uniform numbers in [0, 1), injected like the Clock: jitter is
 * logic, so tests replay it from a seed (test/support/prng.ts) instead of
 * hoping that Math.random spreads things out.
 */
export type Random = () => number;

const RANGE = 2 ** 48 - 1; // randomInt's upper bound is exclusive and must stay below 2^48

/** The production source: node:crypto, so no module-level generator state is shared or guessed. */
export const systemRandom: Random = () => randomInt(RANGE) / RANGE;
