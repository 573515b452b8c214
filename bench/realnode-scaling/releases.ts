/**
 * The two releases of the chart the real-node scaling bench runs side by side:
 * the same pods, the same resources, the same min/max and the same signal
 * settings; one scaled by vnf-agent's VnfCluster policy, the other with that
 * policy paused (spec.paused: the leader never writes replicas) and its Sprout
 * Deployment scaled by a HorizontalPodAutoscaler on the SIP container's CPU.
 */

export type Scaler = 'vnf-agent' | 'hpa';
export const SCALERS: readonly Scaler[] = ['vnf-agent', 'hpa'];

export interface PodSizing {
  /** The SIP container's CPU request and limit, in millicores (equal: the pod's capacity is the limit). */
  readonly sipCpuMilli: number;
  /** Calls/s one Sprout carries at its limit (measured by the calibration). */
  readonly podCps: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** vnf-agent's targetUtilization and the HPA's averageUtilization / 100. */
  readonly targetUtilization: number;
}

/** The chart's name prefix of a release (fullnameOverride), so resources are `<prefix>-sprout`. */
export const prefixOf = (scaler: Scaler): string => (scaler === 'hpa' ? 'hpa' : 'vnf');

/**
 * Each call is an INVITE, an ACK and a BYE: three requests at the Sprout.
 * The sidecar's kamailio signal counts received requests per second
 * (core:rcv_requests, with its own OPTIONS probes), so one pod's capacity is
 * 3 x podCps requests/s: the target that means utilization 1.0.
 */
export const REQUESTS_PER_CALL = 3;

/** Helm values (JSON is YAML) for one release; everything but the scaler is the same in both. */
export function releaseValues(scaler: Scaler, s: PodSizing): Record<string, unknown> {
  const cpu = `${s.sipCpuMilli}m`;
  return {
    fullnameOverride: prefixOf(scaler),
    sprout: {
      resources: { requests: { cpu }, limits: { cpu } },
      agentEnv: {
        VNF_AGENT_SIGNAL_TARGETS: `kamailio.requestsPerS=${REQUESTS_PER_CALL * s.podCps},socket.udpRxQueueBytes=100000,socket.tcpListenBacklog=64`,
      },
      vnfCluster: { minReplicas: s.minReplicas, maxReplicas: s.maxReplicas, targetUtilization: s.targetUtilization, paused: scaler === 'hpa' },
    },
    // One Bono, never scaled: it is the way in for both, not what is compared.
    bono: { vnfCluster: { minReplicas: 1, maxReplicas: 1 } },
  };
}

/** The real HPA (autoscaling/v2) on the SIP container's CPU, with the same min/max and target. */
export function hpaManifest(namespace: string, s: PodSizing): Record<string, unknown> {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'sprout', namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `${prefixOf('hpa')}-sprout` },
      minReplicas: s.minReplicas,
      maxReplicas: s.maxReplicas,
      metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'sip', target: { type: 'Utilization', averageUtilization: Math.round(s.targetUtilization * 100) } } }],
    },
  };
}
