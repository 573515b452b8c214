import type { Clock } from '../clock/clock.js';
import { withDeadline } from '../clock/deadline.js';
import type { Fence } from '../election/leadership.js';
import type { VnfCluster, VnfClusterStatus } from '../model/vnfcluster.js';

/**
 * The ports the leader's scaler writes through. kube/ provides the real
 * adapters (DeploymentScale, EventRecorder, VnfClusterClient); tests give
 * fakes that fail on any call they did not expect.
 */

/** The Deployment's scale subresource as just read: spec.replicas and the version to write against. */
export interface ScaleReading {
  readonly replicas: number;
  readonly version: string;
}

export interface ScaleTarget {
  read(signal?: AbortSignal): Promise<ScaleReading>;
  /** Conditional on `version`: a stale read loses with a 409 (an error whose `status` is 409). */
  write(replicas: number, version: string, signal?: AbortSignal): Promise<ScaleReading>;
}

/** The object an Event is about (events.k8s.io/v1 `regarding`). */
export interface EventTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid?: string | undefined;
}

export interface EventSink {
  record(event: { regarding: EventTarget; type: 'Normal' | 'Warning'; reason: string; note: string; action: string }, signal?: AbortSignal): Promise<void>;
}

export interface StatusPatcher {
  patchStatus(name: string, status: Partial<VnfClusterStatus>, version: string, signal?: AbortSignal): Promise<VnfCluster>;
}

/** How long a fenced write may take: the API timeout, but never past the renew deadline this leader measured. */
export function fencedTimeoutMs(fence: Fence, apiTimeoutMs: number): number {
  return Math.max(1, Math.min(apiTimeoutMs, fence.validForMs));
}

/**
 * One fenced write: its signal aborts, and the call gives up, when the term
 * ends, when the pass is stopped, or at `fencedTimeoutMs` on the injected
 * clock — whichever is first, so a write can never land after the renew
 * deadline this leader measured.
 */
export function fenced<T>(clock: Clock, fence: Fence, apiTimeoutMs: number, outer: AbortSignal | undefined, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return withDeadline(clock, fencedTimeoutMs(fence, apiTimeoutMs), what, [outer, fence.signal], work);
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
