import type { PodProcessFacts } from '../election/proof.js';
import type { MemberState } from '../model/vnfcluster.js';

/**
 * What the pod watch knows about one pod, reduced to the facts membership
 * needs. The kube/ adapter builds these from Pod objects; nothing here knows
 * Kubernetes types.
 */
export interface PodFacts {
  readonly name: string;
  /** status.podIP; empty until the pod is scheduled and has a sandbox. */
  readonly ip: string;
  /** The Ready condition is True. */
  readonly ready: boolean;
  /** metadata.deletionTimestamp is set: the pod is terminating. */
  readonly deleting: boolean;
  /** The pod carries `vnf-agent.dev/draining: "true"` (set when graceful scale-in chose it). */
  readonly drainingAnnotation: boolean;
  /** metadata.creationTimestamp; tells a recreated pod (same name, e.g. StatefulSet) from the old one. */
  readonly createdAt: string;
  /** status.hostIP: the node address a NodePort member Service is reached at (spec.exposure). */
  readonly hostIp?: string;
  /** The pod's vnf-agent.dev/member label: its sidecar set it so its own Service can select it. */
  readonly memberLabel?: string;
  /** The address its sidecar applied to its SIP server (annotation vnf-agent.dev/public-address). */
  readonly publicAddress?: string;
  /** uid and container statuses as the kubelet reported them: what the election's proof of death reads (election/proof.ts). */
  readonly process?: PodProcessFacts;
}

export const DRAINING_ANNOTATION = 'vnf-agent.dev/draining';

/**
 * The member state machine: joining -> active -> leaving -> gone (removed from
 * the view). It only moves forward:
 * - leaving never returns to active or joining, because peers have already
 *   been told to stop sending new traffic and the pod is draining its dialogs;
 * - active never returns to joining: a pod that fails readiness stays active
 *   with `ready: false` (peers skip it until it is ready again, as Endpoints
 *   would), so a flapping probe does not look like a new member.
 * `previous` is undefined for a pod this view has not seen (or a new
 * incarnation of a name it has seen).
 */
export function nextState(previous: MemberState | undefined, pod: PodFacts): MemberState {
  if (pod.deleting || pod.drainingAnnotation) return 'leaving';
  if (previous === 'leaving' || previous === 'active') return previous;
  return pod.ready && pod.ip !== '' ? 'active' : 'joining';
}
