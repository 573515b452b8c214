import type { V1Service, V1ServiceList } from '@kubernetes/client-node';
import { seg, type KubeApi } from './request.js';
import { toKubeError } from './errors.js';
import {
  CLUSTER_LABEL, MANAGED_ANNOTATIONS, MEMBER_LABEL,
  type MemberService, type MemberServices, type ServicePort, type ServiceSpec,
} from '../exposure/ports.js';

export function memberService(s: V1Service): MemberService {
  const owner = s.metadata?.ownerReferences?.find((o) => o.kind === 'Pod' && o.apiVersion === 'v1');
  const type = s.spec?.type;
  return {
    name: s.metadata?.name ?? '',
    member: s.metadata?.labels?.[MEMBER_LABEL] ?? '',
    type: type === 'NodePort' || type === 'LoadBalancer' ? type : 'ClusterIP',
    ports: (s.spec?.ports ?? []).map((p): ServicePort => ({ name: p.name ?? '', port: p.port, protocol: p.protocol === 'TCP' ? 'TCP' : 'UDP', nodePort: p.nodePort ?? 0 })),
    annotations: { ...(s.metadata?.annotations ?? {}) },
    ingress: (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter((a) => a !== ''),
    ownerUid: owner?.uid ?? '',
    version: s.metadata?.resourceVersion ?? '',
  };
}

/**
 * The body of a member Service: it selects one pod by its member label, goes
 * with that pod (ownerReference, so the garbage collector removes it once the
 * pod is gone), and publishes not-ready addresses, so a draining member keeps
 * receiving its clients' in-dialog requests and re-registrations until it is
 * gone (its readiness fails at once when the drain starts).
 */
function body(spec: ServiceSpec, version?: string): V1Service {
  const annotations: Record<string, string | null> = { ...spec.annotations, [MANAGED_ANNOTATIONS]: Object.keys(spec.annotations).sort().join(',') };
  for (const key of spec.dropAnnotations) if (!(key in spec.annotations)) annotations[key] = null;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: spec.name,
      ...(version === undefined ? {} : { resourceVersion: version }),
      labels: { [CLUSTER_LABEL]: spec.cluster, [MEMBER_LABEL]: spec.member, 'app.kubernetes.io/managed-by': 'vnf-agent' },
      annotations: annotations as Record<string, string>,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: spec.member, uid: spec.ownerUid }],
    },
    spec: {
      type: spec.type,
      selector: { [MEMBER_LABEL]: spec.member },
      publishNotReadyAddresses: true,
      // Traffic from outside keeps its client address (SIP Via/received), and a node sends only to its own pods.
      externalTrafficPolicy: 'Local',
      ports: spec.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, targetPort: p.port })),
    },
  };
}

/** Member Services in one namespace; every write conditional (see MemberServices). */
export class ServiceClient implements MemberServices {
  constructor(
    private readonly api: KubeApi,
    readonly namespace: string,
    private readonly timeoutMs: number,
  ) {}

  #path(name?: string): string {
    const base = `/api/v1/namespaces/${seg(this.namespace)}/services`;
    return name === undefined ? base : `${base}/${seg(name)}`;
  }

  async list(cluster: string, signal?: AbortSignal): Promise<MemberService[]> {
    try {
      const list = await this.api.get<V1ServiceList>(this.#path(), { timeoutMs: this.timeoutMs, signal }, { labelSelector: `${CLUSTER_LABEL}=${cluster},${MEMBER_LABEL}` });
      return list.items.map(memberService);
    } catch (err) {
      throw toKubeError(err, `list member Services of ${this.namespace}/${cluster}`);
    }
  }

  async get(name: string, signal?: AbortSignal): Promise<MemberService | undefined> {
    try {
      return memberService(await this.api.get<V1Service>(this.#path(name), { timeoutMs: this.timeoutMs, signal }));
    } catch (err) {
      const kubeErr = toKubeError(err, `get Service ${this.namespace}/${name}`);
      if (kubeErr.isNotFound) return undefined;
      throw kubeErr;
    }
  }

  async create(spec: ServiceSpec, signal?: AbortSignal): Promise<MemberService> {
    try {
      return memberService(await this.api.create<V1Service>(this.#path(), body(spec), { timeoutMs: this.timeoutMs, signal }));
    } catch (err) {
      throw toKubeError(err, `create Service ${this.namespace}/${spec.name}`);
    }
  }

  /** A merge patch carrying metadata.resourceVersion: applied only at that version. Allocated node ports are kept by the API server. */
  async update(spec: ServiceSpec, version: string, signal?: AbortSignal): Promise<MemberService> {
    if (version === '') throw new Error(`refusing an unconditional write to Service ${this.namespace}/${spec.name}: no resourceVersion`);
    try {
      return memberService(await this.api.mergePatch<V1Service>(this.#path(spec.name), body(spec, version), { timeoutMs: this.timeoutMs, signal }));
    } catch (err) {
      throw toKubeError(err, `update Service ${this.namespace}/${spec.name}`);
    }
  }

  async remove(name: string, version: string, signal?: AbortSignal): Promise<void> {
    if (version === '') throw new Error(`refusing an unconditional delete of Service ${this.namespace}/${name}: no resourceVersion`);
    try {
      await this.api.remove(this.#path(name), { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion: version } }, { timeoutMs: this.timeoutMs, signal });
    } catch (err) {
      throw toKubeError(err, `delete Service ${this.namespace}/${name}`);
    }
  }
}
