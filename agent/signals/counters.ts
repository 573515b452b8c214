export interface CounterDelta {
  /** Increase since the previous observation. */
  readonly delta: number;
  /** That increase per second of monotonic time; undefined when no time passed. */
  readonly perSecond: number | undefined;
}

/**
 * Turns cumulative counters (drops, replies sent, requests received) into the
 * increase within one window. The first observation has no window and yields
 * undefined: "not known yet", never "zero". A counter that went down was reset
 * (the server restarted), so its new value is the increase.
 */
export class CounterWindow {
  readonly #last = new Map<string, { value: number; atMs: number }>();

  observe(key: string, value: number, atMs: number): CounterDelta | undefined {
    const previous = this.#last.get(key);
    this.#last.set(key, { value, atMs });
    if (previous === undefined) return undefined;
    const delta = value >= previous.value ? value - previous.value : value;
    const seconds = (atMs - previous.atMs) / 1000;
    return { delta, perSecond: seconds > 0 ? Math.round((delta / seconds) * 1000) / 1000 : undefined };
  }
}
