import { existsSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { systemClock, type Clock } from './clock/clock.js';
import type { Config } from './config/index.js';
import { partLogger, type Logger } from './log/logger.js';
import { HealthChecks } from './http/checks.js';
import { buildSidecarServer, fileTokens } from './http/sidecar-server.js';
import { createSampler } from './signals/build.js';
import type { Sampler } from './signals/sampler.js';
import type { LoadSample } from './signals/sample.js';
import { Drainer, type InFlightCount } from './membership/drain.js';
import { createPeerRegistrar } from './membership/from-config.js';
import { UpstreamReadiness } from './membership/upstream-readiness.js';
import { Loop } from './cycle/loop.js';
import type { RunningCluster } from './run-cluster.js';
import type { AgentStatus } from './http/routes/status.js';
import { addressApplierFor } from './exposure/from-config.js';
import { leavingNoticeFor } from './membership/leaving-notice.js';

/** Dialogs or transactions still in flight on the local SIP server, from the latest sample. */
function inFlightCalls(sample: LoadSample | undefined): number | undefined {
  const raw = sample?.signals.kamailio?.raw;
  if (!raw) return undefined;
  if (raw.activeDialogs !== undefined) return raw.activeDialogs;
  return raw.activeTransactions;
}

/** The latest sample's calls in flight with the time they were counted (its pass's start, monotonic), for the drain. */
function inFlightCount(sample: LoadSample | undefined, takenAtMs: number | undefined): InFlightCount | undefined {
  const calls = inFlightCalls(sample);
  return calls === undefined || takenAtMs === undefined ? undefined : { calls, countedAtMs: takenAtMs };
}

export interface RunningAgent {
  readonly address: string;
  /** Graceful stop: leader work ends, the lease is released, loops and server stop. */
  stop(): Promise<void>;
}

/**
 * Wires the sidecar's concrete parts (this file and main.ts are the only
 * places that do) and starts them. Without a cluster it serves the local
 * endpoints only: SIP signals, readiness, drain.
 */
export async function startAgent(config: Config, logger: Logger, registry: Registry, clock: Clock = systemClock): Promise<RunningAgent> {
  const liveness = new HealthChecks();
  const readiness = new HealthChecks();
  // The native sidecar's startupProbe: the SIP server starts only after this passes, and a
  // Kamailio dispatcher exits at start without its list file. Not readiness: a Bono is ready
  // only once its SIP server loaded the peers, which needs the SIP server running.
  const startup = new HealthChecks();
  if (config.peersRenderer !== 'none' && config.peersFile !== '') {
    const file = config.peersFile;
    startup.add('peers-file', () => (existsSync(file) ? undefined : `${file} not written yet (it is, once the cluster's peers are known)`));
  }
  const sampler: Sampler | undefined = config.signalSources.trim() === '' ? undefined : createSampler(config, { clock, logger: partLogger(logger, 'signals'), registry });
  let cluster: RunningCluster | undefined;
  const drainTimeoutMs = (): number => (cluster?.policy()?.spec.drainTimeoutSeconds ?? 60) * 1000;
  const drainMinimumMs = (): number => (cluster?.policy()?.spec.drainMinimumSeconds ?? 0) * 1000;
  const tellServer = leavingNoticeFor(config);
  const drainer = new Drainer({
    clock,
    logger: partLogger(logger, 'drain'),
    timeoutMs: drainTimeoutMs,
    minimumMs: drainMinimumMs,
    inFlight: () => inFlightCount(sampler?.latest(), sampler?.latestStartedAtMs()),
    peersLearnFromMark: config.cluster !== '',
    routeAwayMs: config.drainRouteAwayMs,
    markLeaving: async (signal) => {
      if (cluster) await cluster.markLeaving(signal);
    },
    ...(tellServer ? { tellServer } : {}),
  });
  readiness.add('draining', () => drainer.readiness());
  const registrar = createPeerRegistrar(config, { clock, registry });
  const sampling = sampler
    ? new Loop({ name: 'signals', clock, logger: partLogger(logger, 'signals'), intervalMs: config.signalIntervalMs, pass: async () => ({ reason: await sampler.runOnce(), acted: false }) })
    : undefined;
  if (sampling) liveness.add('signals-loop', () => sampling.check(config.signalIntervalMs * 5 + 10_000));

  const tokens = fileTokens(config.tokenFile);
  if (config.cluster !== '') {
    // Imported only here: a sidecar without a cluster never loads the Kubernetes client (the bundle's
    // cluster side is a chunk of its own, scripts/bundle.ts), about 4 MiB of RSS it would not use.
    const { startClusterAgent } = await import('./run-cluster.js');
    cluster = startClusterAgent({
      config, clock, logger, registry, registrar, drainer, tokens, localSample: () => sampler?.latest(), addressApplier: addressApplierFor(config),
    });
    // spec.exposure: clients come only once the SIP server was told the address they reach this pod at.
    readiness.add('public-address', () => cluster?.exposure?.readiness());
    liveness.add('agent-loop', () => cluster?.loop.check(config.loopIntervalMs * 5 + 10_000));
    liveness.add('leader-renewal', () => cluster?.elector.check(2_000));
    if (config.peersSource === 'upstreams' && config.peersRenderer !== 'none') {
      const upstreams = new UpstreamReadiness(() => registrar.lastResult);
      readiness.add('upstream-peers', () => upstreams.readiness());
    }
  }

  const status = (): AgentStatus =>
    cluster?.agent.status(cluster.policy()?.spec.role ?? 'generic') ?? {
      pod: config.podName, role: 'generic', cluster: '', leader: null, isLeader: false, lastRenewAgeMs: null, members: [], membershipGeneration: 0,
      replicas: null, desiredReplicas: null, lastDecision: null, draining: drainer.draining, peers: registrar.lastResult ?? null, lastPass: 'no cluster configured',
    };
  const app = buildSidecarServer({
    logger: partLogger(logger, 'http'), registry, clock, liveness, readiness, startup,
    ...(sampler ? { signals: sampler } : {}),
    status, drain: drainer, drainTimeoutMs, tokens,
    ...(cluster ? { scale: cluster.scale } : {}),
    mutatingRequestsPerMinute: config.mutatingRequestsPerMinute,
  });
  const address = await app.listen({ host: config.httpHost, port: config.httpPort });
  sampling?.start();

  return {
    address,
    async stop() {
      await cluster?.stop();
      await sampling?.stop();
      await sampler?.close();
      await app.close();
    },
  };
}
