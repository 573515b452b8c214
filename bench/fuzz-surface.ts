/** What one fuzzed surface reports into bench/results/fuzz.json. */
export interface SurfaceResult {
  readonly surface: string;
  readonly inputs: number;
  readonly seed: number;
  /** Inputs that broke a property (the bounded tests assert 0). */
  readonly failures: number;
  readonly seconds: number;
  /** How the inputs were answered: HTTP status codes, accepted/rejected configs, parse outcomes. */
  readonly outcomes: Record<string, number>;
  /** Further counts that show the run reached what it fuzzes (e.g. requests forwarded). */
  readonly reached?: Record<string, number>;
  /** The first failures in words, to replay with the same seed. */
  readonly firstFailures: readonly string[];
}

/** Tallies outcomes and failures over a run. */
export class Tally {
  readonly outcomes: Record<string, number> = {};
  readonly failures: string[] = [];
  readonly #t0 = performance.now();

  count(outcome: string | number): void {
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
  }

  fail(problem: string | undefined): void {
    if (problem !== undefined) this.failures.push(problem);
  }

  result(surface: string, inputs: number, seed: number, reached?: Record<string, number>): SurfaceResult {
    return {
      surface, inputs, seed, failures: this.failures.length, seconds: Math.round((performance.now() - this.#t0) / 100) / 10,
      outcomes: this.outcomes, ...(reached ? { reached } : {}), firstFailures: this.failures.slice(0, 20),
    };
  }
}
