import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Prefix of every series this project defines. prom-client's process_* and nodejs_* keep their standard names. */
export const METRIC_PREFIX = 'vnf_agent_';

export interface BuildInfo {
  readonly version: string;
  readonly nodeVersion: string;
  /** Sampling period of the event-loop delay histogram (config eventLoopSampleMs); prom-client's 10 ms when absent. */
  readonly eventLoopSampleMs?: number;
}

/**
 * One registry per agent (not prom-client's global), so tests and several
 * agents in one process never share series. The default process and runtime
 * metrics keep their standard names (process_cpu_seconds_total,
 * nodejs_eventloop_lag_seconds, ...) so stock Node.js dashboards and alerts
 * work unchanged; the pod and container labels of the scrape tell them apart.
 */
export function createRegistry(build: BuildInfo): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, ...(build.eventLoopSampleMs === undefined ? {} : { eventLoopMonitoringPrecision: build.eventLoopSampleMs }) });
  const info = new Gauge({
    name: `${METRIC_PREFIX}build_info`,
    help: 'Always 1; labels say which vnf-agent build is running',
    labelNames: ['version', 'node_version'],
    registers: [registry],
  });
  info.set({ version: build.version, node_version: build.nodeVersion }, 1);
  return registry;
}
