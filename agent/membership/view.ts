import type { Member } from '../model/vnfcluster.js';
import { nextState, type PodFacts } from './state.js';

/**
 * One immutable snapshot of a cluster's membership. `generation` moves only
 * when the membership changed (see `sameMembership`), so the leader writes
 * VnfCluster status only on change and peers can tell views apart cheaply.
 */
export interface ClusterView {
  readonly cluster: string;
  readonly generation: number;
  /** Sorted by pod name, so renderings and comparisons are stable. */
  readonly members: readonly Readonly<Member>[];
  /** createdAt per pod name, to notice a pod recreated under the same name. */
  readonly incarnations: ReadonlyMap<string, string>;
}

/** The view before any pod was seen; its generation is 0. */
export function emptyView(cluster: string, generation = 0): ClusterView {
  return Object.freeze({ cluster, generation, members: Object.freeze([]), incarnations: new Map<string, string>() });
}

/**
 * Builds the next view from the pods the watch currently lists and the
 * previous view. Pure: same input, same output. A pod missing from `pods` is
 * gone. To continue the generation a previous leader wrote to status, pass
 * `emptyView(cluster, status.membershipGeneration)` with the status members.
 */
export function buildView(cluster: string, pods: readonly PodFacts[], previous: ClusterView = emptyView(cluster)): ClusterView {
  const before = new Map(previous.members.map((m) => [m.pod, m]));
  const latest = new Map(pods.map((p) => [p.name, p])); // a name listed twice: the last one wins
  const incarnations = new Map<string, string>();
  const members: Readonly<Member>[] = [];
  for (const pod of [...latest.values()].sort((a, b) => compareNames(a.name, b.name))) {
    const sameIncarnation = previous.incarnations.get(pod.name) ?? pod.createdAt;
    const prior = sameIncarnation === pod.createdAt ? before.get(pod.name) : undefined;
    const address = pod.publicAddress ? { publicAddress: pod.publicAddress } : {};
    members.push(Object.freeze({ pod: pod.name, ip: pod.ip, state: nextState(prior?.state, pod), ready: pod.ready, ...address }));
    incarnations.set(pod.name, pod.createdAt);
  }
  const frozen = Object.freeze(members);
  const generation = sameMembership(previous.members, frozen) ? previous.generation : previous.generation + 1;
  return Object.freeze({ cluster, generation, members: frozen, incarnations });
}

/**
 * True when both lists hold the same pods with the same IPs, states,
 * readiness and public addresses. Readiness counts because peers route only to ready members and
 * status shows it; load does not, because it changes every sample.
 */
export function sameMembership(a: readonly Member[], b: readonly Member[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((m, i) => {
    const o = b[i];
    return o !== undefined && m.pod === o.pod && m.ip === o.ip && m.state === o.state && m.ready === o.ready && m.publicAddress === o.publicAddress;
  });
}

/** What changed between two views, as short phrases for the pass sentence ("sprout-2 joining"). */
export function describeChanges(previous: ClusterView, next: ClusterView): string[] {
  const before = new Map(previous.members.map((m) => [m.pod, m]));
  const after = new Set(next.members.map((m) => m.pod));
  const phrases: string[] = [];
  for (const m of next.members) {
    const old = before.get(m.pod);
    if (!old || old.state !== m.state) phrases.push(`${m.pod} ${m.state}`);
    else if (old.ip !== m.ip) phrases.push(`${m.pod} moved to ${m.ip || 'no IP'}`);
    else if (old.ready !== m.ready) phrases.push(`${m.pod} ${m.ready ? 'ready' : 'not ready'}`);
    else if (old.publicAddress !== m.publicAddress) phrases.push(`${m.pod} reachable at ${m.publicAddress ?? 'no public address'}`);
  }
  for (const m of previous.members) if (!after.has(m.pod)) phrases.push(`${m.pod} gone`);
  return phrases;
}

// Plain code-unit order, not localeCompare: identical on every node and locale.
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
