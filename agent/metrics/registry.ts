import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'vnf_agent_';

export interface BuildInfo {
  readonly version: string;
  readonly nodeVersion: string;
}

/**
 * One registry per agent (not prom-client's global), so tests and several
 * agents in one process never share series.
 */
export function createRegistry(build: BuildInfo): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const info = new Gauge({
    name: `${METRIC_PREFIX}build_info`,
    help: 'Always 1; labels say which vnf-agent build is running',
    labelNames: ['version', 'node_version'],
    registers: [registry],
  });
  info.set({ version: build.version, node_version: build.nodeVersion }, 1);
  return registry;
}
