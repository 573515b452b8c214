/**
 * API failures as the rest of the agent sees them: which of these happened
 * decides what a loop does next (retry, re-read, give up leadership).
 */
export class KubeError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when no response arrived (network, timeout). */
    readonly status: number,
    /** The Status object's reason (NotFound, Conflict, Invalid, Expired...) or a transport code. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KubeError';
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  get isConflict(): boolean {
    return this.status === 409;
  }

  get isGone(): boolean {
    return this.status === 410;
  }

  /** No answer from the API server (refused, reset, timed out). */
  get isUnavailable(): boolean {
    return this.status === 0 || this.status === 503 || this.status === 504;
  }
}

/** A non-2xx answer as the request layer (request.ts) throws it: the HTTP code and the body, a Status object as a rule. */
export class KubeStatusError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`HTTP ${code}`);
    this.name = 'KubeStatusError';
  }
}

interface StatusBody {
  reason?: string;
  message?: string;
}

function parseStatus(body: unknown): StatusBody {
  if (body === null || typeof body !== 'object' && typeof body !== 'string') return {};
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body.slice(0, 200) };
    }
  }
  return body ?? {};
}

/** Maps whatever a call threw (a Status answer, a deadline, a transport error) into a KubeError with a readable message. */
export function toKubeError(err: unknown, what: string): KubeError {
  if (err instanceof KubeError) return err;
  if (err instanceof KubeStatusError) {
    const status = parseStatus(err.body);
    return new KubeError(`${what}: ${err.code} ${status.reason ?? ''} ${status.message ?? ''}`.trim(), err.code, status.reason ?? `HTTP${err.code}`, { cause: err });
  }
  const e = err as { name?: string; code?: string; message?: string; type?: string };
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.type === 'aborted') {
    return new KubeError(`${what}: timed out or aborted`, 0, 'Timeout', { cause: err });
  }
  return new KubeError(`${what}: ${e.code ?? e.name ?? 'Error'} ${e.message ?? String(err)}`.trim(), 0, e.code ?? 'Transport', { cause: err });
}
