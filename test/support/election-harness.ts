import { Registry } from 'prom-client';
import { LeaderElector, type LeaderElectorOptions } from '../../agent/election/elector.js';
import type { ElectionEventName, ElectionEvents } from '../../agent/election/events.js';
import { ElectionMetrics } from '../../agent/election/metrics.js';
import type { LeaseLock } from '../../agent/election/lock.js';
import { createLogger } from '../../agent/log/logger.js';
import { FakeClock } from './fake-clock.js';
import { memorySink, type MemorySink } from './log-sink.js';
import { ScriptedLeaseLock, type ScriptStep } from './fake-lease-lock.js';

/** The schema defaults: lease 8 s, renew deadline 6 s, retry 2 s. */
export const TIMING = { leaseDurationMs: 8_000, renewDeadlineMs: 6_000, retryPeriodMs: 2_000 } as const;

export interface Recorded {
  readonly event: ElectionEventName;
  readonly atMs: number;
  readonly payload: ElectionEvents[ElectionEventName];
}

export interface Harness {
  readonly clock: FakeClock;
  readonly sink: MemorySink;
  readonly registry: Registry;
  readonly elector: LeaderElector;
  readonly events: Recorded[];
  /** Log lines with this message. */
  logged(msg: string): Record<string, unknown>[];
  /** A metric's value (a histogram's observation count) on this elector's own registry. */
  metric(name: string): Promise<number>;
}

/** An elector over `lock` with a fake clock, a log sink, a real metrics registry and recorded events. */
export function electorOver(lock: LeaseLock, over: Partial<LeaderElectorOptions> = {}, clock = new FakeClock()): Harness {
  const sink = memorySink();
  const registry = new Registry();
  const elector = new LeaderElector({
    identity: 'sprout-a',
    lock,
    clock,
    log: createLogger({ level: 'debug', destination: sink }),
    random: () => 0,
    watch: false,
    metrics: new ElectionMetrics(registry),
    ...TIMING,
    ...over,
  });
  const events: Recorded[] = [];
  for (const event of ['startedLeading', 'stoppedLeading', 'newLeader'] as const) {
    elector.on(event, (payload) => events.push({ event, atMs: clock.nowMs(), payload }));
  }
  return {
    clock,
    sink,
    registry,
    elector,
    events,
    logged: (msg) => sink.lines().filter((l) => l.msg === msg),
    metric: async (name) => {
      const metric = registry.getSingleMetric(name);
      if (!metric) throw new Error(`no metric ${name}`);
      const data = await metric.get();
      // Gauges and counters have one plain value; for a histogram, count the observations.
      const values = data.values.filter((v) => {
        const metricName = (v as { metricName?: string }).metricName;
        return metricName === undefined || metricName === `${name}_count`;
      });
      return values.reduce((sum, v) => sum + v.value, 0);
    },
  };
}

/** A scripted lock stamped with the harness clock, and an elector over it. */
export function scripted(steps: ScriptStep[], over: Partial<LeaderElectorOptions> = {}) {
  const clock = new FakeClock();
  const lock = new ScriptedLeaseLock(steps, { allowWatch: over.watch === true, nowMs: () => clock.nowMs() });
  return { lock, ...electorOver(lock, over, clock) };
}
