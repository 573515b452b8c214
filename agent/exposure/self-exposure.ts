import type { Clock } from '../clock/clock.js';
import { withDeadline } from '../clock/deadline.js';
import type { PodFacts } from '../membership/state.js';
import type { VnfCluster } from '../model/vnfcluster.js';
import { changePod, markHolds, type MarkDecision, type PodAnnotations, type PodReading } from '../scaling/pod-marks.js';
import { describeError } from '../scaling/scaler-ports.js';
import { reachableAddress } from './address.js';
import type { AddressApplier } from './apply.js';
import { exposureOf, serviceName } from './plan.js';
import { MEMBER_LABEL, PUBLIC_ADDRESS_ANNOTATION, type MemberServices } from './ports.js';

/** This pod's own labels, written like its annotations: conditional on the version just read. */
export interface PodLabels {
  read(pod: string, signal?: AbortSignal): Promise<PodReading | undefined>;
  label(pod: string, labels: Record<string, string | null>, version: string, signal?: AbortSignal): Promise<void>;
}

export interface SelfExposureDeps {
  readonly pod: string;
  readonly clock: Clock;
  readonly services: Pick<MemberServices, 'get'>;
  readonly pods: PodAnnotations & PodLabels;
  readonly applier: AddressApplier;
  /** Where node ports are served when not on the pod's hostIP (the sidecar's nodeAddress setting); '' = hostIP. */
  readonly nodeAddress: string;
  readonly apiTimeoutMs: number;
  /** How often an applied address is read again and applied again (a restarted SIP server forgot it). */
  readonly recheckMs: number;
}

/**
 * This pod's side of spec.exposure: it labels itself so its Service can
 * select just it, reads that Service (the leader creates it), derives the
 * address clients reach it at, tells its SIP server, and then annotates its
 * pod with the address, which the leader copies into status. Until the
 * address is applied the pod is not ready for clients (`readiness`). The pod
 * writes only its own Pod, each write conditional on the version just read;
 * no lease fence, as with its leaving mark.
 */
export class SelfExposure {
  #exposed = false;
  #applied: string | undefined;
  #waiting = 'the VnfCluster was not read yet';
  #checkAtMs = Number.NEGATIVE_INFINITY;
  /** Monotonic time the address was first applied (for the time from start to address). */
  #firstAppliedMs: number | undefined;
  readonly #startedMs: number;

  constructor(private readonly d: SelfExposureDeps) {
    this.#startedMs = d.clock.nowMs();
  }

  /** Readiness check: with exposure on, clients may come only once the SIP server knows the address they use. */
  readiness(): string | undefined {
    if (!this.#exposed || this.#applied !== undefined) return undefined;
    return `waiting for this pod's public address: ${this.#waiting}`;
  }

  get applied(): string | undefined {
    return this.#applied;
  }

  /** Milliseconds from this sidecar's start to its first applied address; undefined before. */
  get msToAddress(): number | undefined {
    return this.#firstAppliedMs === undefined ? undefined : this.#firstAppliedMs - this.#startedMs;
  }

  /** One pass of the agent loop on the pod watch's view of this pod; returns what it did, or undefined for nothing. */
  async pass(vc: VnfCluster, self: PodFacts | undefined, signal: AbortSignal): Promise<string | undefined> {
    const exposure = exposureOf(vc.spec);
    this.#exposed = exposure.type !== 'None';
    if (!this.#exposed) {
      this.#applied = undefined;
      this.#checkAtMs = Number.NEGATIVE_INFINITY;
      return undefined;
    }
    try {
      const parts: string[] = [];
      if (self && self.memberLabel !== this.d.pod) {
        const labelled = await this.#label(signal);
        if (labelled) parts.push(labelled);
      }
      const now = this.d.clock.nowMs();
      if (now < this.#checkAtMs && self?.publicAddress === this.#applied) return parts.length > 0 ? parts.join('; ') : undefined;
      const applied = await this.#applyAddress(self, signal);
      if (applied) parts.push(applied);
      return parts.length > 0 ? parts.join('; ') : undefined;
    } catch (err) {
      // Said once per new reason: a SIP server still starting fails every pass until it is up.
      const reason = describeError(err);
      const changed = reason !== this.#waiting;
      this.#waiting = reason;
      return changed ? `public address: ${reason}` : undefined;
    }
  }

  async #label(signal: AbortSignal): Promise<string> {
    const { pods, pod } = this.d;
    const labels: PodAnnotations = { read: (p, s) => pods.read(p, s), annotate: (p, l, v, s) => pods.label(p, l, v, s) };
    const decide = (read: PodReading): MarkDecision =>
      read.facts.memberLabel === pod ? { already: `${pod} carries its member label` } : { write: { [MEMBER_LABEL]: pod } };
    const done = await changePod(labels, pod, decide, (_what, work) => work(signal));
    if (!markHolds(done)) throw new Error(`could not label ${pod}: ${done.reason}`);
    return done.outcome === 'written' ? `labelled this pod ${MEMBER_LABEL}=${pod}` : '';
  }

  async #applyAddress(self: PodFacts | undefined, signal: AbortSignal): Promise<string | undefined> {
    const d = this.d;
    const service = await withDeadline(d.clock, d.apiTimeoutMs, 'read own Service', [signal], (s) => d.services.get(serviceName(d.pod), s));
    const reach = reachableAddress(service, d.nodeAddress || self?.hostIp || '');
    if ('waiting' in reach) {
      const changed = reach.waiting !== this.#waiting;
      this.#waiting = reach.waiting;
      return changed ? `public address: ${reach.waiting}` : undefined;
    }
    await withDeadline(d.clock, d.apiTimeoutMs, d.applier.describe, [signal], (s) => d.applier.apply(reach, s));
    const first = this.#applied !== reach.address;
    this.#applied = reach.address;
    this.#firstAppliedMs ??= d.clock.nowMs();
    this.#checkAtMs = d.clock.nowMs() + d.recheckMs;
    const parts = first ? [`applied public address ${reach.address} (${d.applier.describe})`] : [];
    if (self?.publicAddress !== reach.address) {
      const decide = (read: PodReading): MarkDecision =>
        read.annotations[PUBLIC_ADDRESS_ANNOTATION] === reach.address ? { already: 'published' } : { write: { [PUBLIC_ADDRESS_ANNOTATION]: reach.address } };
      const done = await changePod(d.pods, d.pod, decide, (_what, work) => work(signal));
      if (!markHolds(done)) throw new Error(`could not publish ${reach.address} on ${d.pod}: ${done.reason}`);
      if (done.outcome === 'written') parts.push(`published ${reach.address} on this pod`);
    }
    return parts.length > 0 ? parts.join('; ') : undefined;
  }
}
