/**
 * Sprout's overload control, as cpp-common's LoadMonitor does it: a token
 * bucket admits each new request; every 20 completed requests the refill rate
 * is adapted from the smoothed latency against a target (Welsh & Culler):
 * too slow (or a downstream 503 seen) -> rate / 1.2; comfortably fast and the
 * bucket actually used -> rate grows. Time comes in as arguments.
 */
export interface LoadMonitorSettings {
  readonly targetLatencyMs: number;
  readonly maxTokens: number;
  readonly initialRate: number;
  readonly minRate: number;
  /** 0 means no upper bound. */
  readonly maxRate: number;
}

export const ADJUST_EVERY = 20;

export class LoadMonitor {
  #tokens: number;
  #rate: number;
  #lastRefillMs: number;
  #smoothedLatencyMs: number;
  #completed = 0;
  #acceptedSinceAdjust = 0;
  #lastAdjustMs: number;
  #penalties = 0;

  constructor(
    private readonly s: LoadMonitorSettings,
    nowMs: number,
  ) {
    this.#tokens = s.maxTokens;
    this.#rate = s.initialRate;
    this.#lastRefillMs = nowMs;
    this.#lastAdjustMs = nowMs;
    this.#smoothedLatencyMs = s.targetLatencyMs;
  }

  get rate(): number {
    return this.#rate;
  }

  get smoothedLatencyMs(): number {
    return this.#smoothedLatencyMs;
  }

  /** Takes a token if one is there; false means: reject with 503. */
  admit(nowMs: number): boolean {
    this.#tokens = Math.min(this.s.maxTokens, this.#tokens + ((nowMs - this.#lastRefillMs) / 1000) * this.#rate);
    this.#lastRefillMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    this.#acceptedSinceAdjust++;
    return true;
  }

  /** A downstream node answered 503: treated like too much latency at the next adjustment. */
  penalty(): void {
    this.#penalties++;
  }

  completed(latencyMs: number, nowMs: number): void {
    // Clearwater smooths with weight 1/8 for the newest sample.
    this.#smoothedLatencyMs = (7 * this.#smoothedLatencyMs + latencyMs) / 8;
    if (++this.#completed % ADJUST_EVERY !== 0) return;
    const err = (this.#smoothedLatencyMs - this.s.targetLatencyMs) / this.s.targetLatencyMs;
    const elapsedS = Math.max((nowMs - this.#lastAdjustMs) / 1000, 0.001);
    const measuredRate = this.#acceptedSinceAdjust / elapsedS;
    if (err > 0 || this.#penalties > 0) this.#rate /= 1.2;
    else if (err < -0.005 && measuredRate > 0.5 * this.#rate) this.#rate += -err * this.s.maxTokens * 0.5;
    this.#rate = Math.max(this.s.minRate, this.s.maxRate > 0 ? Math.min(this.s.maxRate, this.#rate) : this.#rate);
    this.#penalties = 0;
    this.#acceptedSinceAdjust = 0;
    this.#lastAdjustMs = nowMs;
  }
}
