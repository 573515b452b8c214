/**
 * The pure half of bench/realnode-scaling.ts: the seeded traces of
 * bench/traces/traces.ts compressed in time and scaled down to a real pod's
 * capacity (a SIPp call rate per second), and the figures taken from what the
 * run observed (replica-minutes, direction reversals, reaction).
 */
import { daily, noisy, spike, stepUp, type Trace } from '../traces/traces.js';

/** How one model trace becomes a real-time rate schedule. */
export interface Compression {
  /** The part of the trace that is played, in trace seconds [from, to). */
  readonly from: number;
  readonly to: number;
  /** Trace seconds per real second: the trace is sampled every `factor` seconds, so its noise keeps its size. */
  readonly factor: number;
}

export interface Schedule {
  readonly name: string;
  /** SIPp call rate (calls/s) at each real second. */
  readonly cps: readonly number[];
  /** Real second of the trace's change (the step, the spike's start), if it has one. */
  readonly changeAtS?: number;
  readonly changeDirection?: 'up' | 'down';
}

/**
 * The model's pod carries 100 calls/s; a real pod here carries `podCps`, so a
 * trace's calls/s are scaled by podCps / `modelCallsPerPod`. 250 makes the
 * spike's 1200 calls/s 4.8 pods' worth: it fits under maxReplicas 5 at full load.
 */
export const MODEL_CALLS_PER_POD = 250;

export function compress(trace: Trace, c: Compression, podCps: number): Schedule {
  if (!(c.factor >= 1) || c.to <= c.from || c.to > trace.load.length) throw new Error(`bad compression ${JSON.stringify(c)} of ${trace.name} (${trace.load.length} s)`);
  const seconds = Math.floor((c.to - c.from) / c.factor);
  const scale = podCps / MODEL_CALLS_PER_POD;
  const cps = Array.from({ length: seconds }, (_, i) => Math.round(trace.load[c.from + i * c.factor]! * scale * 10) / 10);
  const inside = trace.changeAt !== undefined && trace.changeAt >= c.from && trace.changeAt < c.to;
  return {
    name: `${trace.name}, ${c.factor}x faster`,
    cps,
    ...(inside ? { changeAtS: Math.ceil((trace.changeAt - c.from) / c.factor), changeDirection: trace.changeDirection } : {}),
  };
}

export type TraceName = 'step' | 'spike' | 'noisy' | 'day';
export const TRACE_NAMES: readonly TraceName[] = ['step', 'spike', 'noisy', 'day'];

/**
 * The traces the real bench plays, each about 4-5 minutes: the step 300->900
 * (trace seconds 480-1680, 4x: the step at 30 s), the 3-minute spike (1140-1680,
 * 2x: 90 s of spike after 30 s), the noise around the target (0-1200, 4x) and
 * the 24 h day (every 288th second: 300 s).
 */
export function schedules(podCps: number, names: readonly TraceName[] = TRACE_NAMES): Schedule[] {
  const all: Record<TraceName, () => Schedule> = {
    step: () => compress(stepUp(), { from: 480, to: 1680, factor: 4 }, podCps),
    spike: () => compress(spike(), { from: 1140, to: 1680, factor: 2 }, podCps),
    noisy: () => compress(noisy(), { from: 0, to: 1200, factor: 4 }, podCps),
    day: () => compress(daily(), { from: 0, to: 86_400, factor: 288 }, podCps),
  };
  return names.map((n) => all[n]());
}

/** One poll of a scaled Deployment: when (s from the trace's start), what it asks for, and its pods. */
export interface Sample {
  readonly atS: number;
  /** The Deployment's spec.replicas. */
  readonly replicas: number;
  /** Pods that exist (running, starting or draining): what the node pays for. */
  readonly pods: number;
  /** Of those, the pods Ready (an HPA reads no metric from a pod that is not). */
  readonly ready?: number;
}

/** Pods integrated over time, in pod-minutes: each sample's pods held until the next sample. */
export function replicaMinutes(samples: readonly Sample[], endS: number): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const until = Math.min(endS, samples[i + 1]?.atS ?? endS);
    if (until > s.atS) sum += s.pods * (until - s.atS);
  }
  return sum / 60;
}

/** Times the Deployment's replicas changed direction (up after down, or down after up). */
export function reversals(samples: readonly Sample[]): number {
  let count = 0;
  let last = 0;
  for (let i = 1; i < samples.length; i++) {
    const dir = Math.sign(samples[i]!.replicas - samples[i - 1]!.replicas);
    if (dir === 0) continue;
    if (last !== 0 && dir !== last) count++;
    last = dir;
  }
  return count;
}

/** Seconds from the change to the first moment `when` was true at or after it; null if never. */
export function reaction(changeAtS: number | undefined, moments: readonly number[]): number | null {
  if (changeAtS === undefined) return null;
  const after = moments.filter((m) => m >= changeAtS).sort((a, b) => a - b);
  return after.length === 0 ? null : Math.round((after[0]! - changeAtS) * 10) / 10;
}
