import type { LeaderRecord } from './lock.js';
import type { TermProcess } from './term-process.js';

export type { TermProcess } from './term-process.js';
export { parseTermProcess } from './term-process.js';

/** One instance of a container that has ended, as the kubelet reported it. */
export interface EndedInstance {
  readonly containerId: string;
  readonly finishedAt: Date | undefined;
}

/** A container status, without Kubernetes types. Times come from the kubelet, on the holder's node. */
export interface ContainerFacts {
  readonly name: string;
  /** The instance now reported in `state`; '' when none (waiting before the first start). */
  readonly containerId: string;
  readonly restartCount: number;
  /** state.running.startedAt, when the current instance runs. */
  readonly runningSince: Date | undefined;
  /** state.terminated: the current instance ended. */
  readonly terminated: EndedInstance | undefined;
  /** lastState.terminated: the instance before the current one. */
  readonly lastTerminated: EndedInstance | undefined;
}

export interface PodProcessFacts {
  readonly name: string;
  readonly uid: string;
  /** metadata.deletionTimestamp is set. */
  readonly deleting: boolean;
  /** Regular and init (native sidecar) container statuses together. */
  readonly containers: readonly ContainerFacts[];
}

/** The holder's pod as last seen; `gone` when it was seen and then left the watch (deleted). */
export interface PodSighting {
  readonly pod: PodProcessFacts;
  readonly gone: boolean;
}

/** The elector's view of the kubelet's reports (run-cluster.ts wires it to the pod watches). */
export interface DeathProofPort {
  /** This process's own term record; undefined while its pod's status is unknown. */
  ownProcess(): TermProcess | undefined;
  /** judgeDeath over the holder's pod as last seen. */
  judge(record: LeaderRecord): DeathVerdict;
}

export type DeathVerdict = { readonly proof: true; readonly reason: string } | { readonly proof: false; readonly reason: string };

const wait = (reason: string): DeathVerdict => ({ proof: false, reason });

/**
 * Whether the kubelet has proved that the process holding `record`'s term can
 * never write again. Pure. Only one instance of a container runs at a time
 * (the kubelet starts a new one only after the old one exited), and the
 * holder's process was running when it wrote `acquireTime`; the kubelet and
 * the holder share the node's clock. So the term's process is gone when an
 * instance of its container ended at or after `acquireTime`, or when one
 * started at or after it. Kubelet times have whole seconds, truncated, which
 * only ever makes these comparisons stricter. Anything else (a running
 * container that may be stopped or cut off, a terminating pod, no record)
 * waits for the lease to expire.
 */
export function judgeDeath(record: LeaderRecord, sighting: PodSighting | undefined): DeathVerdict {
  const term = record.process;
  const began = record.acquireTime;
  if (record.holderIdentity === '') return wait('the lease is free');
  if (!term) return wait('the lease records no process for this term');
  if (term.pod !== record.holderIdentity) return wait('the term record names another pod');
  if (!began) return wait('the lease has no acquireTime');
  if (!sighting) return wait("the leader's pod has not been seen");
  const { pod, gone } = sighting;
  if (pod.uid !== term.podUid) return wait("the leader's pod is another object than the term's (uid)");
  const c = pod.containers.find((s) => s.name === term.container);
  if (!c) return wait("the leader's pod reports no status for its sidecar container");
  const endedInTerm = (e: EndedInstance | undefined): boolean =>
    e !== undefined && e.containerId === term.containerId && e.finishedAt !== undefined && e.finishedAt.getTime() >= began.getTime();
  if (endedInTerm(c.terminated)) return { proof: true, reason: gone ? "the leader's pod was deleted after its sidecar container terminated" : "leader's sidecar container terminated" };
  if (endedInTerm(c.lastTerminated)) return { proof: true, reason: "leader's sidecar container terminated and was restarted" };
  if (c.restartCount > term.restartCount && c.containerId !== term.containerId && c.runningSince && c.runningSince.getTime() >= began.getTime()) {
    return { proof: true, reason: "leader's sidecar container restarted since the term began" };
  }
  if (gone) return wait("the leader's pod was deleted but its sidecar container was not seen stopped");
  if (pod.deleting) return wait("the leader's pod is terminating; its sidecar container has not stopped yet");
  if (c.runningSince) return wait("the leader's sidecar container is running (it may be stopped, slow or cut off)");
  return wait("the kubelet has not reported the leader's sidecar container terminated");
}

/** The term record this process can write: its own pod's sidecar container, running; undefined while unknown. */
export function ownProcess(pod: PodProcessFacts | undefined, container: string): TermProcess | undefined {
  const c = pod?.containers.find((s) => s.name === container);
  if (!pod || !c || !c.runningSince || c.containerId === '' || pod.uid === '') return undefined;
  return { pod: pod.name, podUid: pod.uid, container, containerId: c.containerId, restartCount: c.restartCount };
}
