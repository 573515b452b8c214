import type { Fence } from '../election/leadership.js';

interface TermWork {
  readonly term: AbortSignal;
  /** What leader requests are bound to: aborts when the term is lost, or once the term's work is over. */
  readonly work: AbortController;
  readonly runs: Set<Promise<void>>;
}

/**
 * The leader's share of the agent loop, as the elector's leader work.
 *
 * Leader work (publish membership, scale) runs inside the loop's passes, on
 * the pass's one snapshot, not as a task of its own. The elector releases the
 * Lease once its leader work has settled, so that work must be a promise it
 * can wait on: `lead` (called from the elector's onStartedLeading, which then
 * wakes the loop) opens the term to `run`, and settles only after the term ended *and* every
 * run started under it finished. No run starts once the term's signal
 * aborted, and no leader write either: the elector's fence() refuses.
 *
 * What happens to a leader request already sent when the term ends depends
 * on why it ended. Lost leadership abandons it at once (another sidecar may
 * lead soon). A graceful stop (`stopping()` first) lets it finish, bounded
 * by the deadline it was sent with, which the fence keeps inside this
 * leader's renew deadline: the Lease is then released after its answer, so
 * the next leader never overlaps with it.
 */
export class LeaderDuty {
  readonly #terms = new WeakMap<AbortSignal, TermWork>();
  #open: TermWork | undefined;
  #graceful = false;

  /** A graceful stop begins: a term that ends from now on lets leader requests already sent finish. */
  stopping(): void {
    this.#graceful = true;
  }

  /** The elector's onStartedLeading: settles when the term ended and its leader work finished. */
  async lead(term: AbortSignal): Promise<void> {
    const state: TermWork = { term, work: new AbortController(), runs: new Set() };
    this.#terms.set(term, state);
    this.#open = state;
    // In the same tick as the term's end, as the elector aborts it: lost leadership stops leader work at once.
    const ended = (): void => {
      if (this.#open === state) this.#open = undefined;
      if (!this.#graceful) state.work.abort(term.reason);
    };
    if (term.aborted) ended();
    else term.addEventListener('abort', ended, { once: true });
    await untilAborted(term);
    await Promise.all([...state.runs]);
    state.work.abort(term.reason);
  }

  /**
   * Runs leader work under the open term and gives its result, or undefined
   * (without calling `work`) when no term is open: not leading, the term
   * ended, or the elector has not handed it over yet. `work` gets the signal
   * leader requests are bound to (see the class comment).
   */
  run<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> | undefined {
    const state = this.#open;
    if (!state || state.term.aborted) return undefined;
    const running = work(state.work.signal);
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    state.runs.add(settled);
    void settled.then(() => state.runs.delete(settled));
    return running;
  }

  /** The elector's fence with the term's signal swapped for the leader work's, so a graceful stop does not cut off a request already sent. */
  fence(fence: Fence): Fence {
    const state = this.#terms.get(fence.signal);
    return state ? { ...fence, signal: state.work.signal } : fence;
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
