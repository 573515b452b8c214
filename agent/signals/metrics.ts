import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../metrics/registry.js';
import type { LoadSample } from './sample.js';

/**
 * Reads span a /proc file (well under 1 ms) up to a remote scrape or an
 * OPTIONS retransmit at the signal timeout (default 1.5 s).
 */
export const READ_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5];

/** The sampler's series on the agent's registry: one set per pass, per signal. */
export class SignalMetrics {
  readonly #utilization: Gauge;
  readonly #overloaded: Gauge;
  readonly #healthy: Gauge;
  readonly #normalized: Gauge<'signal'>;
  readonly #raw: Gauge<'signal' | 'key'>;
  readonly #reads: Counter<'signal' | 'status'>;
  readonly #readSeconds: Histogram<'signal'>;
  readonly #probeMessages: Counter<'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const p = METRIC_PREFIX;
    this.#utilization = new Gauge({ name: `${p}load_utilization`, help: 'Smoothed max of the normalized signals; 1 = at target; NaN when no signal is usable', registers });
    this.#overloaded = new Gauge({ name: `${p}load_overloaded`, help: '1 when a 503 or a receive drop was seen in the last window', registers });
    this.#healthy = new Gauge({ name: `${p}sip_healthy`, help: '1 when every SIP OPTIONS probe got a 2xx in the last pass', registers });
    this.#normalized = new Gauge({ name: `${p}signal_normalized`, help: 'Raw value over target, per signal (absent when unusable)', labelNames: ['signal'], registers });
    this.#raw = new Gauge({ name: `${p}signal_raw`, help: 'Raw values per signal and key, as in GET /load', labelNames: ['signal', 'key'], registers });
    this.#reads = new Counter({ name: `${p}signal_reads_total`, help: 'Signal reads by outcome (ok, missing, malformed, timeout, error)', labelNames: ['signal', 'status'], registers });
    this.#readSeconds = new Histogram({ name: `${p}signal_read_duration_seconds`, help: 'How long each read of a signal took (a timed-out read counts at the timeout)', labelNames: ['signal'], buckets: READ_BUCKETS, registers });
    this.#probeMessages = new Counter({ name: `${p}sip_probe_messages_total`, help: 'Messages on the probe sockets that were malformed or answered no probe of ours', labelNames: ['kind'], registers });
  }

  record(sample: LoadSample, readSeconds: Readonly<Record<string, number>>): void {
    this.#utilization.set(sample.utilization ?? NaN);
    this.#overloaded.set(sample.overloaded ? 1 : 0);
    this.#healthy.set(sample.healthy ? 1 : 0);
    this.#normalized.reset();
    this.#raw.reset();
    for (const [signal, s] of Object.entries(sample.signals)) {
      this.#reads.inc({ signal, status: s.status });
      if (s.normalized !== null) this.#normalized.set({ signal }, s.normalized);
      for (const [key, value] of Object.entries(s.raw)) this.#raw.set({ signal, key }, value);
      const seconds = readSeconds[signal];
      if (seconds !== undefined) this.#readSeconds.observe({ signal }, seconds);
    }
    const probe = sample.signals['sip-options']?.raw;
    if (probe?.malformed) this.#probeMessages.inc({ kind: 'malformed' }, probe.malformed);
    if (probe?.stray) this.#probeMessages.inc({ kind: 'stray' }, probe.stray);
  }
}
