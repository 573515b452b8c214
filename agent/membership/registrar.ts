import type { Clock } from '../clock/clock.js';
import type { MembershipMetrics } from './metrics.js';
import { routablePeers } from './peers.js';
import { ReloadBusyError, type Reloader } from './reload.js';
import type { Renderer } from './render/index.js';
import { withDeadline } from '../clock/deadline.js';
import type { ClusterView } from './view.js';
import type { PeerFileWriter, WriteOutcome } from './writer.js';

export interface RegistrarOptions {
  /** Undefined when peer files are off (`peersRenderer: none`). */
  readonly renderer: Renderer | undefined;
  readonly file: string;
  readonly writer: PeerFileWriter;
  readonly reloader: Reloader;
  readonly clock: Clock;
  readonly metrics: MembershipMetrics;
  /** Bound on one write and on one reload. */
  readonly timeoutMs: number;
  /** First retry delay after a failure; doubles per consecutive failure up to `retryMaxMs`. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /**
   * Retry delay after the SIP server said it is busy reloading (Kamailio's
   * reload_delta). Short and fixed: the refusal is expected, and every moment
   * until the reload lands the server routes on the old peer set.
   */
  readonly busyRetryMs: number;
}

/** What /status shows about peer registration. */
export interface RegistrarStatus {
  /** The file was (re)written in the last attempted pass. */
  readonly rendered: boolean;
  readonly file: string;
  /** The SIP server was told to reload in the last attempted pass. */
  readonly reloaded: boolean;
  /** File content and the SIP server both match the latest views. */
  readonly inSync: boolean;
  /** Routable peers in the latest views. */
  readonly peers: number;
  readonly error?: string;
  /** Wall time of the last attempted pass (ISO 8601). */
  readonly at: string;
}

export type PassOutcome = 'busy' | 'disabled' | 'unchanged' | 'written' | 'reloaded' | 'retried-reload' | 'waiting' | 'failed';

export interface PassResult {
  readonly outcome: PassOutcome;
  readonly reason: string;
}

/**
 * The per-sidecar peer registration step: views -> render -> write if changed
 * -> reload if written. One pass takes one snapshot (the views) and returns
 * one sentence; it never throws. A failed write or reload is retried on a
 * later pass, after a backoff that doubles up to `retryMaxMs`; passes before
 * then only say they are waiting. The first pass after start reloads even if
 * the file is unchanged: an earlier run may have written it and stopped
 * before the SIP server was told.
 */
export class PeerRegistrar {
  #status: RegistrarStatus | undefined;
  #reloadPending = true;
  #failures = 0;
  #retryAtMs = Number.NEGATIVE_INFINITY;
  #running = false;

  constructor(private readonly options: RegistrarOptions) {}

  get lastResult(): RegistrarStatus | undefined {
    return this.#status;
  }

  /**
   * One registration pass over the latest views. Passes never overlap: a call
   * while one is in flight returns `busy` at once (the next tick brings the
   * newest views anyway), so two writes or reloads never race.
   */
  async pass(views: readonly ClusterView[]): Promise<PassResult> {
    if (this.#running) return { outcome: 'busy', reason: 'previous peer registration pass still running' };
    this.#running = true;
    try {
      return await this.#pass(views);
    } finally {
      this.#running = false;
    }
  }

  async #pass(views: readonly ClusterView[]): Promise<PassResult> {
    const { renderer, clock, metrics } = this.options;
    metrics.observe(views);
    if (!renderer) return { outcome: 'disabled', reason: 'peer registration is off (no renderer configured)' };
    const now = clock.nowMs();
    if (now < this.#retryAtMs) {
      const waitS = ((this.#retryAtMs - now) / 1000).toFixed(1);
      return { outcome: 'waiting', reason: `waiting ${waitS}s before retrying peer registration after: ${this.#status?.error ?? 'a failure'}` };
    }
    const peers = routablePeers(views).length;
    const written = await this.#write(renderer, views);
    if (written instanceof Error) return this.#failed(`could not write ${this.options.file}`, peers, false, written.message);
    if (written === 'unchanged' && !this.#reloadPending) return this.#succeeded('unchanged', `peers unchanged (${peers} routable) in ${this.options.file}`, peers, false, false);
    this.#reloadPending = true;
    const reloadError = await this.#reload();
    const wrote = written === 'written';
    if (reloadError instanceof ReloadBusyError) return this.#busy(`${wrote ? 'wrote' : 'kept'} ${this.options.file} but ${this.options.reloader.describe} was refused`, peers, wrote, reloadError.message);
    if (reloadError) return this.#failed(`${wrote ? 'wrote' : 'kept'} ${this.options.file} but ${this.options.reloader.describe} failed`, peers, wrote, reloadError.message);
    this.#reloadPending = false;
    return wrote
      ? this.#succeeded('reloaded', `wrote ${peers} routable peers to ${this.options.file} and triggered ${this.options.reloader.describe}`, peers, true, true)
      : this.#succeeded('retried-reload', `${this.options.file} already current; triggered ${this.options.reloader.describe}`, peers, false, true);
  }

  /** Renders and writes; a failure comes back as an Error value so the pass can report it. */
  async #write(renderer: Renderer, views: readonly ClusterView[]): Promise<WriteOutcome | Error> {
    const { writer, file, clock, timeoutMs, metrics } = this.options;
    try {
      const content = renderer.render(views);
      const outcome = await withDeadline(clock, timeoutMs, `writing ${file}`, [], () => writer.writeIfChanged(file, content));
      if (outcome === 'written') metrics.renders.inc();
      return outcome;
    } catch (err) {
      metrics.renderFailures.inc();
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Returns the error, or undefined when the reload succeeded. */
  async #reload(): Promise<Error | undefined> {
    const { reloader, clock, timeoutMs, metrics } = this.options;
    try {
      await withDeadline(clock, timeoutMs, reloader.describe, [], (signal) => reloader.reload(signal));
      metrics.reloads.inc();
      return undefined;
    } catch (err) {
      metrics.reloadFailures.inc();
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /**
   * Milliseconds until a pending retry is due (0 when due now), or undefined
   * when nothing waits: the loop wakes up for it instead of waiting a full tick.
   */
  retryInMs(): number | undefined {
    if (this.#retryAtMs === Number.NEGATIVE_INFINITY) return undefined;
    return Math.max(0, this.#retryAtMs - this.options.clock.nowMs());
  }

  #succeeded(outcome: PassOutcome, reason: string, peers: number, rendered: boolean, reloaded: boolean): PassResult {
    this.#failures = 0;
    this.#retryAtMs = Number.NEGATIVE_INFINITY;
    this.#status = { rendered, file: this.options.file, reloaded, inSync: true, peers, at: this.options.clock.wallTime().toISOString() };
    return { outcome, reason };
  }

  /** The server refused only for now: ask again after busyRetryMs, without growing the backoff. */
  #busy(what: string, peers: number, rendered: boolean, error: string): PassResult {
    const { busyRetryMs, clock, file } = this.options;
    this.#retryAtMs = clock.nowMs() + busyRetryMs;
    this.#status = { rendered, file, reloaded: false, inSync: false, peers, error, at: clock.wallTime().toISOString() };
    return { outcome: 'failed', reason: `${what}: ${error}; asking again in ${(busyRetryMs / 1000).toFixed(2)}s` };
  }

  #failed(what: string, peers: number, rendered: boolean, error: string): PassResult {
    const { retryInitialMs, retryMaxMs, clock, file } = this.options;
    const delayMs = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(this.#failures, 30));
    this.#failures += 1;
    this.#retryAtMs = clock.nowMs() + delayMs;
    this.#status = { rendered, file, reloaded: false, inSync: false, peers, error, at: clock.wallTime().toISOString() };
    return { outcome: 'failed', reason: `${what}: ${error}; retrying in ${(delayMs / 1000).toFixed(1)}s (failure ${this.#failures})` };
  }
}
