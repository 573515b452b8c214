/**
 * Summaries every benchmark figure is reported as: the median of repeated
 * runs (or samples) with its spread, min–max for a handful of runs, p10–p90
 * for many samples.
 */
export interface Summary {
  readonly median: number;
  readonly low: number;
  readonly high: number;
  /** Which spread low..high is. */
  readonly spread: 'min-max' | 'p10-p90';
  readonly n: number;
  readonly values: readonly number[];
}

/** Linear interpolation between closest ranks (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Fewer than 10 values: min–max; otherwise p10–p90. */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const many = sorted.length >= 10;
  return {
    median: quantile(sorted, 0.5),
    low: many ? quantile(sorted, 0.1) : (sorted[0] ?? Number.NaN),
    high: many ? quantile(sorted, 0.9) : (sorted[sorted.length - 1] ?? Number.NaN),
    spread: many ? 'p10-p90' : 'min-max',
    n: sorted.length,
    values,
  };
}

/** A number with about three significant digits, without exponent noise. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString('en');
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/** `median (low–high)`, or just the median when every value is the same. */
export function cell(s: Summary | undefined, scale = 1): string {
  if (!s || s.n === 0) return '-';
  const m = fmt(s.median * scale);
  const lo = fmt(s.low * scale);
  const hi = fmt(s.high * scale);
  return lo === hi ? m : `${m} (${lo}–${hi})`;
}
