import type { ObservableMiddleware, RequestContext, ResponseContext } from '@kubernetes/client-node';
import { Observable, PatchStrategy } from '@kubernetes/client-node';
import { systemClock, type Clock } from '../../agent/clock/clock.js';
import { deadline } from '../../agent/clock/deadline.js';

export { PatchStrategy };

/** Options every API call gets: a deadline and, for patches, an explicit content type. */
export interface CallOptions {
  readonly timeoutMs: number;
  /** Aborts the call early (leadership lost, agent stopping). */
  readonly signal?: AbortSignal | undefined;
  readonly contentType?: PatchStrategy;
  /** The clock the deadline runs on: the agent's, passed down by the adapters. The system clock when absent. */
  readonly clock?: Clock;
}

/** What client-node takes as per-call configuration, plus `done()`, which cancels the deadline's timer. */
export interface KubeCallOptions {
  readonly middleware: ObservableMiddleware[];
  readonly middlewareMergeStrategy: 'append';
  done(): void;
}

/**
 * For test harnesses that use client-node's generated Api classes (the
 * simulated kubelet); the agent itself uses agent/kube/request.ts.
 * client-node 1.4 sends every patch as application/json-patch+json unless told
 * otherwise, and has no per-request timeout; this middleware fixes both. The
 * deadline runs on a Clock (not AbortSignal.timeout), so a FakeClock drives
 * it in tests. Prefer `kubeCall`, which cancels the timer when the call settles.
 */
export function callOptions(options: CallOptions): KubeCallOptions {
  const bound = deadline(options.clock ?? systemClock, options.timeoutMs, 'API request', options.signal);
  const middleware: ObservableMiddleware = {
    pre: (context: RequestContext) => {
      context.setSignal(bound.signal);
      if (options.contentType) context.setHeaderParam('Content-Type', options.contentType);
      return new Observable(Promise.resolve(context));
    },
    post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append', done: () => bound.cancel() };
}

/** One API call under `callOptions`; the deadline's timer is cancelled once the call (body included) settled. */
export async function kubeCall<T>(options: CallOptions, call: (o: KubeCallOptions) => Promise<T>): Promise<T> {
  const o = callOptions(options);
  try {
    return await call(o);
  } finally {
    o.done();
  }
}
