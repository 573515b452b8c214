/**
 * Time-of-week buckets for the load history. A bucket is a fixed slice of the
 * week in UTC (Monday 09:00-09:05 is the same bucket every week); the week
 * index tells two weeks apart. Pure: the caller passes wall time in ms.
 */
export const BUCKET_SECONDS = 300;
export const BUCKET_MS = BUCKET_SECONDS * 1000;
export const WEEK_MS = 7 * 24 * 3600 * 1000;
export const BUCKETS_PER_WEEK = WEEK_MS / BUCKET_MS;
/** Week indexes are kept mod 256 (one byte per bucket): wraps after ~5 years, longer than any history kept. */
export const WEEK_INDEX_MOD = 256;

const mod = (n: number, m: number): number => ((n % m) + m) % m;

/** The bucket of the week `wallMs` falls in, 0 .. BUCKETS_PER_WEEK-1. */
export function bucketOf(wallMs: number): number {
  return Math.floor(mod(wallMs, WEEK_MS) / BUCKET_MS);
}

/** Which week `wallMs` is in, as a byte (weeks since the epoch, mod 256). */
export function weekOf(wallMs: number): number {
  return mod(Math.floor(wallMs / WEEK_MS), WEEK_INDEX_MOD);
}

/** How many weeks `stamp` lies before `week` (both mod 256). */
export function weeksBetween(stamp: number, week: number): number {
  return mod(week - stamp, WEEK_INDEX_MOD);
}

/** Every bucket touched by [fromMs, toMs], in time order, each once (at most one week's worth). */
export function bucketsBetween(fromMs: number, toMs: number): { bucket: number; week: number; startMs: number }[] {
  const out: { bucket: number; week: number; startMs: number }[] = [];
  const first = Math.floor(fromMs / BUCKET_MS);
  const last = Math.min(Math.floor(toMs / BUCKET_MS), first + BUCKETS_PER_WEEK - 1);
  for (let i = first; i <= last; i++) {
    const startMs = i * BUCKET_MS;
    out.push({ bucket: bucketOf(startMs), week: weekOf(startMs), startMs });
  }
  return out;
}
