import type { Clock } from '../clock/clock.js';

export class OperationTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'OperationTimeoutError';
  }
}

/**
 * Runs `work` with a signal that aborts after `ms` on the injected clock, and
 * rejects at that moment even if `work` ignores the signal, so no pass can
 * hang on a stuck file system or RPC. The timer is cancelled as soon as
 * `work` settles.
 */
export async function withTimeout<T>(clock: Clock, ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const timer = new AbortController();
  const operation = new AbortController();
  const expired = clock.sleep(ms, timer.signal).then(() => {
    operation.abort(new OperationTimeoutError(what, ms));
    throw new OperationTimeoutError(what, ms);
  });
  expired.catch(() => undefined); // the cancelled sleep rejects with AbortError; nobody needs it
  try {
    return await Promise.race([work(operation.signal), expired]);
  } finally {
    timer.abort();
  }
}
