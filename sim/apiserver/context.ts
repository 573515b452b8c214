import { randomUUID } from 'node:crypto';
import type { Clock } from '../../agent/clock/clock.js';
import type { ResourceRegistry } from './resources.js';
import type { ObjectStore } from './store.js';

/** Randomness behind a port, so tests can make names and fault rolls deterministic. */
export interface Randomness {
  uid(): string;
  /** A float in [0, 1). */
  next(): number;
}

export const systemRandomness: Randomness = { uid: () => randomUUID(), next: () => Math.random() };

/** What every handler and controller shares. */
export interface ServerContext {
  readonly store: ObjectStore;
  readonly registry: ResourceRegistry;
  readonly clock: Clock;
  readonly random: Randomness;
}

/** The characters Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(random: Randomness, length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMS[Math.floor(random.next() * ALPHANUMS.length)];
  return out;
}
