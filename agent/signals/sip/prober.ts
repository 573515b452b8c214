import type { Clock } from '../../clock/clock.js';
import { parseSipMessage, type BuiltRequest, type SipResponse, type SipTransport } from './message.js';

export type ProbeOutcome =
  | {
      readonly kind: 'answered';
      readonly transport: SipTransport;
      readonly statusCode: number;
      readonly reasonPhrase: string;
      readonly rttMs: number;
      readonly retryAfterS?: number;
      /** UDP only: how often timer A resent the request before the answer. */
      readonly retransmits: number;
    }
  | { readonly kind: 'timeout'; readonly transport: SipTransport; readonly afterMs: number }
  | { readonly kind: 'error'; readonly transport: SipTransport; readonly reason: string }
  | { readonly kind: 'malformed'; readonly transport: SipTransport; readonly reason: string };

/** Data seen on the probe's sockets since it started; cumulative. */
export interface ProbeCounters {
  /** Bytes that were no SIP message, or a response we cannot trust. */
  readonly malformed: number;
  /** Well-formed messages that belong to no probe of ours (late, foreign, requests). */
  readonly stray: number;
}

/**
 * Sends one OPTIONS to the local SIP server and waits for its final answer.
 * Implementations own their sockets and timers and must settle within their
 * configured timeout, or at once when `signal` aborts.
 */
export interface SipProber {
  readonly transport: SipTransport;
  probe(signal: AbortSignal): Promise<ProbeOutcome>;
  counters(): ProbeCounters;
  close(): Promise<void>;
}

export interface ProberOptions {
  readonly targetHost: string;
  readonly targetPort: number;
  /** Address our socket binds to (the pod IP), so the server sees a node-local peer. */
  readonly localHost: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
}

/** Counts what arrives and tells whether a message answers the request in flight. */
export class ResponseMatcher {
  malformed = 0;
  stray = 0;

  /** Returns the final response for `request`, `provisional` for its 1xx, or undefined. */
  match(text: string, request: BuiltRequest | undefined): SipResponse | 'provisional' | undefined {
    const parsed = parseSipMessage(text);
    if (parsed.kind === 'malformed') {
      this.malformed++;
      return undefined;
    }
    const ours =
      parsed.kind === 'response' &&
      request !== undefined &&
      parsed.callId === request.callId &&
      parsed.branch === request.branch &&
      parsed.cseqMethod === 'OPTIONS';
    if (!ours) {
      this.stray++;
      return undefined;
    }
    return parsed.statusCode < 200 ? 'provisional' : parsed;
  }

  counters(): ProbeCounters {
    return { malformed: this.malformed, stray: this.stray };
  }
}

export function answered(transport: SipTransport, response: SipResponse, rttMs: number, retransmits: number): ProbeOutcome {
  const base = { kind: 'answered' as const, transport, statusCode: response.statusCode, reasonPhrase: response.reasonPhrase, rttMs, retransmits };
  return response.retryAfterS === undefined ? base : { ...base, retryAfterS: response.retryAfterS };
}

export function abortedOutcome(transport: SipTransport): ProbeOutcome {
  return { kind: 'error', transport, reason: 'probe aborted' };
}
