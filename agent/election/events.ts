import type { Logger } from 'pino';

/** What the elector tells the rest of the agent; the lead turns these into Kubernetes Events. */
export interface ElectionEvents {
  /** This elector began a term. `term` is the record's leaseTransitions, usable as a fencing epoch. */
  startedLeading: { readonly identity: string; readonly term: number };
  /** A term ended: lost (renew deadline, taken over, deleted) or given up on stop. */
  stoppedLeading: { readonly identity: string; readonly reason: string };
  /** The observed holder changed to `identity` (this elector included). */
  newLeader: { readonly identity: string; readonly previous: string | undefined };
}

export type ElectionEventName = keyof ElectionEvents;
type Listener<E extends ElectionEventName> = (payload: ElectionEvents[E]) => void;

/**
 * A tiny typed emitter. Listeners run synchronously in registration order; one
 * that throws is logged and skipped, so a listener can never break the loop.
 */
export class ElectionEmitter {
  readonly #listeners = new Map<ElectionEventName, Set<Listener<ElectionEventName>>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Returns a function that removes the listener. */
  on<E extends ElectionEventName>(event: E, listener: Listener<E>): () => void {
    const set = this.#listeners.get(event) ?? new Set();
    set.add(listener as Listener<ElectionEventName>);
    this.#listeners.set(event, set);
    return () => set.delete(listener as Listener<ElectionEventName>);
  }

  emit<E extends ElectionEventName>(event: E, payload: ElectionEvents[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (err) {
        this.#log.error({ err, event }, 'Election listener failed');
      }
    }
  }
}
