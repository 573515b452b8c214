import type { LoadSample, SignalReading, SignalSample } from './sample.js';
import type { Targets } from './targets.js';

export interface CombineInput {
  readonly pod: string;
  readonly time: string;
  /** One reading per enabled source, keyed by source name. */
  readonly readings: Readonly<Record<string, SignalReading>>;
  readonly targets: Targets;
  /** Weight of the newest value in the moving average: 1 = no smoothing. */
  readonly smoothing: number;
  /** The previous pass's utilization, or null when it had none. */
  readonly previous: number | null;
}

/**
 * The combination rule, pure so it can be tested as a table:
 * - a signal's `normalized` is the largest raw/target over its keys that have a
 *   target, only when its status is ok (anything else is null, never 0);
 * - `utilization` is the largest normalized value this pass, smoothed with an
 *   exponential moving average (weight `smoothing`) against the previous pass;
 *   the max, because a pod is as loaded as its most loaded resource; null when
 *   no signal is usable, and then the average restarts from the next usable one;
 * - `overloaded` is true when any source saw a 503 or a receive drop;
 * - `healthy` is true only when the SIP probe says every probe got a 2xx.
 */
export function combine(input: CombineInput): LoadSample {
  const signals: Record<string, SignalSample> = {};
  for (const [name, reading] of Object.entries(input.readings)) {
    signals[name] = toSample(reading, input.targets[name] ?? {});
  }
  const current = maxOf(Object.values(signals).map((s) => s.normalized));
  const utilization =
    current === null ? null : round(input.previous === null ? current : input.smoothing * current + (1 - input.smoothing) * input.previous);
  const overloads = Object.entries(input.readings).filter(([, r]) => r.overload !== undefined);
  const healthy = Object.values(input.readings).some((r) => r.healthy === true) && !Object.values(input.readings).some((r) => r.healthy === false);
  const sample: Omit<LoadSample, 'reason'> = {
    pod: input.pod,
    time: input.time,
    utilization,
    overloaded: overloads.length > 0,
    healthy,
    signals,
  };
  return { ...sample, reason: describe(sample, input.readings) };
}

function toSample(reading: SignalReading, targets: Readonly<Record<string, number>>): SignalSample {
  const raw = { ...reading.raw };
  const normalized =
    reading.status === 'ok'
      ? maxOf(Object.entries(targets).map(([key, target]) => (raw[key] === undefined ? null : round(raw[key] / target))))
      : null;
  const reason = reading.reason ?? reading.overload;
  return reason === undefined ? { raw, normalized, status: reading.status } : { raw, normalized, status: reading.status, reason };
}

function maxOf(values: readonly (number | null)[]): number | null {
  const usable = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return usable.length === 0 ? null : Math.max(...usable);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** The one sentence logged for a pass: the load, what drove it, and what is wrong. */
function describe(sample: Omit<LoadSample, 'reason'>, readings: Readonly<Record<string, SignalReading>>): string {
  const parts: string[] = [];
  const usable = Object.entries(sample.signals).filter(([, s]) => s.normalized !== null);
  parts.push(
    sample.utilization === null
      ? 'no usable load signal'
      : `utilization ${sample.utilization.toFixed(2)} (${usable.map(([n, s]) => `${n} ${(s.normalized ?? 0).toFixed(2)}`).join(', ')})`,
  );
  const overloads = Object.entries(readings).flatMap(([n, r]) => (r.overload === undefined ? [] : [`${n}: ${r.overload}`]));
  if (overloads.length > 0) parts.push(`overloaded (${overloads.join('; ')})`);
  const broken = Object.entries(readings).flatMap(([n, r]) => (r.status === 'ok' ? [] : [`${n} ${r.status}${r.reason ? `: ${r.reason}` : ''}`]));
  if (broken.length > 0) parts.push(broken.join('; '));
  parts.push(sample.healthy ? 'SIP server answers' : 'SIP server does not answer 2xx');
  return parts.join('; ');
}
