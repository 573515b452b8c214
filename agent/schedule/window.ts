import { addDays, localTime, offsetMs, toUtc, type LocalDate } from './zone.js';

/**
 * When is a cron window open? A window opens at each cron match and stays open
 * `durationMs`, so it is open at `now` exactly when the latest match at or
 * before `now` is younger than the duration. node-cron only looks forward
 * (next run from the real clock), so the backward search is ours; the
 * matching itself stays node-cron's, through `CronPattern.matches`.
 */
export interface CronPattern {
  /** The allowed seconds, minutes and hours, as node-cron parsed them. */
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** node-cron's matcher, in the pattern's time zone. */
  matches(at: Date): boolean;
}

export interface WindowState {
  readonly open: boolean;
  /** The latest opening within the duration (only when open). */
  readonly openedAtMs?: number;
  readonly closesAtMs?: number;
}

const DAY_MS = 86_400_000;

export function windowAt(pattern: CronPattern, zone: string, durationMs: number, nowMs: number): WindowState {
  const openedAtMs = latestOpening(pattern, zone, nowMs, durationMs);
  return openedAtMs === null ? { open: false } : { open: true, openedAtMs, closesAtMs: openedAtMs + durationMs };
}

/** The latest match in (now - lookback, now], or null. Walks local days backwards. */
export function latestOpening(pattern: CronPattern, zone: string, nowMs: number, lookbackMs: number): number | null {
  const cutoff = nowMs - lookbackMs;
  const today = localTime(zone, nowMs);
  const days = Math.ceil(lookbackMs / DAY_MS) + 2;
  for (let back = 0; back <= days; back++) {
    const found = latestOnDay(pattern, zone, addDays(today, -back), nowMs);
    // A day that does not match, or whose openings all lie after `now`: look at the day before.
    if (found === 'day-does-not-match' || found === null) continue;
    return found > cutoff ? found : null;
  }
  return null;
}

const desc = (xs: readonly number[]): number[] => [...xs].sort((a, b) => b - a);

/**
 * The latest candidate at or before `now` on a local day. The hour, minute
 * and second come from the parsed sets, so the first existing candidate tells
 * whether the day itself (day of month, month, weekday) matches.
 */
function latestOnDay(pattern: CronPattern, zone: string, day: LocalDate, nowMs: number): number | null | 'day-does-not-match' {
  const instants = instantsOn(zone, day);
  let dayChecked = false;
  for (const hour of desc(pattern.hours)) {
    for (const minute of desc(pattern.minutes)) {
      for (const second of desc(pattern.seconds)) {
        for (const at of instants(hour, minute, second)) {
          if (!dayChecked) {
            if (!pattern.matches(new Date(at))) return 'day-does-not-match';
            dayChecked = true;
          }
          if (at <= nowMs) return at;
        }
      }
    }
  }
  return null;
}

/** Converts local times of one day to instants (latest first); cheap arithmetic unless the day has a DST change. */
function instantsOn(zone: string, day: LocalDate): (h: number, m: number, s: number) => number[] {
  const naiveMidnight = Date.UTC(day.year, day.month - 1, day.day);
  const early = offsetMs(zone, naiveMidnight - DAY_MS / 2);
  const late = offsetMs(zone, naiveMidnight + DAY_MS + DAY_MS / 2);
  if (early === late) return (h, m, s) => [naiveMidnight + ((h * 60 + m) * 60 + s) * 1000 - early];
  return (hour, minute, second) => toUtc(zone, { ...day, hour, minute, second });
}
