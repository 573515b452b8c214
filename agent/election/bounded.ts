import type { Clock } from '../clock/clock.js';
import { LockTimeoutError } from './errors.js';

/**
 * Runs one lock call with an AbortSignal that fires after `timeoutMs` on the
 * injected clock, or when `outer` aborts (stop). The promise settles at that
 * moment even if the call ignores its signal, so a hung request can never hold
 * a loop past the renew deadline.
 */
export async function boundedCall<T>(
  clock: Clock,
  timeoutMs: number,
  operation: string,
  call: (signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  if (outer?.aborted) throw abortReason(outer);
  const request = new AbortController();
  const timer = new AbortController();
  const forwardAbort = () => request.abort(abortReason(outer));
  outer?.addEventListener('abort', forwardAbort, { once: true });
  const interrupted = new Promise<never>((_resolve, reject) => {
    request.signal.addEventListener('abort', () => reject(abortReason(request.signal)), { once: true });
  });
  clock.sleep(timeoutMs, timer.signal).then(
    () => request.abort(new LockTimeoutError(operation, timeoutMs)),
    () => undefined, // the call finished first and cancelled the timer
  );
  try {
    return await Promise.race([call(request.signal), interrupted]);
  } finally {
    timer.abort();
    outer?.removeEventListener('abort', forwardAbort);
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}
