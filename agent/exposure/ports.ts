/**
 * The per-member Service as the exposure parts see it: the few fields they
 * read and write, no Kubernetes client types. kube/services.ts maps these to
 * and from v1 Service objects.
 */
export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly protocol: 'UDP' | 'TCP';
  /** Allocated by the API server for NodePort and LoadBalancer Services; 0 until then. */
  readonly nodePort: number;
}

export interface MemberService {
  readonly name: string;
  /** The pod it selects (label vnf-agent.dev/member). */
  readonly member: string;
  readonly type: 'NodePort' | 'LoadBalancer' | 'ClusterIP';
  readonly ports: readonly ServicePort[];
  readonly annotations: Readonly<Record<string, string>>;
  /** status.loadBalancer.ingress, as ip or hostname, in the order the API server lists them. */
  readonly ingress: readonly string[];
  /** The uid of the pod its ownerReference names; '' without one. */
  readonly ownerUid: string;
  readonly version: string;
}

/** What the leader asks for: a Service selecting one member, owned by its pod. */
export interface ServiceSpec {
  readonly name: string;
  readonly cluster: string;
  readonly member: string;
  readonly ownerUid: string;
  readonly type: 'NodePort' | 'LoadBalancer';
  readonly ports: readonly Omit<ServicePort, 'nodePort'>[];
  readonly annotations: Readonly<Record<string, string>>;
  /** Annotation keys a previous spec set that this one drops: removed by the update. */
  readonly dropAnnotations: readonly string[];
}

/**
 * The port to the member Services (kube/ ServiceClient in production). Every
 * write is conditional: create fails with 409 when the name exists, update
 * and delete when the Service is no longer at `version`.
 */
export interface MemberServices {
  /** A quorum list of the cluster's member Services. */
  list(cluster: string, signal?: AbortSignal): Promise<MemberService[]>;
  /** One Service by name; undefined when it does not exist. */
  get(name: string, signal?: AbortSignal): Promise<MemberService | undefined>;
  create(spec: ServiceSpec, signal?: AbortSignal): Promise<MemberService>;
  update(spec: ServiceSpec, version: string, signal?: AbortSignal): Promise<MemberService>;
  remove(name: string, version: string, signal?: AbortSignal): Promise<void>;
}

export const MEMBER_LABEL = 'vnf-agent.dev/member';
export const CLUSTER_LABEL = 'vnf-agent.dev/cluster';
/** The annotation keys of spec.exposure.annotations last written, so keys dropped from the spec are removed. */
export const MANAGED_ANNOTATIONS = 'vnf-agent.dev/exposure-annotations';
/** The address this pod's sidecar applied to its SIP server; the leader copies it into status.members[].publicAddress. */
export const PUBLIC_ADDRESS_ANNOTATION = 'vnf-agent.dev/public-address';
