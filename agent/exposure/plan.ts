import { createHash } from 'node:crypto';
import type { Exposure, ExposurePort, VnfClusterSpec } from '../model/vnfcluster.js';
import { MANAGED_ANNOTATIONS, type MemberService, type ServiceSpec } from './ports.js';

/** spec.exposure with the API server's defaults, for a spec that carries none (None: no member Services). */
export function exposureOf(spec: Pick<VnfClusterSpec, 'exposure'>): Exposure {
  return { type: spec.exposure?.type ?? 'None', annotations: spec.exposure?.annotations ?? {}, ports: spec.exposure?.ports ?? [] };
}

/** The ports of each member Service: as the spec lists them, or the sidecars' SIP port over UDP and TCP. */
export function exposedPorts(exposure: Exposure, sipPort: number): ExposurePort[] {
  if (exposure.ports.length > 0) return exposure.ports.map((p) => ({ ...p }));
  return [
    { name: 'sip-udp', port: sipPort, protocol: 'UDP' },
    { name: 'sip-tcp', port: sipPort, protocol: 'TCP' },
  ];
}

const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The fixed name of a member's Service: the pod's name, which is unique in the
 * namespace and so never collides with another member's, when it is a valid
 * Service name (Deployment pod names are); otherwise a prefix of it and a
 * hash. Fixed, so two leaders that both create it cannot both succeed (409).
 */
export function serviceName(pod: string): string {
  if (DNS_1035.test(pod)) return pod;
  const hash = createHash('sha256').update(pod).digest('hex').slice(0, 10);
  const stem = pod.toLowerCase().replace(/[^-a-z0-9]/g, '-').replace(/^[^a-z]+/, '').slice(0, 50).replace(/-+$/, '');
  return `${stem || 'member'}-${hash}`;
}

/** A member as the leader sees it: its pod's name and uid (the Service's owner), and whether the pod is still there. */
export interface MemberPod {
  readonly name: string;
  readonly uid: string;
}

export type ServiceAction =
  | { readonly kind: 'create'; readonly spec: ServiceSpec }
  | { readonly kind: 'update'; readonly spec: ServiceSpec; readonly version: string; readonly why: string }
  | { readonly kind: 'delete'; readonly name: string; readonly member: string; readonly version: string; readonly why: string };

/**
 * What the leader must change so that each member pod has exactly its own
 * Service of the spec's type. Pure. A Service is deleted only when its pod is
 * gone (a leaving pod keeps it until its drain is over and the pod deleted,
 * so its clients can still reach it to re-register elsewhere), when its pod
 * was replaced by a new one of the same name (the owner uid differs; the new
 * one gets a new Service next pass), or when exposure is None.
 */
export function planServices(cluster: string, exposure: Exposure, sipPort: number, pods: readonly MemberPod[], existing: readonly MemberService[]): ServiceAction[] {
  const actions: ServiceAction[] = [];
  const byMember = new Map(existing.map((s) => [s.member, s]));
  const podNames = new Map(pods.map((p) => [p.name, p]));
  for (const s of existing) {
    const pod = podNames.get(s.member);
    if (exposure.type === 'None') actions.push({ kind: 'delete', name: s.name, member: s.member, version: s.version, why: 'exposure is None' });
    else if (!pod) actions.push({ kind: 'delete', name: s.name, member: s.member, version: s.version, why: `${s.member} is gone` });
    else if (pod.uid !== '' && s.ownerUid !== pod.uid) actions.push({ kind: 'delete', name: s.name, member: s.member, version: s.version, why: `${s.member} is a new pod of the same name` });
  }
  if (exposure.type === 'None') return actions;
  const ports = exposedPorts(exposure, sipPort);
  for (const pod of pods) {
    if (pod.uid === '') continue; // no owner to name yet; the watch brings the uid with the pod
    const current = byMember.get(pod.name);
    const spec: ServiceSpec = {
      name: serviceName(pod.name), cluster, member: pod.name, ownerUid: pod.uid, type: exposure.type, ports, annotations: exposure.annotations,
      dropAnnotations: current ? managedKeys(current).filter((k) => !(k in exposure.annotations)) : [],
    };
    if (!current) actions.push({ kind: 'create', spec });
    else if (current.ownerUid !== pod.uid) continue; // deleted above; created again next pass
    else {
      const why = difference(current, spec);
      if (why) actions.push({ kind: 'update', spec, version: current.version, why });
    }
  }
  return actions;
}

function managedKeys(s: MemberService): string[] {
  const listed = s.annotations[MANAGED_ANNOTATIONS];
  return listed ? listed.split(',').filter((k) => k !== '') : [];
}

/** Why the Service differs from the spec (node ports are the API server's to allocate), or '' when it does not. */
function difference(current: MemberService, spec: ServiceSpec): string {
  if (current.type !== spec.type) return `type ${current.type} -> ${spec.type}`;
  const ports = (ps: readonly { name: string; port: number; protocol: string }[]): string => ps.map((p) => `${p.name}/${p.port}/${p.protocol}`).join(',');
  if (ports(current.ports) !== ports(spec.ports)) return `ports ${ports(current.ports)} -> ${ports(spec.ports)}`;
  const changed = Object.entries(spec.annotations).filter(([k, v]) => current.annotations[k] !== v).map(([k]) => k);
  if (changed.length > 0 || spec.dropAnnotations.length > 0) return `annotations ${[...changed, ...spec.dropAnnotations].sort().join(',')}`;
  if (current.annotations[MANAGED_ANNOTATIONS] !== Object.keys(spec.annotations).sort().join(',')) return 'annotations listed';
  return '';
}
