import { systemClock } from '../../agent/clock/clock.js';
import type { VnfCluster } from '../../agent/model/vnfcluster.js';
import { ScaleDesk, type ScalerView } from '../../agent/scaling/scaler-control.js';
import { ScaleRelay, type ScaleForwarder } from '../../agent/http/scale-relay.js';
import type { LastDecision } from '../../agent/scaling/scaler.js';
import type { ManualRequest } from '../../agent/scaling/types.js';

/**
 * The real ScaleDesk (agent/scaling/scaler-control.ts) behind the real ScaleRelay (agent/http/scale-relay.ts) for the HTTP fuzz,
 * wired as agent/run-cluster.ts wires it, with only the scaler and the
 * policy held in memory: the leader answers from the desk's own state() and
 * applies commands through it, a follower forwards through the forwarder it
 * is given. What the scaler then does with a manual request is not the HTTP
 * layer's business.
 */

/** The leader's scaler as the desk sees it; keeps the manual request the desk sets. */
export class MemoryScaler implements ScalerView {
  manual: ManualRequest | undefined;
  lastPass = 'no change at 2: average utilization 0.40 is below target 0.80 (ratio 0.50), held by the scale-down stabilization window';
  /** A whole decision, so GET /scale serializes every nested field of its schema. */
  readonly last: LastDecision = {
    time: new Date(0).toISOString(),
    replicas: 2,
    decision: {
      replicas: 2, nextStep: 2, direction: 'none', reason: 'within tolerance of the target',
      inputs: {
        currentReplicas: 2, averageUtilization: 0.4, targetUtilization: 0.8, usageRatio: 0.5, recommendation: 1,
        freshSamples: 1, missingSamples: 1, unreadyMembers: 0, overloadedMembers: ['sprout-1'], floor: 2,
      },
    },
    gathered: {
      samples: [{ pod: 'sprout-1', ready: true, utilization: 0.4, overloaded: true, sampleAgeMs: 120 }],
      missing: [{ pod: 'sprout-0', reason: 'GET /load answered 503: no sample yet' }],
    },
  };

  setManual(manual: ManualRequest | undefined): void {
    this.manual = manual;
  }
}

const policy = {
  apiVersion: 'vnf-agent.dev/v1alpha1', kind: 'VnfCluster', metadata: { name: 'sprout' },
  spec: { paused: false, manualReplicas: 3 }, status: { replicas: 2 },
} as unknown as VnfCluster;

export interface DeskOptions {
  /** This pod. */
  readonly pod: string;
  /** Who leads, as this pod's elector would say. */
  readonly leader: string;
  /** Where the leader's sidecar listens: every pod has its own IP and the same port in a cluster, here a loopback port. */
  readonly leaderAddress?: { readonly ip: string; readonly port: number };
  /** A follower's relay to the leader (the sidecar's is httpScaleForwarder); a leader's bites if it is ever used. */
  readonly forwarder?: ScaleForwarder;
  readonly timeoutMs?: number;
}

const neverForward: ScaleForwarder = {
  forward: (url) => Promise.reject(new Error(`a leader must never forward (to ${url})`)),
};

export function scaleDesk(o: DeskOptions): ScaleRelay {
  const leadership = () => ({ isLeader: o.pod === o.leader, leader: o.leader });
  return new ScaleRelay({
    pod: o.pod,
    httpPort: o.leaderAddress?.port ?? 8686,
    leadership,
    ipOf: (pod) => (pod === o.leader ? o.leaderAddress?.ip : undefined),
    desk: new ScaleDesk({
      pod: o.pod, leadership, policy: () => policy, scaler: new MemoryScaler(),
      scaleIn: { state: () => ({ victim: 'sprout-0', phase: 'draining', elapsedMs: 1_500, drainRequested: true }) },
    }),
    forwarder: o.forwarder ?? neverForward,
    timeoutMs: o.timeoutMs ?? 5_000,
    clock: systemClock,
  });
}
