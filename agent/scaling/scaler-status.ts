import type { Clock } from '../clock/clock.js';
import { deadline } from '../clock/deadline.js';
import type { Fence } from '../election/leadership.js';
import type { VnfCluster, VnfClusterStatus } from '../model/vnfcluster.js';
import type { Decision } from './types.js';
import { fencedTimeoutMs, type EventSink, type EventTarget } from './scaler-ports.js';

/** PredictiveScaleUp: a scale-up the forecast's floor asked for (the load alone did not). */
export type ScaleEventReason = 'ScaledUp' | 'ScaledDown' | 'PredictiveScaleUp';

/** The part of VnfCluster status the scaler owns. */
export type ScalingStatus = Required<Pick<VnfClusterStatus, 'replicas' | 'desiredReplicas' | 'load' | 'lastDecision'>>;

export function scalingStatus(replicas: number, decision: Decision, wallTime: Date): ScalingStatus {
  const avg = decision.inputs.averageUtilization;
  return {
    replicas,
    desiredReplicas: decision.replicas,
    load: avg === null ? 'unknown' : avg.toFixed(2),
    lastDecision: { replicas: decision.replicas, reason: decision.reason, time: wallTime.toISOString() },
  };
}

/**
 * Whether status must be written now. Counts change it at once; the reason
 * and the load text (which move with every sample) at most every `refreshMs`,
 * because each status write is a watch event that wakes every sidecar.
 * lastDecision.time alone never counts.
 */
export function statusChange(current: VnfClusterStatus | undefined, next: ScalingStatus, sinceLastWriteMs: number, refreshMs: number): 'counts' | 'text' | undefined {
  if (current?.replicas !== next.replicas || current.desiredReplicas !== next.desiredReplicas || current.lastDecision?.replicas !== next.lastDecision.replicas) {
    return 'counts';
  }
  if (current.load === next.load && current.lastDecision.reason === next.lastDecision.reason) return undefined;
  return sinceLastWriteMs >= refreshMs ? 'text' : undefined;
}

/**
 * Records ScaledUp/ScaledDown on the VnfCluster and on the Deployment, so
 * `kubectl describe` of either shows it. Best effort and concurrent: an Event
 * that fails is reported in the returned list, never retried.
 */
export async function recordScaleEvents(
  events: EventSink,
  vc: VnfCluster,
  reason: ScaleEventReason,
  note: string,
  fence: Fence,
  apiTimeoutMs: number,
  outer: AbortSignal,
  clock: Clock,
): Promise<string[]> {
  const targets: EventTarget[] = [
    { apiVersion: vc.apiVersion, kind: vc.kind, name: vc.metadata.name, uid: vc.metadata.uid },
    { apiVersion: 'apps/v1', kind: 'Deployment', name: vc.spec.targetRef.name },
  ];
  const bound = deadline(clock, fencedTimeoutMs(fence, apiTimeoutMs), `record ${reason} Events`, outer, fence.signal);
  const results = await Promise.allSettled(targets.map((regarding) => events.record({ regarding, type: 'Normal', reason, note, action: 'Scale' }, bound.signal)));
  bound.cancel();
  return results.flatMap((r, i) => (r.status === 'rejected' ? [`${targets[i]!.kind} ${targets[i]!.name}: ${(r.reason as Error).message}`] : []));
}
