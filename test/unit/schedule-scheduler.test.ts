import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronScheduler } from '../../agent/schedule/cron-scheduler.js';
import { nodeCronEngine, type CompiledCron, type CronEngine } from '../../agent/schedule/cron.js';
import type { ScheduleEvent, ScheduleWindows } from '../../agent/schedule/scheduler.js';
import { FakeClock } from '../support/fake-clock.js';

/**
 * node-cron's matcher is real; its timer is replaced by `fire`, which plays
 * the cron tick at the moment the test chose. The fake bites: firing a cron
 * that is not started, starting twice, or leaking tasks fails the test.
 */
class FiringEngine implements CronEngine {
  readonly #started = new Map<string, () => void>();
  compiled = 0;
  disposed = 0;

  compile(cron: string, timeZone: string): CompiledCron {
    const real = nodeCronEngine.compile(cron, timeZone);
    this.compiled++;
    const key = `${cron}@${timeZone}`;
    return {
      seconds: real.seconds,
      minutes: real.minutes,
      hours: real.hours,
      matches: (at) => real.matches(at),
      start: (onFire) => {
        if (this.#started.has(key)) throw new Error(`${key} started twice`);
        this.#started.set(key, onFire);
      },
      dispose: () => {
        real.dispose();
        this.#started.delete(key);
        this.disposed++;
      },
    };
  }

  fire(cron: string, timeZone = 'UTC'): void {
    const onFire = this.#started.get(`${cron}@${timeZone}`);
    if (!onFire) throw new Error(`cron ${cron}@${timeZone} is not started`);
    onFire();
  }

  get running(): number {
    return this.#started.size;
  }
}

/** A clock whose wall time starts at `iso`. */
const clockAt = (iso: string): FakeClock => new FakeClock(1_000_000, iso);
const MIN = 60_000;

function setup(iso: string, windows: ScheduleWindows) {
  const clock = clockAt(iso);
  const engine = new FiringEngine();
  const scheduler = new CronScheduler({ clock, engine });
  const events: string[] = [];
  scheduler.onEvent((e: ScheduleEvent) => events.push(`${e.type} ${e.kind} ${e.name} at ${e.at.toISOString()}`));
  const problems = scheduler.load(windows);
  return { clock, engine, scheduler, events, problems };
}

const nightly = { name: 'nightly', cron: '0 3 * * *', timeZone: 'Europe/Berlin', durationMinutes: 60 };
const busyHour = { name: 'busy-hour', cron: '0 8 * * 1-5', durationMinutes: 120, minReplicas: 6 };

test('bad entries are reported with a clear message and the good ones still run', () => {
  const { scheduler, problems, engine } = setup('2026-01-15T08:30:00Z', {
    schedules: [busyHour, { name: 'typo', cron: '0 8 * *', durationMinutes: 10, minReplicas: 3 }],
    maintenanceWindows: [{ ...nightly, name: 'mars', timeZone: 'Mars/Olympus' }],
  });
  assert.deepEqual(
    problems.map((p) => `${p.field}: ${p.message}`),
    [
      'cron: schedule "typo": invalid cron "0 8 * *": expected 5 or 6 fields but got 4',
      'timeZone: maintenanceWindow "mars": invalid time zone "Mars/Olympus": Invalid time zone specified: Mars/Olympus',
    ],
  );
  const state = scheduler.stateAt(new Date('2026-01-15T08:30:00Z'));
  assert.deepEqual(state.floors, [{ name: 'busy-hour', minReplicas: 6, closesAt: new Date('2026-01-15T10:00:00Z') }]);
  assert.deepEqual(state.openMaintenanceWindows, []);
  assert.equal(state.problems.length, 2);
  assert.equal(engine.running, 1);
  scheduler.stop();
  assert.equal(engine.running, 0);
});

test('stateAt lists open floors and maintenance windows for the decision', () => {
  const { scheduler } = setup('2026-01-15T02:10:00Z', { schedules: [busyHour], maintenanceWindows: [nightly] });
  const atNight = scheduler.stateAt(new Date('2026-01-15T02:10:00Z'));
  assert.deepEqual(atNight.openMaintenanceWindows, ['nightly']);
  assert.deepEqual(atNight.floors, []);
  assert.deepEqual(atNight.open.map((w) => [w.kind, w.name, w.openedAt.toISOString(), w.closesAt.toISOString()]), [
    ['maintenanceWindow', 'nightly', '2026-01-15T02:00:00.000Z', '2026-01-15T03:00:00.000Z'],
  ]);
  const saturday = scheduler.stateAt(new Date('2026-01-17T08:30:00Z'));
  assert.deepEqual(saturday.floors, [], 'busy-hour is Monday to Friday');
  scheduler.stop();
});

test('a window opening emits "opened"; its end emits "closed" on the clock', async () => {
  const { clock, engine, scheduler, events } = setup('2026-01-15T01:59:59Z', { schedules: [], maintenanceWindows: [nightly] });
  assert.deepEqual(events, []);
  await clock.advance(1000);
  engine.fire('0 3 * * *', 'Europe/Berlin');
  assert.deepEqual(events, ['opened maintenanceWindow nightly at 2026-01-15T02:00:00.000Z']);
  await clock.advance(59 * MIN);
  assert.equal(events.length, 1, 'still open at 02:59Z');
  await clock.advance(MIN);
  assert.deepEqual(events.slice(1), ['closed maintenanceWindow nightly at 2026-01-15T03:00:00.000Z']);
  scheduler.stop();
});

test('loaded while open: no "opened", but "closed" when it ends', async () => {
  const { clock, scheduler, events } = setup('2026-01-15T02:30:00Z', { schedules: [], maintenanceWindows: [nightly] });
  assert.equal(clock.pendingSleeps, 1);
  await clock.advance(30 * MIN);
  assert.deepEqual(events, ['closed maintenanceWindow nightly at 2026-01-15T03:00:00.000Z']);
  scheduler.stop();
});

test('re-opening while open extends the window and says "closed" once', async () => {
  const twice = { name: 'twice', cron: '0,30 2 * * *', durationMinutes: 45, minReplicas: 4 };
  const { clock, engine, scheduler, events } = setup('2026-01-15T01:59:00Z', { schedules: [twice], maintenanceWindows: [] });
  await clock.advance(MIN);
  engine.fire('0,30 2 * * *');
  await clock.advance(30 * MIN);
  engine.fire('0,30 2 * * *');
  await clock.advance(44 * MIN);
  assert.deepEqual(events, ['opened schedule twice at 2026-01-15T02:00:00.000Z'], '02:30 re-opened it until 03:15');
  assert.deepEqual(scheduler.stateAt(clock.wallTime()).floors.map((f) => [f.name, f.minReplicas, f.closesAt.toISOString()]), [['twice', 4, '2026-01-15T03:15:00.000Z']]);
  await clock.advance(MIN);
  await clock.advance(60 * MIN);
  assert.deepEqual(events.slice(1), ['closed schedule twice at 2026-01-15T03:15:00.000Z']);
  scheduler.stop();
});

test('stop cancels pending close watchers: no event after stop', async () => {
  const { clock, scheduler, events } = setup('2026-01-15T02:30:00Z', { schedules: [], maintenanceWindows: [nightly] });
  scheduler.stop();
  await clock.advance(60 * MIN);
  assert.deepEqual(events, []);
  assert.equal(clock.pendingSleeps, 0);
});

test('loading the same windows again is a no-op; new windows replace the old ones', async () => {
  const { clock, engine, scheduler, events } = setup('2026-01-15T02:30:00Z', { schedules: [], maintenanceWindows: [nightly] });
  scheduler.load({ schedules: [], maintenanceWindows: [{ ...nightly }] });
  assert.equal(engine.compiled, 1, 'same spec, nothing rebuilt');
  scheduler.load({ schedules: [busyHour], maintenanceWindows: [] });
  assert.equal(engine.disposed, 1);
  assert.equal(engine.running, 1);
  await clock.advance(60 * MIN);
  assert.deepEqual(events, [], 'the replaced window\'s close watcher was cancelled');
  assert.throws(() => engine.fire('0 3 * * *', 'Europe/Berlin'), /not started/);
  scheduler.stop();
});

test('a throwing listener neither stops the others nor the scheduler', async () => {
  const { clock, engine, scheduler, events } = setup('2026-01-15T01:59:00Z', { schedules: [], maintenanceWindows: [nightly] });
  scheduler.onEvent(() => {
    throw new Error('listener bug');
  });
  const unsubscribe = scheduler.onEvent(() => events.push('second listener'));
  await clock.advance(MIN);
  engine.fire('0 3 * * *', 'Europe/Berlin');
  assert.deepEqual(events, ['opened maintenanceWindow nightly at 2026-01-15T02:00:00.000Z', 'second listener']);
  unsubscribe();
  await clock.advance(60 * MIN);
  assert.deepEqual(events.slice(2), ['closed maintenanceWindow nightly at 2026-01-15T03:00:00.000Z']);
  scheduler.stop();
});

test('the real node-cron timer fires an opening (one-second cron)', async () => {
  const cron = nodeCronEngine.compile('* * * * * *', 'UTC');
  try {
    const fired = new Promise<void>((resolve) => cron.start(resolve));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no tick within 3 s')), 3000).unref());
    await Promise.race([fired, timeout]);
    assert.throws(() => cron.start(() => undefined), /started twice/);
  } finally {
    cron.dispose();
  }
});
