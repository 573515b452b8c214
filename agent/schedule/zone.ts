/**
 * Wall-clock arithmetic in an IANA time zone with nothing but Intl, so cron
 * windows open at local time across daylight-saving changes. Pure; formatters
 * are cached per zone because building one is the expensive part.
 */

export interface LocalDate {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly day: number;
}

export interface LocalTime extends LocalDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Null when the zone is usable, else why not (Intl's own words). */
export function timeZoneProblem(zone: string): string | null {
  try {
    formatter(zone);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export function localTime(zone: string, utcMs: number): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(utcMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

const asUtc = (t: LocalTime): number => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);

/** Local time minus UTC at `utcMs`, in ms (Europe/Berlin in winter: +3 600 000). */
export function offsetMs(zone: string, utcMs: number): number {
  const whole = Math.floor(utcMs / 1000) * 1000;
  return asUtc(localTime(zone, whole)) - whole;
}

const sameTime = (a: LocalTime, b: LocalTime): boolean =>
  a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;

/**
 * Every instant a local time names, latest first: none when a spring-forward
 * skips it (node-cron never fires then either), two when a fall-back repeats
 * it (node-cron's matcher accepts both).
 */
export function toUtc(zone: string, t: LocalTime): number[] {
  const naive = asUtc(t);
  const candidates = new Set<number>();
  // The instant is naive minus the offset in force then; try the offsets around it.
  for (const probe of [naive - 86_400_000 / 2, naive, naive + 86_400_000 / 2]) candidates.add(naive - offsetMs(zone, probe));
  return [...candidates].filter((at) => sameTime(localTime(zone, at), t)).sort((a, b) => b - a);
}

export function addDays(d: LocalDate, days: number): LocalDate {
  const x = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: x.getUTCFullYear(), month: x.getUTCMonth() + 1, day: x.getUTCDate() };
}
