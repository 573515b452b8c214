import type { Clock } from '../clock/clock.js';
import type { Fence } from '../election/leadership.js';
import { fenced } from '../scaling/scaler-ports.js';
import type { ClusterView } from '../membership/view.js';
import { sameMembership } from '../membership/view.js';
import type { VnfCluster, VnfClusterStatus } from '../model/vnfcluster.js';

export interface StatusWriter {
  patchStatus(name: string, status: Partial<VnfClusterStatus>, version: string, signal?: AbortSignal): Promise<VnfCluster>;
}

/** The part of status the membership owns, as the leader would write it now. */
export function membershipStatus(vc: VnfCluster, leader: string, view: ClusterView): Partial<VnfClusterStatus> {
  return {
    leader,
    members: view.members.map((m) => ({ ...m })),
    membershipGeneration: view.generation,
    observedGeneration: vc.metadata.generation ?? 0,
  };
}

export function statusDiffers(current: VnfClusterStatus | undefined, next: Partial<VnfClusterStatus>): boolean {
  if (!current) return true;
  if (current.leader !== next.leader || current.observedGeneration !== next.observedGeneration) return true;
  if (current.membershipGeneration !== next.membershipGeneration) return true;
  return !sameMembership(current.members ?? [], next.members ?? []);
}

/**
 * Writes the membership part of status, only when it changed, fenced: the
 * write happens only while this agent's lease is fresh, aborts when the term
 * ends, and carries the resourceVersion just read so a stale view loses (409).
 */
export async function publishMembership(
  writer: StatusWriter,
  vc: VnfCluster,
  view: ClusterView,
  fence: () => Fence,
  apiTimeoutMs: number,
  clock: Clock,
  outer?: AbortSignal,
): Promise<string | undefined> {
  const f = fence();
  const next = membershipStatus(vc, f.identity, view);
  if (!statusDiffers(vc.status, next)) return undefined;
  await fenced(clock, f, apiTimeoutMs, outer, 'publish membership', (signal) => writer.patchStatus(vc.metadata.name, next, vc.metadata.resourceVersion ?? '', signal));
  return `published membership generation ${view.generation} (${view.members.length} members)`;
}
