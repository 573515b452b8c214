import type { Registry } from 'prom-client';
import type { Clock } from './clock/clock.js';
import type { Config } from './config/index.js';
import { partLogger, type Logger } from './log/logger.js';
import { createKubeAdapters } from './kube/factory.js';
import { LeaderElector } from './election/elector.js';
import { ElectionMetrics } from './election/metrics.js';
import type { Drainer } from './membership/drain.js';
import type { PeerRegistrar } from './membership/registrar.js';
import type { VnfCluster } from './model/vnfcluster.js';
import { ClusterAgent } from './cycle/cluster-agent.js';
import { ClusterViews } from './cycle/views.js';
import { Loop } from './cycle/loop.js';
import { recordElectionEvents } from './cycle/election-events.js';

export interface RunningCluster {
  readonly agent: ClusterAgent;
  readonly elector: LeaderElector;
  readonly loop: Loop;
  policy(): VnfCluster | undefined;
  annotateSelf(annotations: Record<string, string | null>, signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

interface ClusterDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly registrar: PeerRegistrar;
  readonly drainer: Drainer;
}

/** The Kubernetes side of the sidecar: policy watch, election, membership, leader duties. */
export function startClusterAgent(d: ClusterDeps): RunningCluster {
  const { config, clock } = d;
  const log = partLogger(d.logger, 'cluster');
  const kube = createKubeAdapters(config, clock, partLogger(d.logger, 'kube'));
  // Watches and the elector wake the loop, which is created last; they reach it through this holder.
  const loopRef: { current?: Loop } = {};
  const wake = (): void => loopRef.current?.trigger();
  const policy = kube.vnfClusterWatch(wake);
  const lock = kube.leaseLock(`${config.cluster}-leader`, { 'vnf-agent.dev/cluster': config.cluster });
  const elector = new LeaderElector({
    identity: config.podName,
    lock,
    clock,
    log: partLogger(d.logger, 'election'),
    leaseDurationMs: config.leaseDurationMs,
    renewDeadlineMs: config.renewDeadlineMs,
    retryPeriodMs: config.retryPeriodMs,
    metrics: new ElectionMetrics(d.registry),
    onStartedLeading: wake,
  });
  recordElectionEvents(elector, kube.events, () => policy.get(config.cluster), log);
  const views = new ClusterViews((selector) => kube.podWatch(selector, wake));
  const agent = new ClusterAgent({
    pod: config.podName, cluster: config.cluster, clock, logger: log, policy, views, elector,
    registrar: d.registrar, peersSource: config.peersSource, drainer: d.drainer, status: kube.vnfClusters, apiTimeoutMs: config.apiTimeoutMs,
  });
  const loop = new Loop({ name: 'agent', clock, logger: log, intervalMs: config.loopIntervalMs, pass: (signal) => agent.pass(signal) });
  loopRef.current = loop;
  policy.start();
  elector.start();
  loop.start();
  const running = loop;
  return {
    agent,
    elector,
    loop: running,
    policy: () => policy.get(config.cluster),
    annotateSelf: (annotations, signal) => kube.annotator.annotate(config.podName, annotations, signal),
    async stop() {
      // Leader work first (the elector aborts it and releases the lease), then the loops.
      await elector.stop();
      await running.stop();
      await views.stop();
      await policy.stop();
    },
  };
}
