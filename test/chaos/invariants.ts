import { DELETION_COST_ANNOTATION } from '../../agent/scaling/pod-marks.js';
import { DRAINING_ANNOTATION } from '../../agent/membership/state.js';
import type { AuditEntry } from '../support/controlplane.js';
import type { BeliefSample } from './observe.js';

/** An audited write, reduced to what the invariants need (times in wall-clock ms). */
export interface Write {
  readonly pod: string;
  readonly verb: string;
  readonly what: string;
  readonly received: number;
  readonly completed: number;
  readonly ok: boolean;
  /** The object written (objectRef.name). */
  readonly name: string;
  /** For lease writes: the holder the written record names, and its term (leaseTransitions). */
  readonly holder?: string;
  readonly term?: number;
  /** The request body, where the audit policy records it (level Request): its precondition and annotation keys. */
  readonly body?: { readonly resourceVersion: string; readonly annotations: readonly string[] };
}

export interface HolderChange {
  readonly at: number;
  readonly holder: string;
  readonly by: string;
}

type Audited = AuditEntry & {
  requestObject?: { spec?: { holderIdentity?: string; leaseTransitions?: number }; metadata?: { resourceVersion?: string; annotations?: Record<string, unknown> } };
};

const ms = (iso: string): number => {
  // Audit stamps carry microseconds; Date keeps milliseconds, enough for a 2 s safety gap.
  return new Date(iso).getTime();
};

/** The writes of this namespace's sidecars (ServiceAccounts), oldest completion first. */
export function sidecarWrites(audit: readonly AuditEntry[], namespace: string): Write[] {
  const prefix = `system:serviceaccount:${namespace}:`;
  return (audit as Audited[])
    .filter((e) => e.user.username.startsWith(prefix) && e.objectRef?.namespace === namespace)
    .map((e) => ({
      pod: e.user.username.slice(prefix.length),
      verb: e.verb,
      what: `${e.objectRef?.resource ?? '?'}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`,
      received: ms(e.requestReceivedTimestamp),
      completed: ms(e.stageTimestamp),
      ok: (e.responseStatus?.code ?? 0) < 300,
      name: e.objectRef?.name ?? '',
      ...(e.requestObject
        ? { body: { resourceVersion: e.requestObject.metadata?.resourceVersion ?? '', annotations: Object.keys(e.requestObject.metadata?.annotations ?? {}).sort() } }
        : {}),
      ...(e.objectRef?.resource === 'leases' ? { holder: e.requestObject?.spec?.holderIdentity ?? '', term: e.requestObject?.spec?.leaseTransitions ?? 0 } : {}),
    }))
    .sort((a, b) => a.completed - b.completed);
}

const LEADER_ONLY = new Set(['vnfclusters/status', 'deployments/scale', 'deployments']);
const isWrite = (w: Write): boolean => ['patch', 'update'].includes(w.verb);
const isPodWrite = (w: Write): boolean => w.ok && w.what === 'pods' && isWrite(w);
/** A pod marking itself leaving (its own drain): the one pod write that needs no lease. */
export const isOwnLeavingMark = (w: Write): boolean => isPodWrite(w) && w.name === w.pod && w.body?.annotations.join() === DRAINING_ANNOTATION;
/**
 * Leader-only: status, scale, and the scale-in's pod annotations (the deletion
 * cost, and the leaving mark on a pod other than the writer: its chosen victim).
 */
export const isLeaderOnly = (w: Write): boolean => {
  if (!w.ok || !isWrite(w)) return false;
  if (LEADER_ONLY.has(w.what)) return true;
  if (w.what !== 'pods') return false;
  const keys = w.body?.annotations ?? [];
  return keys.includes(DELETION_COST_ANNOTATION) || (keys.includes(DRAINING_ANNOTATION) && w.name !== w.pod);
};
export const isLeaseWrite = (w: Write): boolean => w.ok && w.what === 'leases' && ['create', 'update', 'patch'].includes(w.verb);

/** A sidecar process the harness killed, and when its exit was seen (wall-clock ms). */
export interface Death {
  readonly pod: string;
  readonly at: number;
}

/**
 * Lease holder history from the successful lease writes, and the violations
 * found on the way: a lease write must name its writer (or release it), a
 * release must come from the holder, and a takeover from a live holder must
 * come a full lease duration after that holder's last write reached the server.
 * A takeover sooner is proper only on proof of death: the holder's process
 * exited (one of `deaths`) after its term began and before the takeover
 * reached the server; those are counted as `proven`.
 */
export function leaseHistory(writes: readonly Write[], leaseDurationMs: number, deaths: readonly Death[] = []): { changes: HolderChange[]; violations: string[]; proven: number } {
  const changes: HolderChange[] = [];
  const violations: string[] = [];
  const lastWriteBy = new Map<string, number>();
  let holder = '';
  let heldSince = 0;
  let proven = 0;
  for (const w of writes.filter(isLeaseWrite)) {
    const at = new Date(w.completed).toISOString();
    if (w.holder !== w.pod && w.holder !== '') violations.push(`${at} ${w.pod} wrote the lease naming ${w.holder}`);
    if (w.holder === '' && holder !== w.pod) violations.push(`${at} ${w.pod} released a lease held by ${holder || 'nobody'}`);
    if (w.holder === w.pod && holder !== '' && holder !== w.pod) {
      const sinceMs = w.completed - (lastWriteBy.get(holder) ?? 0);
      const died = deaths.some((d) => d.pod === holder && d.at >= heldSince && d.at <= w.received);
      // 50 ms: audit stamps of two processes' requests, and Date's millisecond rounding.
      if (sinceMs < leaseDurationMs - 50) {
        if (died) proven++;
        else violations.push(`${at} ${w.pod} took the lease from ${holder} only ${sinceMs} ms after ${holder}'s last lease write, with no proof that ${holder}'s process died`);
      }
    }
    if ((w.holder ?? '') !== holder) {
      changes.push({ at: w.completed, holder: w.holder ?? '', by: w.pod });
      heldSince = w.received;
    }
    holder = w.holder ?? '';
    lastWriteBy.set(w.pod, w.received);
  }
  return { changes, violations, proven };
}

/** Who held the lease at `at` according to the history. */
export function holderAt(changes: readonly HolderChange[], at: number): string {
  let holder = '';
  for (const c of changes) {
    if (c.at > at) break;
    holder = c.holder;
  }
  return holder;
}

/**
 * Every leader-only write must come from the lease holder both when the
 * server received it and when it completed: a takeover in between would mean
 * two sidecars acting as leader at once. The writer's own belief at that
 * moment (from its /status) goes into the message.
 */
export function staleLeaderWrites(writes: readonly Write[], changes: readonly HolderChange[], beliefOf: (pod: string, at: number) => BeliefSample | undefined): string[] {
  const violations: string[] = [];
  for (const w of writes.filter(isLeaderOnly)) {
    const atReceive = holderAt(changes, w.received);
    const atComplete = holderAt(changes, w.completed);
    if (atReceive === w.pod && atComplete === w.pod) continue;
    const b = beliefOf(w.pod, w.received);
    const belief = b ? `it believed isLeader=${b.isLeader}, lastRenewAgeMs=${b.lastRenewAgeMs} at ${new Date(b.at).toISOString()}` : 'no belief sampled';
    violations.push(`${new Date(w.received).toISOString()} ${w.pod} ${w.verb} ${target(w)} while the lease was held by ${atReceive || 'nobody'} (at completion: ${atComplete || 'nobody'}); ${belief}`);
  }
  return violations;
}

/** The resource written, and for pods which one (a pod's own mark and a leader's differ only there). */
const target = (w: Write): string => (w.what === 'pods' ? `pods ${w.name}` : w.what);

/**
 * Every leader write and every pod write must be conditional on the
 * resourceVersion the writer just read. Refused writes count too: sending one
 * unconditionally is the fault, whatever the server answered. A write whose
 * body the audit policy did not record cannot be judged, and says so.
 */
export function unconditionalWrites(writes: readonly Write[]): string[] {
  const judged = writes.filter((w) => isWrite(w) && (LEADER_ONLY.has(w.what) || w.what === 'pods'));
  const violations: string[] = [];
  for (const w of judged) {
    const at = `${new Date(w.received).toISOString()} ${w.pod} ${w.verb} ${target(w)}`;
    if (!w.body) violations.push(`${at}: its request body was not audited, so its precondition cannot be judged`);
    else if (w.body.resourceVersion === '') violations.push(`${at} without a resourceVersion`);
  }
  return violations;
}

/** A sidecar's successful pod write is either a leader-only one (judged by staleLeaderWrites) or its own leaving mark. */
export function strayPodWrites(writes: readonly Write[]): string[] {
  return writes
    .filter((w) => isPodWrite(w) && !isLeaderOnly(w) && !isOwnLeavingMark(w))
    .map((w) => `${new Date(w.received).toISOString()} ${w.pod} ${w.verb} ${target(w)} (${w.body?.annotations.join(', ') ?? 'body not audited'}): neither a leader write nor its own leaving mark`);
}

/**
 * From the /status timeline: never two sidecars that both believe they lead
 * with a renewal younger than the renew deadline over overlapping intervals.
 */
export function overlappingBeliefs(timeline: readonly BeliefSample[], renewDeadlineMs: number): string[] {
  const fresh = timeline.filter((s) => s.isLeader && s.lastRenewAgeMs !== null && s.lastRenewAgeMs < renewDeadlineMs).sort((a, b) => a.sentAt - b.sentAt);
  const violations: string[] = [];
  for (let i = 0; i < fresh.length; i++) {
    const a = fresh[i];
    if (!a) continue;
    for (let j = i + 1; j < fresh.length; j++) {
      const b = fresh[j];
      if (!b || b.sentAt > a.at) break;
      if (b.pod !== a.pod) violations.push(`${new Date(a.sentAt).toISOString()} ${a.pod} and ${b.pod} both believed they led`);
    }
  }
  return violations;
}

export function replicasOutside(samples: readonly { at: number; replicas: number | undefined }[], min: number, max: number): string[] {
  return samples
    .filter((s) => s.replicas === undefined || s.replicas < min || s.replicas > max)
    .map((s) => `${new Date(s.at).toISOString()} Deployment replicas ${s.replicas} outside [${min}, ${max}]`);
}
