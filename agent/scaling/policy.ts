import type { VnfClusterSpec } from '../model/vnfcluster.js';
import type { DecisionPolicy } from './types.js';

/**
 * The decision's view of a VnfCluster spec (as read from the API server, so
 * the CRD defaults are already applied) plus the agent's staleness bound
 * (config `sampleStaleMs`).
 */
export function policyFromSpec(spec: VnfClusterSpec, sampleStaleMs: number): DecisionPolicy {
  return {
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    targetUtilization: spec.targetUtilization,
    tolerance: spec.tolerance,
    behavior: spec.behavior,
    overload: spec.overload,
    paused: spec.paused,
    manualReplicas: spec.manualReplicas,
    maintenanceWindows: spec.maintenanceWindows,
    sampleStaleMs,
  };
}
