import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import type { LeaderElector } from '../election/elector.js';
import type { Fence } from '../election/leadership.js';
import type { Drainer } from '../membership/drain.js';
import type { PeerRegistrar } from '../membership/registrar.js';
import type { ClusterView } from '../membership/view.js';
import type { VnfCluster } from '../model/vnfcluster.js';
import type { AgentStatus } from '../http/routes/status.js';
import type { ScalerContext, ScalerOutcome } from '../scaling/scaler.js';
import type { PassOutcome } from './loop.js';
import { publishMembership, type StatusWriter } from './status-publisher.js';
import type { ClusterViews } from './views.js';
import type { LeaderDuty } from './leader-duty.js';
import type { LeaderServices } from '../exposure/leader-services.js';
import type { SelfExposure } from '../exposure/self-exposure.js';
import type { PodFacts } from '../membership/state.js';

/** The VnfClusters of the namespace, as the watch last saw them. */
export interface PolicySource {
  readonly synced: boolean;
  get(name: string): VnfCluster | undefined;
}

export interface ClusterAgentDeps {
  readonly pod: string;
  readonly cluster: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly policy: PolicySource;
  readonly views: ClusterViews;
  readonly elector: LeaderElector;
  /** Leader work runs only under a term the elector handed over, so it can wait for it before releasing. */
  readonly leader: Pick<LeaderDuty, 'run'>;
  /** elector.fence() as leader work sees it (LeaderDuty.fence): call it before every leader write. */
  readonly fence: () => Fence;
  readonly registrar: PeerRegistrar;
  readonly peersSource: 'upstreams' | 'self';
  readonly drainer: Drainer;
  readonly status: StatusWriter;
  readonly apiTimeoutMs: number;
  /** spec.exposure: this pod's own address, and the leader's member Services; absent = exposure is not served. */
  readonly exposure?: { readonly self: Pick<SelfExposure, 'pass'>; readonly leader: Pick<LeaderServices, 'pass'>; readonly pods: () => readonly PodFacts[] };
  /** The leader's scaler, run after membership was published; absent = no scaling. */
  readonly scaler?: { pass(ctx: ScalerContext): Promise<ScalerOutcome> };
}

/**
 * One pass of the sidecar: read one snapshot (policy, pods, leadership), keep
 * the SIP server's peers current, mark a draining pod as leaving, and, when
 * leading, publish membership and scale; say in one sentence what happened.
 */
export class ClusterAgent {
  #ownView: ClusterView | undefined;
  #lastPass = 'not run yet';

  constructor(private readonly d: ClusterAgentDeps) {}

  /** A term begins (before its leader work): continue the membership numbering the previous leader published. */
  continueMembership(): void {
    const status = this.d.policy.get(this.d.cluster)?.status;
    if (status?.membershipGeneration !== undefined) this.d.views.seed(this.d.cluster, status.membershipGeneration, status.members ?? []);
  }

  async pass(signal: AbortSignal): Promise<PassOutcome> {
    const outcome = await this.#pass(signal);
    this.#lastPass = outcome.reason;
    return outcome;
  }

  async #pass(signal: AbortSignal): Promise<PassOutcome> {
    const d = this.d;
    const own = d.policy.get(d.cluster);
    if (!own) {
      return { reason: d.policy.synced ? `VnfCluster ${d.cluster} does not exist; waiting for it` : 'waiting for the first list of VnfClusters', acted: false };
    }
    const upstreams = own.spec.upstreams.map((u) => d.policy.get(u.cluster)).filter((vc): vc is VnfCluster => vc !== undefined);
    const [ownView, ...upstreamViews] = d.views.refresh([own, ...upstreams]);
    this.#ownView = ownView;
    const parts: string[] = [];
    const peers = await d.registrar.pass(d.peersSource === 'self' ? (ownView ? [ownView] : []) : upstreamViews);
    if (peers.outcome !== 'unchanged' && peers.outcome !== 'disabled' && peers.outcome !== 'waiting') parts.push(peers.reason);
    const drained = await d.drainer.pass(signal);
    if (drained) parts.push(drained);
    if (d.exposure) {
      const exposed = await d.exposure.self.pass(own, d.exposure.pods().find((p) => p.name === d.pod), signal);
      if (exposed) parts.push(exposed);
    }
    const led = ownView ? d.leader.run((work) => this.#leaderWork(own, ownView, AbortSignal.any([signal, work]))) : undefined;
    if (led) parts.push(...(await led));
    // A refused reload is retried within a fraction of a tick: until then the SIP server routes on stale peers.
    const again = d.registrar.retryInMs();
    const soon = again === undefined ? {} : { againInMs: again };
    if (parts.length === 0) return { reason: `no change: ${ownView?.members.length ?? 0} members, leader ${d.elector.status().leader ?? 'none'}`, acted: false, ...soon };
    return { reason: parts.join('; '), acted: true, ...soon };
  }

  async #leaderWork(own: VnfCluster, view: ClusterView, signal: AbortSignal): Promise<string[]> {
    const parts: string[] = [];
    // The scaler's status write must carry the version the membership write just produced.
    let latest = own;
    const writer: StatusWriter = { patchStatus: async (...args) => (latest = await this.d.status.patchStatus(...args)) };
    try {
      const published = await publishMembership(writer, own, view, this.d.fence, this.d.apiTimeoutMs, this.d.clock, signal);
      if (published) parts.push(published);
    } catch (err) {
      this.d.logger.warn({ err }, 'Could not publish membership');
      parts.push(`could not publish membership: ${(err as Error).message}`);
    }
    if (this.d.exposure) {
      // After membership: a member Service is created for each pod the view lists, and removed only once its pod is gone.
      const services = await this.d.exposure.leader.pass(own, this.d.exposure.pods(), signal);
      if (services) parts.push(services);
    }
    if (this.d.scaler) {
      const scaled = await this.d.scaler.pass({ vc: latest, members: view.members, signal });
      if (scaled.acted) parts.push(scaled.reason);
    }
    return parts;
  }

  /** A member's pod IP from this pod's view of its own cluster (to forward /scale to the leader). */
  ipOf(pod: string): string | undefined {
    return this.#ownView?.members.find((m) => m.pod === pod)?.ip || undefined;
  }

  status(role: string): AgentStatus {
    const election = this.d.elector.status();
    const own = this.d.policy.get(this.d.cluster);
    const peers = this.d.registrar.lastResult;
    return {
      pod: this.d.pod,
      role,
      cluster: this.d.cluster,
      leader: election.leader ?? null,
      isLeader: election.isLeader,
      lastRenewAgeMs: election.lastRenewAgeMs ?? null,
      members: (this.#ownView?.members ?? []).map((m) => ({ ...m })),
      membershipGeneration: this.#ownView?.generation ?? 0,
      replicas: own?.status?.replicas ?? null,
      desiredReplicas: own?.status?.desiredReplicas ?? null,
      lastDecision: own?.status?.lastDecision ?? null,
      draining: this.d.drainer.draining,
      peers: peers
        ? { rendered: peers.rendered, reloaded: peers.reloaded, inSync: peers.inSync, peers: peers.peers, file: peers.file, at: peers.at, ...(peers.error ? { error: peers.error } : {}) }
        : null,
      lastPass: this.#lastPass,
    };
  }
}
