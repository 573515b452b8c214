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
import { ClusterAgent, type PolicySource } from './cycle/cluster-agent.js';
import { ClusterViews, type PodSource } from './cycle/views.js';
import type { StatusWriter } from './cycle/status-publisher.js';
import { Loop } from './cycle/loop.js';
import { LeaderDuty } from './cycle/leader-duty.js';
import { recordElectionEvents } from './cycle/election-events.js';
import { selectorOf } from './cycle/views.js';
import type { LeaseLock } from './election/lock.js';
import type { PodFacts } from './membership/state.js';
import type { TokenSource } from './http/auth.js';
import type { LoadSample } from './signals/sample.js';
import { CronScheduler, nodeCronEngine } from './schedule/index.js';
import { SampleGatherer } from './scaling/gather.js';
import { ScalingMetrics } from './scaling/metrics.js';
import { ScaleIn } from './scaling/scale-in.js';
import { markSelfLeaving, type PodAnnotations } from './scaling/pod-marks.js';
import type { EventSink, ScaleTarget } from './scaling/scaler-ports.js';
import { Scaler } from './scaling/scaler.js';
import { ScaleDesk } from './scaling/scaler-control.js';
import { httpDrainClient, httpSampleFetcher } from './scaling/scaler-http.js';
import { ScaleRelay, httpScaleForwarder } from './http/scale-relay.js';

export interface RunningCluster {
  readonly agent: ClusterAgent;
  readonly elector: LeaderElector;
  readonly loop: Loop;
  /** GET/POST /scale on this pod. */
  readonly scale: ScaleRelay;
  policy(): VnfCluster | undefined;
  /** This pod's own leaving mark (its drain began): conditional on the version just read, never lease-fenced. */
  markLeaving(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/** The Kubernetes side as ports: createKubeAdapters() in production, in-memory fakes in tests. */
export interface ClusterKube {
  leaseLock(name: string, labels?: Record<string, string>): LeaseLock;
  scale(deployment: string): ScaleTarget;
  podWatch(labelSelector: string, onChange: (pods: readonly PodFacts[]) => void): PodSource;
  readonly annotator: PodAnnotations;
  readonly vnfClusters: StatusWriter;
  vnfClusterWatch(onChange: () => void): PolicySource & { start(): void; stop(): Promise<void> };
  readonly events: EventSink;
}

interface ClusterDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly registrar: PeerRegistrar;
  readonly drainer: Drainer;
  /** The bearer token the sidecars share: the leader uses it to ask a victim to drain. */
  readonly tokens: TokenSource;
  /** This pod's latest LoadSample; the leader's own load is read here, not over HTTP. */
  readonly localSample: () => LoadSample | undefined;
  /** Default: adapters over the API server the config names. */
  readonly kube?: ClusterKube;
}

/** The Kubernetes side of the sidecar: policy watch, election, membership, leader duties. */
export function startClusterAgent(d: ClusterDeps): RunningCluster {
  const { config, clock } = d;
  const log = partLogger(d.logger, 'cluster');
  const kube = d.kube ?? createKubeAdapters(config, clock, partLogger(d.logger, 'kube'));
  // Watches and the elector wake the loop, which is created last; they reach it through this holder.
  const loopRef: { current?: Loop } = {};
  const wake = (): void => loopRef.current?.trigger();
  const policy = kube.vnfClusterWatch(wake);
  const lock = kube.leaseLock(`${config.cluster}-leader`, { 'vnf-agent.dev/cluster': config.cluster });
  // Leader work is the leader's part of each loop pass; the elector waits for it before it releases the Lease.
  const leader = new LeaderDuty(wake);
  const elector = new LeaderElector({
    identity: config.podName,
    lock,
    clock,
    log: partLogger(d.logger, 'election'),
    leaseDurationMs: config.leaseDurationMs,
    renewDeadlineMs: config.renewDeadlineMs,
    retryPeriodMs: config.retryPeriodMs,
    watch: config.electionWatch,
    metrics: new ElectionMetrics(d.registry),
    onStartedLeading: (term) => leader.lead(term),
  });
  recordElectionEvents(elector, kube.events, () => policy.get(config.cluster), log);
  // The scaler needs the raw pod facts (terminating, draining annotation) of its own cluster.
  const podSources = new Map<string, PodSource>();
  const views = new ClusterViews((selector) => {
    const watch = kube.podWatch(selector, wake);
    podSources.set(selector, watch);
    return watch;
  });
  const ownPods = () => {
    const own = policy.get(config.cluster);
    return own ? (podSources.get(selectorOf(own))?.pods() ?? []) : [];
  };
  const scheduler = new CronScheduler({ clock, engine: nodeCronEngine });
  scheduler.onEvent(wake);
  // Every leader write is fenced by the elector; the duty decides what its requests in flight are bound to.
  const fence = () => leader.fence(elector.fence());
  const scalingMetrics = new ScalingMetrics(d.registry);
  const scaleIn = new ScaleIn({
    clock, logger: partLogger(d.logger, 'scale-in'), fence, annotator: kube.annotator,
    drains: httpDrainClient(config.httpPort, d.tokens, config.gatherTimeoutMs), apiTimeoutMs: config.apiTimeoutMs, peerTimeoutMs: config.gatherTimeoutMs,
    metrics: scalingMetrics,
    // A leader that chose itself steps down (not awaited: handOver waits for this pass); the next leader drains it.
    handOver: () => void elector.handOver(),
  });
  const scaler = new Scaler({
    clock, logger: partLogger(d.logger, 'scaler'), fence, scaleFor: (name) => kube.scale(name),
    gatherer: new SampleGatherer({ clock, fetcher: httpSampleFetcher(config.httpPort, config.gatherTimeoutMs), self: config.podName, localSample: d.localSample, timeoutMs: config.gatherTimeoutMs }),
    scheduler, events: kube.events, status: kube.vnfClusters, scaleIn, pods: ownPods,
    apiTimeoutMs: config.apiTimeoutMs, sampleStaleMs: config.sampleStaleMs, statusRefreshMs: config.statusRefreshMs, onRequest: wake,
    metrics: scalingMetrics,
  });
  const agent = new ClusterAgent({
    pod: config.podName, cluster: config.cluster, clock, logger: log, policy, views, elector, leader, fence,
    registrar: d.registrar, peersSource: config.peersSource, drainer: d.drainer, status: kube.vnfClusters, apiTimeoutMs: config.apiTimeoutMs, scaler,
  });
  const desk = new ScaleDesk({ pod: config.podName, leadership: () => elector.status(), policy: () => policy.get(config.cluster), scaler, scaleIn });
  const scale = new ScaleRelay({
    pod: config.podName, httpPort: config.httpPort, leadership: () => elector.status(), ipOf: (pod) => agent.ipOf(pod), desk,
    forwarder: httpScaleForwarder(config.scaleForwardTimeoutMs), timeoutMs: config.scaleForwardTimeoutMs, clock,
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
    scale,
    policy: () => policy.get(config.cluster),
    markLeaving: (signal) => markSelfLeaving(kube.annotator, config.podName, signal),
    async stop() {
      // Leader work first: the elector ends the term (fence() refuses from then on), waits up to its
      // stop timeout for the leader part of the pass in flight, whose requests already sent may finish,
      // and releases the Lease only if that work ended; otherwise the Lease expires. Then the loops.
      leader.stopping();
      await elector.stop();
      await running.stop();
      scheduler.stop();
      await views.stop();
      await policy.stop();
    },
  };
}
