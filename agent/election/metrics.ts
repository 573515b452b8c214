import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../metrics/registry.js';

/** What the elector reports; an interface so the elector does not need prom-client. */
export interface ElectionMetricsSink {
  leading(isLeader: boolean): void;
  transitionObserved(): void;
  renewSucceeded(seconds: number): void;
  renewFailed(): void;
  /** This elector took a lease someone held: after the kubelet proved the holder dead, or after it expired. */
  tookOver(how: 'proof' | 'expiry'): void;
}

/** Renewals are a single PUT; buckets span a healthy API server (ms) up to the request timeout (s). */
const RENEW_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The election's Prometheus series, registered on the agent's own registry. */
export class ElectionMetrics implements ElectionMetricsSink {
  readonly #isLeader: Gauge;
  readonly #transitions: Counter;
  readonly #renewDuration: Histogram;
  readonly #renewFailures: Counter;
  readonly #takeovers: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#isLeader = new Gauge({ name: `${METRIC_PREFIX}is_leader`, help: '1 while this sidecar leads its cluster, else 0', registers });
    this.#isLeader.set(0);
    this.#transitions = new Counter({
      name: `${METRIC_PREFIX}lease_transitions_total`,
      help: 'Leader changes this sidecar observed or made',
      registers,
    });
    this.#renewDuration = new Histogram({
      name: `${METRIC_PREFIX}lease_renew_duration_seconds`,
      help: 'Latency of successful lease renewals',
      buckets: RENEW_BUCKETS,
      registers,
    });
    this.#renewFailures = new Counter({
      name: `${METRIC_PREFIX}lease_renew_failures_total`,
      help: 'Lease renewal attempts that failed (error, conflict or timeout)',
      registers,
    });
    this.#takeovers = new Counter({
      name: `${METRIC_PREFIX}lease_takeovers_total`,
      help: 'Leases this sidecar took from another holder, by how: proof (the kubelet reported the holder\'s sidecar ended) or expiry',
      labelNames: ['how'],
      registers,
    });
    for (const how of ['proof', 'expiry']) this.#takeovers.inc({ how }, 0);
  }

  leading(isLeader: boolean): void {
    this.#isLeader.set(isLeader ? 1 : 0);
  }

  transitionObserved(): void {
    this.#transitions.inc();
  }

  renewSucceeded(seconds: number): void {
    this.#renewDuration.observe(seconds);
  }

  renewFailed(): void {
    this.#renewFailures.inc();
  }

  tookOver(how: 'proof' | 'expiry'): void {
    this.#takeovers.inc({ how });
  }
}

/** For electors built without a registry (tests, tools). */
export const noElectionMetrics: ElectionMetricsSink = {
  leading: () => undefined,
  transitionObserved: () => undefined,
  renewSucceeded: () => undefined,
  renewFailed: () => undefined,
  tookOver: () => undefined,
};
