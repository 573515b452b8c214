import type { LoadProfile } from './profiles.js';

/** What the playground counts about the calls it offered, whoever places them. */
export interface LoadCounters {
  attempts: number;
  answered: number;
  rejected503: number;
  failedOther: number;
  timeouts: number;
  completed: number;
}

export type LoadDriverKind = 'builtin' | 'sipp';

/**
 * The playground's caller: offers calls to Bono at the profile's rate. Two
 * implementations: the built-in UAC (`generator.ts`) and SIPp (`sipp.ts`).
 * The observer and the dashboard see only this.
 */
export interface LoadDriver {
  readonly kind: LoadDriverKind;
  readonly counters: LoadCounters;
  readonly profile: LoadProfile;
  /** Calls started and not yet ended. */
  readonly activeCalls: number;
  /** Calls per second offered now. */
  currentRate(): number;
  setProfile(profile: LoadProfile): void;
  /** Bono's SIP address; undefined while there is none (no call is placed). */
  setTarget(target: { host: string; port: number } | undefined): void;
  start(): Promise<void>;
  /** Stops placing calls and releases every socket and child process. */
  stop(): Promise<void>;
}
