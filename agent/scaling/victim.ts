/**
 * Which pod leaves on scale-in. The ReplicaSet would pick by its own ranking
 * (not-ready, deletion cost, ...); we pick first, then give the victim the
 * lowest pod-deletion-cost so the ReplicaSet agrees. Pure.
 */
export interface VictimCandidate {
  readonly pod: string;
  readonly ready: boolean;
  /** Current load (fresh sample); null when unknown. */
  readonly utilization: number | null;
  /** Pod creation time (wall ms from metadata.creationTimestamp). */
  readonly createdAtMs: number;
  readonly isLeader: boolean;
  /** Members already leaving are draining: never pick them twice. */
  readonly state?: 'joining' | 'active' | 'leaving';
}

export interface VictimChoice {
  /** The pod to drain next; null when nobody can go. */
  readonly victim: string | null;
  /**
   * True when the victim is the leader. It never drains itself: it marks itself
   * leaving, hands the Lease over (releases it and stays out of the election
   * for a lease duration, LeaderElector.handOver), and the standby that takes
   * the Lease finds the mark, drains it and shrinks (scale-in.ts). With no
   * standby left to take over (every other member is leaving), it waits.
   */
  readonly leaderMustHandOver: boolean;
  readonly reason: string;
}

/**
 * Order, first difference wins:
 *   1. not ready first   - it carries no calls, so removing it costs nothing;
 *   2. least load        - fewest dialogs to drain; an unknown load sorts last,
 *                          since a pod we cannot measure may be busy;
 *   3. newest first      - mirrors the ReplicaSet, and older pods have proved stable;
 *   4. pod name          - so every run picks the same pod.
 * The leader is passed over while anyone else can go: removing it costs a
 * leader election in the middle of a scale-in. Except when the leader is not
 * ready and every other candidate is: draining a pod that carries calls to
 * keep one that carries none is the worse trade, so the leader goes and hands
 * the Lease over first.
 */
export function chooseVictim(members: readonly VictimCandidate[]): VictimChoice {
  const candidates = members.filter((m) => m.state !== 'leaving');
  if (candidates.length === 0) return { victim: null, leaderMustHandOver: false, reason: 'no member can leave: every member is already leaving or none is known' };
  const others = candidates.filter((m) => !m.isLeader);
  const leader = candidates.find((m) => m.isLeader);
  if (others.length === 0) {
    const only = leader ?? candidates[0]!;
    return { victim: only.pod, leaderMustHandOver: true, reason: `the leader ${only.pod} is the only candidate, so it hands over leadership before it drains` };
  }
  if (leader && !leader.ready && others.every((m) => m.ready)) {
    return { victim: leader.pod, leaderMustHandOver: true, reason: `the leader ${leader.pod} is the only member not ready (it carries no calls), so it hands over leadership before it drains` };
  }
  const victim = [...others].sort(byVictimOrder)[0]!;
  return { victim: victim.pod, leaderMustHandOver: false, reason: `chose ${victim.pod}: ${why(victim, others)}` };
}

const loadKey = (m: VictimCandidate): number => m.utilization ?? Number.POSITIVE_INFINITY;

function byVictimOrder(a: VictimCandidate, b: VictimCandidate): number {
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  if (loadKey(a) !== loadKey(b)) return loadKey(a) - loadKey(b);
  if (a.createdAtMs !== b.createdAtMs) return b.createdAtMs - a.createdAtMs;
  return a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0;
}

function why(victim: VictimCandidate, others: readonly VictimCandidate[]): string {
  if (!victim.ready) return 'it is not ready';
  const load = victim.utilization === null ? 'unknown' : victim.utilization.toFixed(2);
  const sameLoad = others.filter((m) => m.ready && loadKey(m) === loadKey(victim)).length > 1;
  return sameLoad ? `it is the newest of the least-loaded ready members (load ${load})` : `it has the least load (${load})`;
}
