import type { Member, MemberState } from '../model/vnfcluster.js';
import type { ClusterView } from './view.js';

/** A member with the cluster it belongs to, as renderers see it. */
export interface Peer {
  readonly cluster: string;
  readonly pod: string;
  readonly ip: string;
  readonly state: MemberState;
  readonly ready: boolean;
}

/**
 * Whether new traffic may be sent to this member: active, ready and with an
 * IP. A leaving member fails this first, so it stops getting new dialogs
 * while it drains the ones it has; a joining one waits until it is ready.
 */
export function isRoutable(member: Member): boolean {
  return member.state === 'active' && member.ready && member.ip !== '';
}

/**
 * The peers an upstream-facing SIP server (Bono -> Sprouts) should route to:
 * only routable members of the given upstream clusters, in view order then
 * pod order.
 */
export function routablePeers(views: readonly ClusterView[]): Peer[] {
  return membersOf(views).filter(isRoutable);
}

/**
 * Every member that has an IP, whatever its state: for formats that express
 * transitions themselves (Clearwater's servers/new_servers, JSON with states).
 */
export function addressablePeers(views: readonly ClusterView[]): Peer[] {
  return membersOf(views).filter((m) => m.ip !== '');
}

function membersOf(views: readonly ClusterView[]): Peer[] {
  return views.flatMap((v) => v.members.map((m) => ({ cluster: v.cluster, pod: m.pod, ip: m.ip, state: m.state, ready: m.ready })));
}
