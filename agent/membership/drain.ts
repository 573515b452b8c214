import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import type { DrainControl, DrainState } from '../http/routes/drain.js';

export interface DrainerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The longest a drain waits for calls to finish (VnfCluster spec.drainTimeoutSeconds). */
  readonly timeoutMs: () => number;
  /** Calls or dialogs still in flight on the local SIP server; undefined when unknown. */
  readonly inFlight: () => number | undefined;
  /** Marks this pod as leaving in the API (annotation), so peers stop routing to it. Retried until it succeeds. */
  readonly markLeaving: (signal: AbortSignal) => Promise<void>;
}

/**
 * This pod's drain: once started it never stops (a pod that began leaving
 * goes). Readiness fails at once, the pod is marked leaving for its peers, and
 * the drain counts as settled when nothing is in flight any more or the drain
 * timeout passed, whichever comes first.
 */
export class Drainer implements DrainControl {
  #since: number | undefined;
  #sinceWall: string | null = null;
  #reason: string | null = null;
  #marked = false;
  #marking = false;

  constructor(private readonly o: DrainerOptions) {}

  get draining(): boolean {
    return this.#since !== undefined;
  }

  start(reason: string): void {
    if (this.#since !== undefined) return;
    this.#since = this.o.clock.nowMs();
    this.#sinceWall = this.o.clock.wallTime().toISOString();
    this.#reason = reason;
    this.o.logger.info({ reason }, 'Started draining');
  }

  /** Readiness check: a draining pod must not receive new traffic. */
  readiness(): string | undefined {
    return this.draining ? `draining since ${this.#sinceWall}: ${this.#reason}` : undefined;
  }

  state(): DrainState {
    return { draining: this.draining, settled: this.settled(), since: this.#sinceWall, reason: this.#reason };
  }

  settled(): boolean {
    if (this.#since === undefined) return false;
    if (this.o.clock.nowMs() - this.#since >= this.o.timeoutMs()) return true;
    return this.o.inFlight() === 0;
  }

  /** One pass of the agent loop: make sure the leaving mark reached the API. */
  async pass(signal: AbortSignal): Promise<string | undefined> {
    if (!this.draining || this.#marked || this.#marking) return undefined;
    this.#marking = true;
    try {
      await this.o.markLeaving(signal);
      this.#marked = true;
      return 'marked this pod as leaving';
    } catch (err) {
      this.o.logger.warn({ err }, 'Could not mark this pod as leaving; will retry');
      return 'could not mark this pod as leaving yet';
    } finally {
      this.#marking = false;
    }
  }
}
