import type { Clock } from '../clock/clock.js';
import { TimeoutError, withDeadline } from '../clock/deadline.js';
import type { Logger } from '../log/logger.js';
import { combine } from './combine.js';
import type { SignalMetrics } from './metrics.js';
import type { LoadSample, SignalReading, SignalSource } from './sample.js';
import type { Targets } from './targets.js';

export interface SamplerOptions {
  readonly pod: string;
  readonly sources: readonly SignalSource[];
  readonly targets: Targets;
  readonly intervalMs: number;
  /** Bound on each source's read; below intervalMs so passes never pile up. */
  readonly timeoutMs: number;
  readonly smoothing: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: SignalMetrics;
}

/** The probe's name: readiness is judged on it alone. */
const PROBE = 'sip-options';

/**
 * The sampling loop. Each pass reads every source concurrently, each bounded
 * by a timeout, combines the readings into one LoadSample, keeps it as the
 * latest and returns its one-sentence reason. A pass never throws and passes
 * never overlap: the next starts only after the previous one ended.
 */
export class Sampler {
  readonly #o: SamplerOptions;
  #latest: LoadSample | undefined;
  #latestAtMs = 0;
  #latestStartedAtMs = 0;
  #draining = false;
  #lastShape = '';

  constructor(options: SamplerOptions) {
    this.#o = options;
  }

  latest(): LoadSample | undefined {
    return this.#latest;
  }

  /** When the pass that made the latest sample began reading (monotonic ms); undefined before the first. */
  latestStartedAtMs(): number | undefined {
    return this.#latest === undefined ? undefined : this.#latestStartedAtMs;
  }

  /** Why this pod must not get traffic, or undefined when it may. */
  readiness(): string | undefined {
    if (this.#draining) return 'draining';
    const sample = this.#latest;
    if (sample === undefined) return 'no SIP probe result yet';
    const ageMs = this.#o.clock.nowMs() - this.#latestAtMs;
    if (ageMs > 3 * this.#o.intervalMs + this.#o.timeoutMs) return `last SIP probe result is ${Math.round(ageMs)} ms old`;
    if (sample.healthy) return undefined;
    const probe = sample.signals[PROBE];
    return `SIP server does not answer OPTIONS with 2xx: ${probe?.reason ?? probe?.status ?? 'probe not configured'}`;
  }

  /** While draining, readiness fails so the endpoints drop this pod; load is still measured. */
  setDraining(draining: boolean): void {
    this.#draining = draining;
  }

  /** One pass: read, combine, store, log once; returns the sentence. */
  async runOnce(): Promise<string> {
    try {
      const started = this.#o.clock.nowMs();
      const timed = await Promise.all(this.#o.sources.map((s) => this.#read(s)));
      const readings = Object.fromEntries(timed.map(([name, reading]) => [name, reading]));
      const sample = combine({
        pod: this.#o.pod,
        time: this.#o.clock.wallTime().toISOString(),
        readings,
        targets: this.#o.targets,
        smoothing: this.#o.smoothing,
        previous: this.#latest?.utilization ?? null,
      });
      this.#latest = sample;
      this.#latestStartedAtMs = started;
      this.#latestAtMs = this.#o.clock.nowMs();
      this.#o.metrics?.record(sample, Object.fromEntries(timed.map(([name, , seconds]) => [name, seconds])));
      this.#log(sample, this.#latestAtMs - started);
      return sample.reason;
    } catch (err) {
      // Unreachable by design (reads and combine do not throw); kept so the loop survives a bug.
      this.#o.logger.error({ err }, 'Could not sample SIP load');
      return `sampling failed: ${(err as Error).message}`;
    }
  }

  /** Runs passes every intervalMs until `stop` aborts. */
  async run(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      const started = this.#o.clock.nowMs();
      await this.runOnce();
      const rest = Math.max(0, this.#o.intervalMs - (this.#o.clock.nowMs() - started));
      await this.#o.clock.sleep(rest, stop).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#o.sources.map((s) => (s.close ? s.close().catch(() => undefined) : Promise.resolve())));
  }

  async #read(source: SignalSource): Promise<[string, SignalReading, number]> {
    const { clock, timeoutMs } = this.#o;
    const started = clock.nowMs();
    const reading = await withDeadline(clock, timeoutMs, source.name, [], (signal) => source.read(signal)).catch(
      (err: unknown): SignalReading =>
        err instanceof TimeoutError
          ? { status: 'timeout', raw: {}, reason: `no reading within ${timeoutMs} ms` }
          : { status: 'error', raw: {}, reason: err instanceof Error ? err.message : String(err) },
    );
    return [source.name, reading, (clock.nowMs() - started) / 1000];
  }

  /** Info when the picture changes (health, overload, a source's status); debug otherwise. */
  #log(sample: LoadSample, tookMs: number): void {
    const shape = JSON.stringify([sample.healthy, sample.overloaded, Object.values(sample.signals).map((s) => s.status)]);
    const fields = { utilization: sample.utilization, overloaded: sample.overloaded, healthy: sample.healthy, reason: sample.reason, tookMs: Math.round(tookMs) };
    if (shape !== this.#lastShape) this.#o.logger.info(fields, 'Sampled SIP load');
    else this.#o.logger.debug(fields, 'Sampled SIP load');
    this.#lastShape = shape;
  }
}
