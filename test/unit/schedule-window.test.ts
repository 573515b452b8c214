import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronProblem, nodeCronEngine } from '../../agent/schedule/cron.js';
import { windowAt } from '../../agent/schedule/window.js';
import { toUtc } from '../../agent/schedule/zone.js';

/**
 * Window math over node-cron's real matcher (compiled, never started, so no
 * timers run): a cron marks when a window opens, durationMinutes how long it
 * stays open, in the window's time zone.
 */

interface Row {
  name: string;
  cron: string;
  zone?: string;
  minutes: number;
  now: string;
  /** The opening, when open at `now`; null when closed. */
  openedAt: string | null;
}

const rows: Row[] = [
  { name: '03:00 Berlin is 02:00Z in winter', cron: '0 3 * * *', zone: 'Europe/Berlin', minutes: 60, now: '2026-01-15T02:00:00Z', openedAt: '2026-01-15T02:00:00Z' },
  { name: 'one second before it opens it is closed', cron: '0 3 * * *', zone: 'Europe/Berlin', minutes: 60, now: '2026-01-15T01:59:59Z', openedAt: null },
  { name: 'open until the last second of its duration', cron: '0 3 * * *', zone: 'Europe/Berlin', minutes: 60, now: '2026-01-15T02:59:59Z', openedAt: '2026-01-15T02:00:00Z' },
  { name: 'closed exactly at opening + duration', cron: '0 3 * * *', zone: 'Europe/Berlin', minutes: 60, now: '2026-01-15T03:00:00Z', openedAt: null },
  { name: '03:00 Berlin is 01:00Z in summer', cron: '0 3 * * *', zone: 'Europe/Berlin', minutes: 60, now: '2026-07-15T01:30:00Z', openedAt: '2026-07-15T01:00:00Z' },
  { name: 'in summer 02:00Z is already past the hour', cron: '0 3 * * *', zone: 'Europe/Berlin', minutes: 60, now: '2026-07-15T02:00:00Z', openedAt: null },
  { name: 'no zone means UTC', cron: '0 3 * * *', minutes: 60, now: '2026-01-15T03:30:00Z', openedAt: '2026-01-15T03:00:00Z' },
  { name: 'a window crossing local midnight (New York)', cron: '30 22 * * *', zone: 'America/New_York', minutes: 120, now: '2026-01-16T05:29:00Z', openedAt: '2026-01-16T03:30:00Z' },
  { name: 'a weekend window opened on Friday is open on Sunday', cron: '0 22 * * 5', zone: 'Europe/London', minutes: 3360, now: '2026-01-18T12:00:00Z', openedAt: '2026-01-16T22:00:00Z' },
  { name: 'the weekend window is closed on Monday morning', cron: '0 22 * * 5', zone: 'Europe/London', minutes: 3360, now: '2026-01-19T06:00:00Z', openedAt: null },
  { name: 'a week-long window looks back across seven days', cron: '0 0 * * 1', minutes: 10080, now: '2026-01-18T23:59:00Z', openedAt: '2026-01-12T00:00:00Z' },
  { name: 'every 15 minutes, open for 10: inside', cron: '*/15 * * * *', minutes: 10, now: '2026-01-15T10:05:00Z', openedAt: '2026-01-15T10:00:00Z' },
  { name: 'every 15 minutes, open for 10: the gap', cron: '*/15 * * * *', minutes: 10, now: '2026-01-15T10:27:00Z', openedAt: null },
  { name: 'six fields: opens at second 30', cron: '30 0 3 * * *', minutes: 1, now: '2026-01-15T03:00:45Z', openedAt: '2026-01-15T03:00:30Z' },
  { name: 'six fields: not yet at second 29', cron: '30 0 3 * * *', minutes: 1, now: '2026-01-15T03:00:29Z', openedAt: null },
  { name: 'L is the last day of the month (node-cron\'s matcher decides)', cron: '0 0 L * *', minutes: 1440, now: '2026-02-28T12:00:00Z', openedAt: '2026-02-28T00:00:00Z' },
  { name: 'the day before L is not it', cron: '0 0 L * *', minutes: 1440, now: '2026-02-27T12:00:00Z', openedAt: null },
  { name: 'a nickname works (@daily)', cron: '@daily', minutes: 30, now: '2026-01-15T00:10:00Z', openedAt: '2026-01-15T00:00:00Z' },
  { name: 'spring forward: 02:30 Berlin does not exist on 29 March', cron: '30 2 * * *', zone: 'Europe/Berlin', minutes: 60, now: '2026-03-29T01:45:00Z', openedAt: null },
  { name: 'fall back: 02:30 Berlin happens twice; the first counts', cron: '30 2 * * *', zone: 'Europe/Berlin', minutes: 30, now: '2026-10-25T00:45:00Z', openedAt: '2026-10-25T00:30:00Z' },
  { name: 'fall back: and the second re-opens it', cron: '30 2 * * *', zone: 'Europe/Berlin', minutes: 30, now: '2026-10-25T01:45:00Z', openedAt: '2026-10-25T01:30:00Z' },
  { name: 'Kolkata\'s half-hour offset', cron: '0 9 * * *', zone: 'Asia/Kolkata', minutes: 60, now: '2026-01-15T03:40:00Z', openedAt: '2026-01-15T03:30:00Z' },
];

for (const row of rows) {
  test(`window: ${row.name}`, () => {
    const cron = nodeCronEngine.compile(row.cron, row.zone ?? 'UTC');
    try {
      const state = windowAt(cron, row.zone ?? 'UTC', row.minutes * 60_000, Date.parse(row.now));
      assert.equal(state.open, row.openedAt !== null);
      if (row.openedAt !== null) {
        assert.equal(new Date(state.openedAtMs!).toISOString(), new Date(row.openedAt).toISOString());
        assert.equal(state.closesAtMs, Date.parse(row.openedAt) + row.minutes * 60_000);
      }
    } finally {
      cron.dispose();
    }
  });
}

const problems: { name: string; cron: string; zone: string; field: 'cron' | 'timeZone'; message: RegExp }[] = [
  { name: 'hour out of range', cron: '0 25 * * *', zone: 'UTC', field: 'cron', message: /^invalid cron "0 25 \* \* \*": 25 is a invalid expression for hour$/ },
  { name: 'too few fields', cron: '0 3 *', zone: 'UTC', field: 'cron', message: /^invalid cron "0 3 \*": expected 5 or 6 fields but got 3$/ },
  { name: 'illegal characters', cron: '0 3 * * $', zone: 'UTC', field: 'cron', message: /^invalid cron .*illegal characters/ },
  { name: 'unknown time zone', cron: '0 3 * * *', zone: 'Mars/Olympus', field: 'timeZone', message: /^invalid time zone "Mars\/Olympus": .*time zone/i },
];

for (const row of problems) {
  test(`cron problem: ${row.name} is reported, not thrown`, () => {
    const problem = cronProblem(row.cron, row.zone);
    assert.ok(problem, 'expected a problem');
    assert.equal(problem.field, row.field);
    assert.match(problem.message, row.message);
    assert.throws(() => nodeCronEngine.compile(row.cron, row.zone), (err: Error) => err.name === 'CronSpecError' && row.message.test(err.message));
  });
}

test('toUtc: a skipped local time has no instant, a repeated one has two', () => {
  assert.deepEqual(toUtc('Europe/Berlin', { year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }), []);
  assert.deepEqual(
    toUtc('Europe/Berlin', { year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }).map((t) => new Date(t).toISOString()),
    ['2026-10-25T01:30:00.000Z', '2026-10-25T00:30:00.000Z'],
  );
});

test('window math stays fast for a dense cron with a week-long lookback', () => {
  const cron = nodeCronEngine.compile('* * * * 1', 'Europe/Berlin');
  try {
    const started = performance.now();
    for (let i = 0; i < 20; i++) windowAt(cron, 'Europe/Berlin', 10080 * 60_000, Date.parse('2026-01-18T12:00:00Z') + i * 60_000);
    const perCall = (performance.now() - started) / 20;
    assert.ok(perCall < 50, `windowAt took ${perCall.toFixed(1)} ms per call`);
  } finally {
    cron.dispose();
  }
});
