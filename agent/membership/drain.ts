import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import type { DrainControl, DrainState } from '../http/routes/drain.js';

export interface DrainerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The longest a drain waits for calls to finish (VnfCluster spec.drainTimeoutSeconds). */
  readonly timeoutMs: () => number;
  /** The shortest a drain lasts, calls or not (VnfCluster spec.drainMinimumSeconds); never past timeoutMs. */
  readonly minimumMs?: () => number;
  /** Calls or dialogs in flight on the local SIP server, and when they were counted; undefined when unknown. */
  readonly inFlight: () => InFlightCount | undefined;
  /** Marks this pod as leaving in the API (annotation), so peers stop routing to it. Retried until it succeeds. */
  readonly markLeaving: (signal: AbortSignal) => Promise<void>;
  /**
   * Whether peers learn of the drain from the leaving mark (a cluster is
   * configured): then the quiet period counts from the mark, not from the start.
   */
  readonly peersLearnFromMark: boolean;
  /** How long peers may still send new calls after they could know (the drainRouteAwayMs setting; ROUTE_AWAY_MS by default). */
  readonly routeAwayMs?: number;
  /**
   * Tells the local SIP server this pod is leaving (the drainNotice setting),
   * so it turns registrations away to another edge proxy while its calls end.
   * Told again every pass of a drain: a SIP server that restarts forgets.
   */
  readonly tellServer?: (signal: AbortSignal) => Promise<void>;
}

export interface InFlightCount {
  readonly calls: number;
  /**
   * When the count was taken, on the monotonic clock (Clock.nowMs): the start
   * of the sampling pass that made it, so a call that arrived while the pass
   * read is never counted as absent. Monotonic, so a wall-clock step during a
   * drain moves nothing.
   */
  readonly countedAtMs: number;
}

/**
 * Peers keep sending new calls for a moment after a pod starts leaving: Bono's
 * sidecar sees the leaving mark through its pod watch, renders its dispatcher
 * list and reloads Kamailio (well under a second on an idle node; more on a
 * busy one). A count of 0 taken before that has passed proves nothing: the
 * real node's e2e lost a call that way when a drain started 0.5 s after the
 * call, on a count made before the call arrived.
 */
export const ROUTE_AWAY_MS = 2000;

/**
 * This pod's drain: once started it never stops (a pod that began leaving
 * goes). Readiness fails at once, the pod is marked leaving for its peers, and
 * the drain counts as settled when a count of the calls in flight taken after
 * peers stopped routing here (the mark, or the start, plus ROUTE_AWAY_MS) is 0,
 * and the drain minimum (if any) has passed, or when the drain timeout passed,
 * whichever comes first.
 */
export class Drainer implements DrainControl {
  #since: number | undefined;
  #sinceWall: string | null = null;
  #reason: string | null = null;
  #marked = false;
  #markedAtMs: number | undefined;
  #marking = false;
  /** undefined: never tried; then whether the last notice reached the SIP server. */
  #told: boolean | undefined;

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
    const elapsedMs = this.o.clock.nowMs() - this.#since;
    if (elapsedMs >= this.o.timeoutMs()) return true;
    if (elapsedMs < (this.o.minimumMs?.() ?? 0)) return false;
    const known = this.o.peersLearnFromMark ? this.#markedAtMs : this.#since;
    if (known === undefined) return false;
    const count = this.o.inFlight();
    return count !== undefined && count.calls === 0 && count.countedAtMs >= known + (this.o.routeAwayMs ?? ROUTE_AWAY_MS);
  }

  /**
   * One pass of the agent loop while draining: make sure the leaving mark
   * reached the API, and tell the SIP server it is leaving.
   */
  async pass(signal: AbortSignal): Promise<string | undefined> {
    if (!this.draining) return undefined;
    const told = await this.#tell(signal);
    const marked = await this.#mark(signal);
    return [told, marked].filter((r) => r !== undefined).join('; ') || undefined;
  }

  async #tell(signal: AbortSignal): Promise<string | undefined> {
    if (!this.o.tellServer) return undefined;
    try {
      await this.o.tellServer(signal);
      if (this.#told) return undefined;
      this.#told = true;
      return 'told the SIP server this pod is leaving';
    } catch (err) {
      // Only the first failure of a run of them is news; the notice is retried every pass.
      if (this.#told !== false) this.o.logger.warn({ err }, 'Could not tell the SIP server this pod is leaving; will retry');
      this.#told = false;
      return 'could not tell the SIP server this pod is leaving yet';
    }
  }

  async #mark(signal: AbortSignal): Promise<string | undefined> {
    if (this.#marked || this.#marking) return undefined;
    this.#marking = true;
    try {
      await this.o.markLeaving(signal);
      this.#marked = true;
      this.#markedAtMs = this.o.clock.nowMs();
      return 'marked this pod as leaving';
    } catch (err) {
      this.o.logger.warn({ err }, 'Could not mark this pod as leaving; will retry');
      return 'could not mark this pod as leaving yet';
    } finally {
      this.#marking = false;
    }
  }
}
