/**
 * The seeded fault schedule. Every draw comes from one PRNG seeded by the run's
 * seed, so a failing run is replayed with the same seed (the target "leader" is
 * resolved when the fault fires, so timing on a loaded machine can still vary).
 */

import { prng } from '../support/prng.js';
export type FaultKind = 'latency' | 'reset' | 'freeze' | 'partition' | 'sigstop' | 'sigkill';
export const FAULT_KINDS: readonly FaultKind[] = ['latency', 'reset', 'freeze', 'partition', 'sigstop', 'sigkill'];

/** Faults that last a while; a sidecar carries at most one of these at a time. */
export const TIMED_FAULTS: ReadonlySet<FaultKind> = new Set(['latency', 'partition', 'sigstop', 'sigkill']);

export interface FaultDraw {
  /** Offset from the start of the fault phase. */
  readonly atMs: number;
  readonly kind: FaultKind;
  /** The sidecar currently leading (half the draws: leaders are where safety is at stake) or an index. */
  readonly target: 'leader' | number;
  /** How long a timed fault lasts; for sigkill, how long the pod stays dead before its restart. */
  readonly durationMs: number;
  /** One-way delay per chunk, for latency faults. */
  readonly latencyMs: number;
}

export { prng };

const WEIGHTS: Record<FaultKind, number> = { latency: 20, reset: 20, freeze: 15, partition: 15, sigstop: 15, sigkill: 15 };

/**
 * Durations stay inside the envelope the election is designed for: one-way
 * latency up to 800 ms is below the 2 s gap between the renew deadline and
 * the lease duration, so a write the leader sent inside its fence cannot land
 * after a takeover merely because the network held it.
 */
const DURATION_MS: Record<FaultKind, [number, number]> = {
  latency: [1_500, 5_000],
  reset: [0, 0],
  freeze: [0, 0],
  partition: [2_000, 10_000],
  sigstop: [1_000, 10_000],
  sigkill: [300, 3_000],
};
export const MAX_LATENCY_MS = 800;

export function planFaults(seed: number, runMs: number, sidecars: number, meanGapMs = 800): FaultDraw[] {
  const rand = prng(seed);
  const between = (lo: number, hi: number): number => Math.round(lo + rand() * (hi - lo));
  const total = FAULT_KINDS.reduce((s, k) => s + WEIGHTS[k], 0);
  const pick = (): FaultKind => {
    let r = rand() * total;
    for (const k of FAULT_KINDS) if ((r -= WEIGHTS[k]) < 0) return k;
    return 'reset';
  };
  const draws: FaultDraw[] = [];
  for (let at = between(500, 1_500); at < runMs; at += between(meanGapMs * 0.4, meanGapMs * 1.6)) {
    const kind = pick();
    const target = rand() < 0.5 ? 'leader' : Math.floor(rand() * sidecars);
    const [lo, hi] = DURATION_MS[kind];
    draws.push({ atMs: at, kind, target, durationMs: between(lo, hi), latencyMs: kind === 'latency' ? between(100, MAX_LATENCY_MS) : 0 });
  }
  return draws;
}
