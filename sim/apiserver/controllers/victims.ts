import { isPodReady, readPath, type KubeObject } from '../objects.js';
import { DELETION_COST_ANNOTATION } from '../../../agent/scaling/pod-marks.js';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: KubeObject): number {
  const value = Number(pod.metadata.annotations?.[DELETION_COST_ANNOTATION] ?? '0');
  return Number.isFinite(value) ? value : 0;
}

/**
 * Orders pods the way the ReplicaSet controller picks scale-in victims
 * (ActivePodsWithRanks): unscheduled, then Pending before Running, then
 * not-ready before ready, then lower pod-deletion-cost, then the newest.
 * `createdAt` gives creation order, finer than creationTimestamp's seconds.
 */
export function rankForDeletion(pods: readonly KubeObject[], createdAt: (pod: KubeObject) => number): KubeObject[] {
  const keys = (pod: KubeObject): number[] => [
    readPath(pod, 'spec.nodeName') ? 1 : 0,
    PHASE_ORDER[String(readPath(pod, 'status.phase'))] ?? 1,
    isPodReady(pod) ? 1 : 0,
    deletionCost(pod),
    -createdAt(pod),
  ];
  return [...pods].sort((a, b) => {
    const ka = keys(a);
    const kb = keys(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return 0;
  });
}
