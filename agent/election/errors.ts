/**
 * The election's error classes. Callers branch on the type, never on the
 * message (habit from Patroni's exceptions.py).
 */

/** Thrown by `fence()`: this elector may not do leader-only writes right now. */
export class NotLeaderError extends Error {
  constructor(reason: string) {
    super(`not the leader: ${reason}`);
    this.name = 'NotLeaderError';
  }
}

/** Thrown by the LeaderElector constructor on unsafe timing or a missing identity. */
export class ElectionConfigError extends Error {
  readonly reasons: readonly string[];

  constructor(reasons: readonly string[]) {
    super(`invalid leader election settings: ${reasons.join('; ')}`);
    this.name = 'ElectionConfigError';
    this.reasons = reasons;
  }
}
