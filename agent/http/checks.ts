/**
 * Named health checks, in the style of controller-runtime's healthz: each part
 * registers a function that returns undefined when healthy or a reason when
 * not. The HTTP layer only aggregates; the parts own the judgement.
 */
export type HealthCheck = () => string | undefined;

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: string;
}

export class HealthChecks {
  readonly #checks = new Map<string, HealthCheck>();

  add(name: string, check: HealthCheck): void {
    if (this.#checks.has(name)) throw new Error(`health check ${name} registered twice`);
    this.#checks.set(name, check);
  }

  /** Runs every check; a check that throws counts as failed with its message. */
  run(): CheckResult[] {
    return [...this.#checks.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, check]) => {
        try {
          const reason = check();
          return reason === undefined ? { name, ok: true } : { name, ok: false, reason };
        } catch (err) {
          return { name, ok: false, reason: `check threw: ${(err as Error).message}` };
        }
      });
  }
}
