import type { KubeConfig } from '@kubernetes/client-node';
// The module itself, not the package index: the index also loads the generated Api classes.
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { deadline } from '../clock/deadline.js';
import { systemRandom, type Random } from '../clock/random.js';
import { DEFAULT_MAX_BACKOFF_MS, reconnectDelayMs, sessionTimeoutSeconds, SHORT_SESSION_MS } from './watch-timing.js';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchHandlers<T extends KubeObject> {
  /** A full, consistent list: replaces whatever the consumer knew. */
  onSync(items: readonly T[]): void;
  onEvent(type: WatchEventType, object: T): void;
}

/**
 * Opens one watch stream; client-node's `Watch.watch` by default. A port so
 * tests can script sessions (server restarts, refusals) on a FakeClock.
 */
export type WatchOpener = (
  path: string,
  params: Record<string, string | number | boolean | undefined>,
  onEvent: (type: string, object: unknown) => void,
  onDone: (err: unknown) => void,
) => Promise<{ abort(): void }>;

export interface ResilientWatchOptions<T extends KubeObject> extends WatchHandlers<T> {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  /** Jitter for reconnects and session lengths; node:crypto by default. */
  readonly random?: Random;
  readonly openWatch?: WatchOpener;
  readonly logger: Logger;
  /** Collection path, e.g. /api/v1/namespaces/default/pods. */
  readonly path: string;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  readonly list: (signal: AbortSignal) => Promise<{ items: T[]; resourceVersion: string }>;
  /**
   * Each watch asks the server to close it after this long times [1, 2)
   * (default 60 s), so a silent dead connection is found within that plus the grace.
   */
  readonly serverTimeoutSeconds?: number;
  readonly idleGraceMs?: number;
  readonly listTimeoutMs?: number;
  /** Cap on the exponential reconnect backoff before jitter (watch-timing.ts); default 5 s. */
  readonly maxBackoffMs?: number;
  /** Start watching from here instead of listing first (used to resume; a stale one relists after 410). */
  readonly initialResourceVersion?: string;
}

type SessionEnd = 'closed' | 'short' | 'gone' | 'idle' | 'error' | 'stopped';

/**
 * List, then watch from the list's resourceVersion, forever: resumes from the
 * last seen resourceVersion when the server closes the stream, relists after
 * 410 Gone, and abandons a connection that went silent past the server's own
 * timeout (client-node 1.4 does not notice a dead peer by itself). After a
 * failure it waits a jittered, growing backoff (watch-timing.ts), so the
 * sidecars of a cluster do not all come back at once after an API server restart.
 */
export class ResilientWatch<T extends KubeObject> {
  readonly #o: ResilientWatchOptions<T>;
  readonly #stop = new AbortController();
  #resourceVersion: string | undefined;
  #lastActivity = 0;
  #running: Promise<void> | undefined;
  /** Counts of how sessions ended, for tests and metrics. */
  readonly stats = { lists: 0, sessions: 0, gone: 0, idle: 0, errors: 0, short: 0 };
  readonly #random: Random;
  readonly #open: WatchOpener;

  constructor(options: ResilientWatchOptions<T>) {
    this.#o = options;
    this.#resourceVersion = options.initialResourceVersion;
    this.#random = options.random ?? systemRandom;
    this.#open = options.openWatch ?? ((path, params, onEvent, onDone) => new Watch(options.kubeConfig).watch(path, params, onEvent, onDone));
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      const end = await this.#pass().catch((err: unknown) => {
        this.#o.logger.warn({ err, path: this.#o.path }, 'Watch pass failed');
        return 'error' as const;
      });
      if (end === 'stopped') return;
      failures = end === 'error' || end === 'idle' || end === 'short' ? failures + 1 : 0;
      if (failures > 0) {
        const backoff = reconnectDelayMs(failures, this.#o.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, this.#random);
        await this.#o.clock.sleep(backoff, this.#stop.signal).catch(() => undefined);
      }
    }
  }

  async #pass(): Promise<SessionEnd> {
    if (this.#resourceVersion === undefined) {
      const listTimeoutMs = this.#o.listTimeoutMs ?? 10_000;
      const bound = deadline(this.#o.clock, listTimeoutMs, `list ${this.#o.path}`, this.#stop.signal);
      const { items, resourceVersion } = await this.#o.list(bound.signal).finally(() => bound.cancel());
      this.stats.lists++;
      this.#resourceVersion = resourceVersion;
      this.#o.onSync(items);
    }
    const end = await this.#session(this.#resourceVersion);
    this.stats.sessions++;
    if (end === 'gone') {
      this.stats.gone++;
      this.#resourceVersion = undefined;
    }
    if (end === 'idle') this.stats.idle++;
    if (end === 'error') this.stats.errors++;
    if (end === 'short') this.stats.short++;
    if (end !== 'closed' && end !== 'stopped' && end !== 'gone') {
      this.#o.logger.info({ path: this.#o.path, end }, 'Restarted watch');
    }
    return end;
  }

  #session(resourceVersion: string): Promise<SessionEnd> {
    const timeoutSeconds = sessionTimeoutSeconds(this.#o.serverTimeoutSeconds ?? 60, this.#random);
    const session = new AbortController();
    const startedAt = this.#o.clock.nowMs();
    this.#lastActivity = startedAt;
    let events = 0;
    return new Promise<SessionEnd>((resolve) => {
      let settled = false;
      const finish = (end: SessionEnd): void => {
        if (settled) return;
        settled = true;
        session.abort();
        // A server that accepts and closes at once would otherwise be re-watched in a tight loop.
        const short = end === 'closed' && events === 0 && this.#o.clock.nowMs() - startedAt < SHORT_SESSION_MS;
        resolve(short ? 'short' : end);
      };
      const onStop = (): void => finish('stopped');
      this.#stop.signal.addEventListener('abort', onStop, { once: true });
      session.signal.addEventListener('abort', () => this.#stop.signal.removeEventListener('abort', onStop), { once: true });

      const params = {
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: this.#o.labelSelector,
        fieldSelector: this.#o.fieldSelector,
      };
      const started = this.#open(
        this.#o.path,
        params,
        (type, object) => {
          events++;
          this.#lastActivity = this.#o.clock.nowMs();
          this.#handle(type, object as T & { code?: number }, finish);
        },
        (err: unknown) => finish(err ? 'error' : 'closed'),
      );
      // If the session was abandoned while the request was still connecting, abort it once it exists.
      started.then((controller) => (settled ? controller.abort() : session.signal.addEventListener('abort', () => controller.abort())), () => finish('error'));
      void this.#watchdog(timeoutSeconds * 1000 + (this.#o.idleGraceMs ?? 5000), session.signal, () => finish('idle'));
    });
  }

  #handle(type: string, object: T & { code?: number }, finish: (end: SessionEnd) => void): void {
    const rv = object?.metadata?.resourceVersion;
    if (type === 'ERROR') {
      finish(object?.code === 410 ? 'gone' : 'error');
      return;
    }
    if (rv) this.#resourceVersion = rv;
    if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
      try {
        this.#o.onEvent(type, object);
      } catch (err) {
        this.#o.logger.error({ err, type }, 'Watch handler failed');
      }
    }
  }

  async #watchdog(silenceMs: number, signal: AbortSignal, onIdle: () => void): Promise<void> {
    while (!signal.aborted) {
      const wait = this.#lastActivity + silenceMs - this.#o.clock.nowMs();
      if (wait <= 0) {
        onIdle();
        return;
      }
      await this.#o.clock.sleep(wait, signal).catch(() => undefined);
    }
  }
}
