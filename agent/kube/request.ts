import type { ObservableMiddleware, RequestContext, ResponseContext } from '@kubernetes/client-node';
import { Observable, PatchStrategy } from '@kubernetes/client-node';

export { PatchStrategy };

/** Options every API call gets: a deadline and, for patches, an explicit content type. */
export interface CallOptions {
  readonly timeoutMs: number;
  /** Aborts the call early (leadership lost, agent stopping). */
  readonly signal?: AbortSignal | undefined;
  readonly contentType?: PatchStrategy;
}

/**
 * client-node 1.4 sends every patch as application/json-patch+json unless told
 * otherwise, and has no per-request timeout; this middleware fixes both.
 */
export function callOptions(options: CallOptions): { middleware: ObservableMiddleware[]; middlewareMergeStrategy: 'append' } {
  const signals = [AbortSignal.timeout(options.timeoutMs)];
  if (options.signal) signals.push(options.signal);
  const signal = AbortSignal.any(signals);
  const middleware: ObservableMiddleware = {
    pre: (context: RequestContext) => {
      context.setSignal(signal);
      if (options.contentType) context.setHeaderParam('Content-Type', options.contentType);
      return new Observable(Promise.resolve(context));
    },
    post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}
