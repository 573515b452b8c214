import Value from 'typebox/value';
import type { Clock } from '../clock/clock.js';
import { withDeadline } from '../clock/deadline.js';
import type { Member } from '../model/vnfcluster.js';
import { LoadSample } from '../signals/sample.js';
import type { MemberSample } from './types.js';

/**
 * The port to a member's `GET /load`. It resolves the parsed JSON body of a
 * 200 answer, throws on anything else, and must honour `signal` (the gatherer
 * aborts it at `gatherTimeoutMs`). The fetch adapter is in scaler-http.ts.
 */
export interface SampleFetcher {
  fetch(ip: string, signal: AbortSignal): Promise<unknown>;
}

export interface GatherDeps {
  readonly clock: Clock;
  readonly fetcher: SampleFetcher;
  /** This pod's name: its own sample comes from `localSample`, never over HTTP. */
  readonly self: string;
  readonly localSample: () => LoadSample | undefined;
  /** Bound on each member's fetch (config gatherTimeoutMs). */
  readonly timeoutMs: number;
}

/** Why a member has no usable sample this pass; shown by GET /scale. */
export interface MissingSample {
  readonly pod: string;
  readonly reason: string;
}

export interface Gathered {
  /** One entry per member that is not leaving, in the view's order. */
  readonly samples: readonly MemberSample[];
  readonly missing: readonly MissingSample[];
}

interface Seen {
  readonly sample: LoadSample;
  /** Local monotonic time this sample (this `time` value) was first received. */
  readonly firstSeenMs: number;
}

/**
 * Collects every member's LoadSample for one decision, concurrently, each
 * fetch bounded by the timeout.
 *
 * Staleness is judged like the Lease (client-go's observed time): the age of
 * a sample is the LOCAL monotonic time since this leader first received that
 * sample (the pod's `time` value changed), never the pod's wall clock against
 * ours, so clock skew between nodes cannot make a sample look fresh or stale.
 * The cost: a new leader takes an old sample as fresh on first sight, for at
 * most sampleStaleMs; a pod whose sampler stalls also fails its own readiness
 * (the sampler's age check), and not-ready members are set aside by decide().
 *
 * A failed, late or malformed fetch keeps the previous sample of that pod,
 * which keeps ageing: one lost request does not drop a member, a silent one
 * turns missing after sampleStaleMs (decide() then treats it as the HPA
 * treats a missing metric). Leaving members are left out: they carry no new
 * calls and decide() counts replicas without a member as starting pods.
 */
export class SampleGatherer {
  readonly #d: GatherDeps;
  readonly #seen = new Map<string, Seen>();
  /**
   * Every member seen this term, and when this gatherer first saw it turn
   * Ready (on the injected clock): undefined while it never has been, null
   * when it was already Ready when first seen (this term cannot tell since when).
   */
  readonly #firstReady = new Map<string, number | null | undefined>();

  constructor(deps: GatherDeps) {
    this.#d = deps;
  }

  async gather(members: readonly Member[], signal: AbortSignal): Promise<Gathered> {
    const present = members.filter((m) => m.state !== 'leaving');
    const names = new Set(present.map((m) => m.pod));
    for (const pod of this.#seen.keys()) if (!names.has(pod)) this.#seen.delete(pod);
    this.#noteReady(present, names);
    const results = await Promise.all(present.map((m) => this.#one(m, signal)));
    const missing = results.flatMap((r) => (r.problem === undefined ? [] : [{ pod: r.sample.pod, reason: r.problem }]));
    return { samples: results.map((r) => r.sample), missing };
  }

  /** Forgets every sample (a new term starts from what it receives itself). */
  reset(): void {
    this.#seen.clear();
    this.#firstReady.clear();
  }

  #noteReady(present: readonly Member[], names: ReadonlySet<string>): void {
    for (const pod of this.#firstReady.keys()) if (!names.has(pod)) this.#firstReady.delete(pod);
    for (const m of present) {
      if (!this.#firstReady.has(m.pod)) this.#firstReady.set(m.pod, m.ready ? null : undefined);
      else if (m.ready && this.#firstReady.get(m.pod) === undefined) this.#firstReady.set(m.pod, this.#d.clock.nowMs());
    }
  }

  /** Time since a Ready member's first Ready; absent when not Ready or when this term cannot tell. */
  #readyFor(member: Member): { readyForMs?: number } {
    const first = member.ready ? this.#firstReady.get(member.pod) : undefined;
    return typeof first === 'number' ? { readyForMs: this.#d.clock.nowMs() - first } : {};
  }

  async #one(member: Member, signal: AbortSignal): Promise<{ sample: MemberSample; problem?: string }> {
    let problem: string | undefined;
    try {
      const body = await this.#receive(member, signal);
      const checked = checkSample(body, member.pod);
      if (typeof checked === 'string') problem = checked;
      else this.#note(member.pod, checked);
    } catch (err) {
      problem = signal.aborted ? 'gathering was aborted' : `GET /load failed: ${(err as Error).message}`;
    }
    const seen = this.#seen.get(member.pod);
    const sample: MemberSample = {
      pod: member.pod,
      ready: member.ready,
      utilization: seen?.sample.utilization ?? null,
      overloaded: seen?.sample.overloaded ?? false,
      sampleAgeMs: seen ? this.#d.clock.nowMs() - seen.firstSeenMs : 0,
      ...this.#readyFor(member),
    };
    if (!seen && problem === undefined) problem = 'no sample yet';
    return problem === undefined ? { sample } : { sample, problem: seen ? `${problem} (kept the previous sample)` : problem };
  }

  async #receive(member: Member, signal: AbortSignal): Promise<unknown> {
    if (member.pod === this.#d.self) return this.#d.localSample() ?? null;
    if (member.ip === '') throw new Error('the pod has no IP yet');
    // The bound runs on the injected clock, so tests step it and production timers keep the process alive.
    return withDeadline(this.#d.clock, this.#d.timeoutMs, 'GET /load', [signal], (bounded) => this.#d.fetcher.fetch(member.ip, bounded));
  }

  #note(pod: string, sample: LoadSample): void {
    const previous = this.#seen.get(pod);
    if (previous && previous.sample.time === sample.time) return;
    this.#seen.set(pod, { sample, firstSeenMs: this.#d.clock.nowMs() });
  }
}

/** The body as a LoadSample of `pod`, or why it is not one. */
export function checkSample(body: unknown, pod: string): LoadSample | string {
  if (body === null || body === undefined) return 'no sample yet';
  if (!Value.Check(LoadSample, body)) return 'malformed LoadSample';
  // An IP reused by another pod must not lend its load to this member.
  if (body.pod !== pod) return `the answer is from pod ${body.pod}`;
  return body;
}
