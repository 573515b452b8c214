import { DRAINING_ANNOTATION, type PodFacts } from '../membership/state.js';

export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';
/**
 * Below any cost an operator sets (the annotation must parse as an int32; this is one above its
 * minimum): when the Deployment shrinks, the ReplicaSet controller removes the pod with the lowest
 * deletion cost first among pods equally far along (scheduled, running and ready alike).
 */
export const LOWEST_DELETION_COST = '-2147483647';
/** Reads (and so writes) per annotation change: a pod that changes this often is left to the next pass. */
export const CONFLICT_ATTEMPTS = 3;

/** A pod as the API server has it now, with the version a conditional write must carry. */
export interface PodReading {
  readonly facts: PodFacts;
  readonly annotations: Readonly<Record<string, string>>;
  readonly version: string;
}

/** The port to pod annotations (kube/ PodAnnotator in production). There is no unconditional write. */
export interface PodAnnotations {
  /** The pod now (a fresh read, not the watch cache); undefined when it does not exist. */
  read(pod: string, signal?: AbortSignal): Promise<PodReading | undefined>;
  /** Merges `annotations` (null removes one) only if the pod is still at `version`; otherwise fails with status 409. */
  annotate(pod: string, annotations: Record<string, string | null>, version: string, signal?: AbortSignal): Promise<void>;
}

/** What to do with a pod as just read: write these annotations, nothing because it is so already, or nothing because it must not be written. */
export type MarkDecision = { readonly write: Readonly<Record<string, string>> } | { readonly already: string } | { readonly refuse: string };

export interface MarkOutcome {
  /** written: landed at the version read; already: nothing to write; refused, gone, conflicted: nothing written. */
  readonly outcome: 'written' | 'already' | 'refused' | 'gone' | 'conflicted';
  /** Why nothing was written; empty when written. */
  readonly reason: string;
}

/** True when the pod carries what was asked for, now. */
export const markHolds = (m: MarkOutcome): boolean => m.outcome === 'written' || m.outcome === 'already';

/**
 * How each request of a change is sent: `work` gets the request's signal.
 * The leader's runs every request fenced and bounded by the fence; it throws
 * (NotLeaderError) instead of sending once the fence closed.
 */
export type PodRequest = <T>(what: string, work: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/**
 * Read, decide, write at exactly the version read. A 409 means the pod changed
 * between the read and the write (its own drain marked it, the ReplicaSet
 * began deleting it, a controller updated it): read it again and decide again
 * on what is there now, never re-send the old patch. Every read and every
 * write goes through `request`, which is how the leader's fence is checked
 * again before each one.
 */
export async function changePod(
  port: PodAnnotations,
  pod: string,
  decide: (read: PodReading) => MarkDecision,
  request: PodRequest,
  attempts = CONFLICT_ATTEMPTS,
): Promise<MarkOutcome> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const read = await request(`read Pod ${pod}`, (signal) => port.read(pod, signal));
    if (!read) return { outcome: 'gone', reason: `${pod} does not exist any more` };
    const decision = decide(read);
    if ('already' in decision) return { outcome: 'already', reason: decision.already };
    if ('refuse' in decision) return { outcome: 'refused', reason: decision.refuse };
    try {
      await request(`annotate Pod ${pod}`, (signal) => port.annotate(pod, { ...decision.write }, read.version, signal));
      return { outcome: 'written', reason: '' };
    } catch (err) {
      if ((err as { status?: unknown }).status !== 409) throw err;
    }
  }
  return { outcome: 'conflicted', reason: `${pod} changed under ${attempts} writes in a row (409); deciding again next pass` };
}

/**
 * The leader marks its chosen victim leaving. Not a pod that is terminating
 * already (the ReplicaSet took it: choose again), and nothing to write when
 * the pod carries the mark (it began its own drain): the scale-in goes on.
 */
export function markVictim(read: PodReading): MarkDecision {
  const { facts } = read;
  if (facts.deleting) return { refuse: `${facts.name} is terminating already` };
  if (read.annotations[DRAINING_ANNOTATION] === 'true') return { already: `${facts.name} carries the leaving mark already` };
  return { write: { [DRAINING_ANNOTATION]: 'true' } };
}

/** The lowest deletion cost, on a victim the ReplicaSet has not begun deleting (then it goes anyway). */
export function lowestDeletionCost(read: PodReading): MarkDecision {
  const { facts } = read;
  if (facts.deleting) return { refuse: `${facts.name} is terminating already` };
  if (read.annotations[DELETION_COST_ANNOTATION] === LOWEST_DELETION_COST) return { already: `${facts.name} has the lowest deletion cost already` };
  return { write: { [DELETION_COST_ANNOTATION]: LOWEST_DELETION_COST } };
}

/**
 * A pod marks itself leaving when its own drain starts (preStop, POST /drain).
 * Even while terminating: peers must stop routing to it either way. This is
 * not a leader write and takes no lease fence: the fence is that a pod only
 * ever writes its own Pod, conditional on the version it just read, and the
 * mark only ever goes from absent to "true".
 */
export function markSelf(read: PodReading): MarkDecision {
  if (read.annotations[DRAINING_ANNOTATION] === 'true') return { already: `${read.facts.name} carries the leaving mark already` };
  return { write: { [DRAINING_ANNOTATION]: 'true' } };
}

/**
 * This pod's own leaving mark, for its drain; throws when it is not on the pod
 * yet, so the drain retries next pass. Each request is bounded by the
 * adapter's API timeout and by `signal`.
 */
export async function markSelfLeaving(port: PodAnnotations, pod: string, signal: AbortSignal): Promise<void> {
  const marked = await changePod(port, pod, markSelf, (_what, work) => work(signal));
  if (!markHolds(marked)) throw new Error(`could not mark ${pod} as leaving: ${marked.reason}`);
}
