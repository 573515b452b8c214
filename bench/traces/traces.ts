/**
 * Load traces for the scaling benchmark: offered SIP calls per second, one
 * value per simulated second. Seeded, so every run replays the same load.
 */

import { prng as rng } from '../../test/support/prng.js';

export interface Trace {
  readonly name: string;
  /** Calls/s offered at each second. */
  readonly load: readonly number[];
  /** When the interesting change starts (for reaction time), if the trace has one. */
  readonly changeAt?: number;
  readonly changeDirection?: 'up' | 'down';
}

export { rng };

/** Roughly normal noise (sum of uniforms), mean 0, sd ~1. */
const gauss = (r: () => number): number => r() + r() + r() + r() - 2;

function series(seconds: number, f: (t: number) => number): number[] {
  return Array.from({ length: seconds }, (_, t) => Math.max(0, Math.round(f(t))));
}

export function stepUp(seed = 1): Trace {
  const r = rng(seed);
  return { name: 'step up 300->900', changeAt: 600, changeDirection: 'up', load: series(3600, (t) => (t < 600 ? 300 : 900) * (1 + 0.03 * gauss(r))) };
}

export function stepDown(seed = 2): Trace {
  const r = rng(seed);
  return { name: 'step down 900->300', changeAt: 600, changeDirection: 'down', load: series(3600, (t) => (t < 600 ? 900 : 300) * (1 + 0.03 * gauss(r))) };
}

/** Around the target of 5 pods (400 calls/s at 0.8 of 100) with 10% noise and a slow wander. */
export function noisy(seed = 3): Trace {
  const r = rng(seed);
  let wander = 0;
  return {
    name: 'noisy around target',
    load: series(3600, () => {
      wander = 0.995 * wander + 0.005 * gauss(r) * 40;
      return (400 + wander) * (1 + 0.1 * gauss(r));
    }),
  };
}

/** A day: night trough 80 calls/s, busy hour around 11:00 at 1400. */
export function daily(seed = 4): Trace {
  const r = rng(seed);
  const day = 86_400;
  return {
    name: 'daily curve 24h',
    load: series(day, (t) => {
      const hour = t / 3600;
      const shape = Math.exp(-((hour - 11) ** 2) / 18) + 0.6 * Math.exp(-((hour - 19) ** 2) / 8);
      return (80 + 1320 * shape) * (1 + 0.05 * gauss(r));
    }),
  };
}

/** A 3-minute flash crowd (a TV vote) on a steady base. */
export function spike(seed = 5): Trace {
  const r = rng(seed);
  return { name: 'spike 300->1200 (3 min)', changeAt: 1200, changeDirection: 'up', load: series(3600, (t) => (t >= 1200 && t < 1380 ? 1200 : 300) * (1 + 0.03 * gauss(r))) };
}

export const allTraces = (): Trace[] => [stepUp(), stepDown(), noisy(), daily(), spike()];

/** The shape of daily(): night trough 80 calls/s, busy hour at 11:00 (1400), a second hump at 19:00. */
export const dayShape = (hour: number): number => 80 + 1320 * (Math.exp(-((hour - 11) ** 2) / 18) + 0.6 * Math.exp(-((hour - 19) ** 2) / 8));

/**
 * `days` consecutive days of the daily curve, each compressed into
 * `daySeconds`, with the per-second noise of daily() and a day-to-day
 * amplitude (sd 5 %) and timing (sd 1 % of the day) drift, so no two days
 * are the same. The morning ramp is hours 5-11 of each day.
 */
export function compressedDays(days: number, daySeconds: number, seed = 40): Trace {
  const r = rng(seed);
  const drift = Array.from({ length: days }, () => ({ amplitude: 1 + 0.05 * gauss(r), shift: 0.24 * gauss(r) }));
  return {
    name: `${days} days of the daily curve, ${daySeconds / 3600} h each`,
    load: series(days * daySeconds, (t) => {
      const d = drift[Math.floor(t / daySeconds)]!;
      const hour = ((t % daySeconds) / daySeconds) * 24 - d.shift;
      return dayShape(hour) * d.amplitude * (1 + 0.05 * gauss(r));
    }),
  };
}
