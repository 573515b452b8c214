/** One second of the playground, as the chart draws it. */
export interface Point {
  /** Wall time, seconds since the epoch (uPlot's x unit). */
  readonly t: number;
  readonly offered: number;
  readonly answered: number;
  readonly rejected: number;
  readonly replicas: number;
  readonly desired: number;
  /** What the Sprout leader's load history forecasts one lead time ahead; null with predictive scaling off. */
  readonly forecast: number | null;
  /** Mean utilization of the Sprouts that report one. */
  readonly utilization: number | null;
}

export type EventKind = 'election' | 'decision' | 'scale' | 'pod' | 'action' | 'info';

export interface PlaygroundEvent {
  readonly t: number;
  readonly kind: EventKind;
  readonly text: string;
}

/** The last few minutes of points and events; older ones drop off. */
export class History {
  readonly #points: Point[] = [];
  readonly #events: PlaygroundEvent[] = [];
  readonly #listeners = new Set<(e: PlaygroundEvent) => void>();

  constructor(
    private readonly maxPoints = 900,
    private readonly maxEvents = 300,
  ) {}

  addPoint(p: Point): void {
    this.#points.push(p);
    if (this.#points.length > this.maxPoints) this.#points.shift();
  }

  addEvent(e: PlaygroundEvent): void {
    this.#events.push(e);
    if (this.#events.length > this.maxEvents) this.#events.shift();
    for (const listener of this.#listeners) listener(e);
  }

  onEvent(listener: (e: PlaygroundEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  points(): readonly Point[] {
    return this.#points;
  }

  events(): readonly PlaygroundEvent[] {
    return this.#events;
  }
}

/** Per-second rate between two readings of a counter; 0 on the first reading or a reset. */
export function perSecond(now: number, before: number | undefined, elapsedS: number): number {
  if (before === undefined || elapsedS <= 0 || now < before) return 0;
  return Math.round(((now - before) / elapsedS) * 10) / 10;
}
