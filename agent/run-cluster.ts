import type { Registry } from 'prom-client';
import type { Clock } from './clock/clock.js';
import type { Config } from './config/index.js';
import { partLogger, type Logger } from './log/logger.js';
import { createKubeAdapters } from './kube/factory.js';
import { LeaderElector } from './election/elector.js';
import { ElectionMetrics } from './election/metrics.js';
import { judgeDeath, ownProcess, type DeathProofPort } from './election/proof.js';
import { PodSightings } from './cycle/pod-sightings.js';
import type { LeaseLock } from './election/lock.js';
import type { Drainer } from './membership/drain.js';
import type { PeerRegistrar } from './membership/registrar.js';
import type { PodFacts } from './membership/state.js';
import type { VnfCluster } from './model/vnfcluster.js';
import { ClusterAgent, type PolicySource } from './cycle/cluster-agent.js';
import { ClusterViews, type PodSource } from './cycle/views.js';
import type { StatusWriter } from './cycle/status-publisher.js';
import { Loop } from './cycle/loop.js';
import { LeaderDuty } from './cycle/leader-duty.js';
import { recordElectionEvents } from './cycle/election-events.js';
import type { Fence } from './election/leadership.js';
import type { TokenSource } from './http/auth.js';
import { ScaleRelay, httpScaleForwarder } from './http/scale-relay.js';
import type { LoadSample } from './signals/sample.js';
import { CronScheduler, nodeCronEngine } from './schedule/index.js';
import { SampleGatherer } from './scaling/gather.js';
import { ScalingMetrics } from './scaling/metrics.js';
import { ScaleIn } from './scaling/scale-in.js';
import { markSelfLeaving, type PodAnnotations } from './scaling/pod-marks.js';
import type { EventSink, ScaleTarget } from './scaling/scaler-ports.js';
import { Scaler } from './scaling/scaler.js';
import { Predictor } from './scaling/predictive/predictor.js';
import type { HistoryStore } from './scaling/predictive/store.js';
import { ScaleDesk } from './scaling/scaler-control.js';
import { httpDrainClient, httpSampleFetcher } from './scaling/scaler-http.js';
import type { MemberServices } from './exposure/ports.js';
import { publishOnly, type AddressApplier } from './exposure/apply.js';
import { LeaderServices } from './exposure/leader-services.js';
import { SelfExposure, type PodLabels } from './exposure/self-exposure.js';

export interface RunningCluster {
  readonly agent: ClusterAgent;
  /** spec.exposure on this pod; undefined when the ports for it are missing. */
  readonly exposure: SelfExposure | undefined;
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
  /** Member Services and this pod's own labels (spec.exposure); without them spec.exposure is ignored. */
  readonly services?: MemberServices;
  readonly podLabels?: PodLabels;
  /** The load-history ConfigMaps (predictive scaling); without it spec.predictive is ignored. */
  readonly histories?: HistoryStore;
}

export interface ClusterDeps {
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
  /** How this pod's SIP server learns its public address (spec.exposure); default publish only. */
  readonly addressApplier?: AddressApplier;
  /** Default: adapters over the API server the config names. */
  readonly kube?: ClusterKube;
}

/**
 * The composition root of the Kubernetes side: policy watch, election,
 * membership, leader duties. It reads top to bottom: the loop every part
 * wakes, the ports, the parts, start; stop goes in reverse.
 */
export function startClusterAgent(d: ClusterDeps): RunningCluster {
  const { config, clock } = d;
  const log = partLogger(d.logger, 'cluster');
  const part = (name: string): Logger => partLogger(d.logger, name);

  // The loop runs one agent pass per tick; watches, the scheduler, the scaler and a new term wake it
  // for an early one. It only calls `agent`, built below, once it is started at the end.
  const loop = new Loop({ name: 'agent', clock, logger: log, intervalMs: config.loopIntervalMs, pass: (signal) => agent.pass(signal) });
  const wake = (): void => loop.trigger();

  // Ports: the API server, the peers' sidecars, the cron clock.
  const kube = d.kube ?? createKubeAdapters(config, clock, part('kube'));
  const policy = kube.vnfClusterWatch(wake);
  const ownPolicy = (): VnfCluster | undefined => policy.get(config.cluster);
  const lock = kube.leaseLock(`${config.cluster}-leader`, { 'vnf-agent.dev/cluster': config.cluster });
  // One pod watch per cluster (this one and its upstreams), opened and closed as the policies name them.
  // Their statuses also feed the election: a standby that sees the leader's sidecar ended takes over at once.
  const sightings = new PodSightings();
  const views = new ClusterViews((selector) =>
    kube.podWatch(selector, (pods) => {
      sightings.update(selector, pods);
      elector.podsChanged();
      wake();
    }),
  );
  const scheduler = new CronScheduler({ clock, engine: nodeCronEngine });
  scheduler.onEvent(wake);
  const drains = httpDrainClient(config.httpPort, d.tokens, config.gatherTimeoutMs);
  const fetcher = httpSampleFetcher(config.httpPort, config.gatherTimeoutMs);
  const forwarder = httpScaleForwarder(config.scaleForwardTimeoutMs);

  // Parts. Leader work is the leader's share of each pass; the elector waits for it before it releases the Lease.
  const leader = new LeaderDuty();
  const elector = new LeaderElector({
    identity: config.podName, lock, clock, log: part('election'),
    leaseDurationMs: config.leaseDurationMs, renewDeadlineMs: config.renewDeadlineMs, retryPeriodMs: config.retryPeriodMs,
    watch: config.electionWatch, metrics: new ElectionMetrics(d.registry),
    ...(config.deathProof ? { deathProof: deathProofOver(sightings, config.podName, config.containerName) } : {}),
    onStartedLeading: (term) => {
      agent.continueMembership();
      const work = leader.lead(term);
      wake(); // a new leader acts now, not at the next tick
      return work;
    },
  });
  recordElectionEvents(elector, kube.events, ownPolicy, log);
  // Every leader write is fenced by the elector; the duty decides what its requests in flight are bound to.
  const fence = () => leader.fence(elector.fence());
  const scalingMetrics = new ScalingMetrics(d.registry);
  const scaleIn = new ScaleIn({
    clock, logger: part('scale-in'), fence, annotator: kube.annotator, drains,
    apiTimeoutMs: config.apiTimeoutMs, peerTimeoutMs: config.gatherTimeoutMs, metrics: scalingMetrics,
    // A leader that chose itself steps down (not awaited: handOver waits for this pass); the next leader drains it.
    handOver: () => void elector.handOver(),
  });
  const gatherer = new SampleGatherer({ clock, fetcher, self: config.podName, localSample: d.localSample, timeoutMs: config.gatherTimeoutMs });
  const scaler = new Scaler({
    clock, logger: part('scaler'), fence, scaleFor: (name) => kube.scale(name), gatherer, scheduler, events: kube.events, status: kube.vnfClusters, scaleIn,
    // The scaler needs the raw pod facts (terminating, draining annotation) of its own cluster.
    pods: () => views.pods(config.cluster),
    apiTimeoutMs: config.apiTimeoutMs, sampleStaleMs: config.sampleStaleMs, statusRefreshMs: config.statusRefreshMs, onRequest: wake, metrics: scalingMetrics,
    ...(kube.histories ? { predictor: predictorFor(kube.histories, clock, fence, config, part('predictive')) } : {}),
  });
  const exposure = exposureFor(kube, d.addressApplier ?? publishOnly, config, clock, fence);
  const agent = new ClusterAgent({
    pod: config.podName, cluster: config.cluster, clock, logger: log, policy, views, elector, leader, fence,
    registrar: d.registrar, peersSource: config.peersSource, drainer: d.drainer, status: kube.vnfClusters, apiTimeoutMs: config.apiTimeoutMs, scaler,
    ...(exposure ? { exposure: { ...exposure, pods: () => views.pods(config.cluster) } } : {}),
  });
  const leadership = () => elector.status();
  const desk = new ScaleDesk({ pod: config.podName, leadership, policy: ownPolicy, scaler, scaleIn });
  const scale = new ScaleRelay({
    pod: config.podName, httpPort: config.httpPort, leadership, ipOf: (pod) => agent.ipOf(pod), desk, forwarder, timeoutMs: config.scaleForwardTimeoutMs, clock,
  });

  // Start: the policy watch feeds the loop; the loop's passes open the pod watches; the elector hands terms to the duty.
  policy.start();
  loop.start();
  elector.start();

  return {
    agent,
    exposure: exposure?.self,
    elector,
    loop,
    scale,
    policy: ownPolicy,
    markLeaving: (signal) => markSelfLeaving(kube.annotator, config.podName, signal),
    async stop() {
      // In reverse. Leader work first: the elector ends the term (fence() refuses from then on), waits up to
      // its stop timeout for the leader part of the pass in flight, whose requests already sent may finish,
      // and releases the Lease only if that work ended; otherwise the Lease expires. Then the loop and what
      // its passes opened, then the policy watch.
      leader.stopping();
      await elector.stop();
      await loop.stop();
      scheduler.stop();
      await views.stop();
      await policy.stop();
    },
  };
}

/** The kubelet's reports, as the pod watches last saw them, for the elector's proof of death. */
function deathProofOver(sightings: PodSightings, pod: string, container: string): DeathProofPort {
  return {
    ownProcess: () => ownProcess(sightings.present(pod), container),
    judge: (record) => judgeDeath(record, sightings.sighting(record.holderIdentity)),
  };
}

/** An applied public address is read and applied again this often: a restarted SIP server forgot it, a load balancer may move. */
const EXPOSURE_RECHECK_MS = 10_000;

function exposureFor(kube: ClusterKube, applier: AddressApplier, config: Config, clock: Clock, fence: () => Fence): { self: SelfExposure; leader: LeaderServices } | undefined {
  if (!kube.services || !kube.podLabels) return undefined;
  const pods = { read: kube.podLabels.read.bind(kube.podLabels), label: kube.podLabels.label.bind(kube.podLabels), annotate: kube.annotator.annotate.bind(kube.annotator) };
  return {
    self: new SelfExposure({
      pod: config.podName, clock, services: kube.services, pods, applier, nodeAddress: config.nodeAddress, apiTimeoutMs: config.apiTimeoutMs, recheckMs: EXPOSURE_RECHECK_MS,
    }),
    leader: new LeaderServices({ clock, services: kube.services, fence, apiTimeoutMs: config.apiTimeoutMs, sipPort: config.sipPort }),
  };
}

function predictorFor(store: HistoryStore, clock: Clock, fence: () => Fence, config: Config, logger: Logger): Predictor {
  return new Predictor({ clock, logger, fence, store, apiTimeoutMs: config.apiTimeoutMs, persistEveryMs: config.historyPersistMs });
}
