import { LoadMonitor } from './load-monitor.js';

/**
 * The capacity model of a simulated Sprout: `workers` threads each take
 * `1000 * workers / callsPerSecond` ms per new call (so throughput is
 * `callsPerSecond`), a FIFO queue in front of them whose waiting requests
 * time out like `request_on_queue_timeout`, a token bucket (LoadMonitor)
 * before the queue, and a cap on established calls. Pure: the server passes
 * the time in and runs the timers.
 */
export interface CapacitySettings {
  readonly callsPerSecond: number;
  readonly workers: number;
  /** Established calls (dialogs) one pod holds at most. */
  readonly maxCalls: number;
  readonly queueTimeoutMs: number;
  /** LoadMonitor target; default 3 x the service time. */
  readonly targetLatencyMs?: number;
}

export type Arrival = 'accepted' | 'rejected-overload' | 'rejected-calls';

export interface Started {
  readonly id: string;
  readonly doneAtMs: number;
}

export interface CallCounters {
  invites: number;
  answered: number;
  rejectedOverload: number;
  rejectedCalls: number;
  queueTimeouts: number;
  callsEnded: number;
}

export function serviceTimeMs(s: CapacitySettings): number {
  return (1000 * s.workers) / s.callsPerSecond;
}

export class CallProcessor {
  readonly counters: CallCounters = { invites: 0, answered: 0, rejectedOverload: 0, rejectedCalls: 0, queueTimeouts: 0, callsEnded: 0 };
  readonly monitor: LoadMonitor;
  readonly #queue: { id: string; arrivedMs: number }[] = [];
  readonly #inService = new Map<string, number>();
  #activeCalls = 0;

  constructor(
    private readonly s: CapacitySettings,
    nowMs: number,
  ) {
    const service = serviceTimeMs(s);
    this.monitor = new LoadMonitor(
      { targetLatencyMs: s.targetLatencyMs ?? 3 * service, maxTokens: Math.max(5, Math.ceil(s.callsPerSecond)), initialRate: s.callsPerSecond * 2, minRate: 1, maxRate: s.callsPerSecond * 4 },
      nowMs,
    );
  }

  get activeCalls(): number {
    return this.#activeCalls;
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  get busyWorkers(): number {
    return this.#inService.size;
  }

  /** A new INVITE arrives. An accepted one waits in the queue until `pump` starts it. */
  arrive(id: string, nowMs: number): Arrival {
    this.counters.invites++;
    if (this.#activeCalls + this.#queue.length + this.#inService.size >= this.s.maxCalls) {
      this.counters.rejectedCalls++;
      return 'rejected-calls';
    }
    if (!this.monitor.admit(nowMs)) {
      this.counters.rejectedOverload++;
      return 'rejected-overload';
    }
    this.#queue.push({ id, arrivedMs: nowMs });
    return 'accepted';
  }

  /** Drops requests that waited too long, then hands free workers the next ones. */
  pump(nowMs: number): { started: Started[]; expired: string[] } {
    const expired: string[] = [];
    while (this.#queue.length > 0 && nowMs - this.#queue[0]!.arrivedMs >= this.s.queueTimeoutMs) {
      expired.push(this.#queue.shift()!.id);
      this.counters.queueTimeouts++;
      this.counters.rejectedOverload++;
    }
    const started: Started[] = [];
    while (this.#inService.size < this.s.workers && this.#queue.length > 0) {
      const next = this.#queue.shift()!;
      this.#inService.set(next.id, next.arrivedMs);
      started.push({ id: next.id, doneAtMs: nowMs + serviceTimeMs(this.s) });
    }
    return { started, expired };
  }

  /** A worker finished: the call is answered and established. */
  finish(id: string, nowMs: number): boolean {
    const arrived = this.#inService.get(id);
    if (arrived === undefined) return false;
    this.#inService.delete(id);
    this.monitor.completed(nowMs - arrived, nowMs);
    this.counters.answered++;
    this.#activeCalls++;
    return true;
  }

  /** BYE (or a dialog that timed out). */
  endCall(): void {
    if (this.#activeCalls === 0) return;
    this.#activeCalls--;
    this.counters.callsEnded++;
  }
}
