import type { SignalReading, SignalSource, SignalStatus } from './sample.js';
import type { ProbeCounters, ProbeOutcome, SipProber } from './sip/prober.js';

/** Which outcome names the reading when transports disagree: the worst one. */
const SEVERITY: Record<ProbeOutcome['kind'], { status: SignalStatus; rank: number }> = {
  answered: { status: 'ok', rank: 0 },
  malformed: { status: 'malformed', rank: 1 },
  timeout: { status: 'timeout', rank: 2 },
  error: { status: 'error', rank: 3 },
};

/**
 * `sip-options`: one OPTIONS per configured transport, concurrently. The round
 * trip shows liveness more than load (Sprout answers OPTIONS ahead of its
 * queue); a 503 shows overload; `healthy` needs a 2xx on every transport.
 */
export class OptionsSource implements SignalSource {
  readonly name = 'sip-options';
  readonly #probers: readonly SipProber[];
  readonly #seen = new Map<SipProber, ProbeCounters>();

  constructor(probers: readonly SipProber[]) {
    if (probers.length === 0) throw new Error('sip-options needs at least one transport');
    this.#probers = probers;
  }

  async read(signal: AbortSignal): Promise<SignalReading> {
    const outcomes = await Promise.all(this.#probers.map((p) => p.probe(signal)));
    return { ...summarize(outcomes), raw: { ...rawValues(outcomes), ...this.#counterDeltas() } };
  }

  async close(): Promise<void> {
    await Promise.all(this.#probers.map((p) => p.close()));
  }

  /** Malformed and stray messages since the previous read, summed over transports. */
  #counterDeltas(): Record<string, number> {
    let malformed = 0;
    let stray = 0;
    for (const prober of this.#probers) {
      const now = prober.counters();
      const before = this.#seen.get(prober) ?? { malformed: 0, stray: 0 };
      malformed += now.malformed - before.malformed;
      stray += now.stray - before.stray;
      this.#seen.set(prober, { ...now });
    }
    return { malformed, stray };
  }
}

function rawValues(outcomes: readonly ProbeOutcome[]): Record<string, number> {
  const raw: Record<string, number> = {};
  for (const o of outcomes) {
    if (o.kind !== 'answered') continue;
    raw[`${o.transport}StatusCode`] = o.statusCode;
    raw[`${o.transport}RttMs`] = round(o.rttMs);
    if (o.transport === 'udp') raw.udpRetransmits = o.retransmits;
    if (o.retryAfterS !== undefined) raw[`${o.transport}RetryAfterS`] = o.retryAfterS;
  }
  const rtts = outcomes.flatMap((o) => (o.kind === 'answered' ? [o.rttMs] : []));
  if (rtts.length === outcomes.length) raw.rttMs = round(Math.max(...rtts));
  return raw;
}

function summarize(outcomes: readonly ProbeOutcome[]): Omit<SignalReading, 'raw'> {
  const worst = outcomes.reduce((a, b) => (SEVERITY[b.kind].rank > SEVERITY[a.kind].rank ? b : a));
  const problems = outcomes.filter((o) => o.kind !== 'answered').map(describeOutcome);
  const non2xx = outcomes.filter((o) => o.kind === 'answered' && (o.statusCode < 200 || o.statusCode > 299));
  const rejected = outcomes.filter((o) => o.kind === 'answered' && o.statusCode === 503);
  const healthy = outcomes.every((o) => o.kind === 'answered' && o.statusCode >= 200 && o.statusCode <= 299);
  const reasons = [...problems, ...non2xx.map(describeOutcome)];
  return {
    status: SEVERITY[worst.kind].status,
    healthy,
    ...(reasons.length > 0 ? { reason: reasons.join(', ') } : {}),
    ...(rejected.length > 0 ? { overload: rejected.map(describeOutcome).join(', ') } : {}),
  };
}

export function describeOutcome(o: ProbeOutcome): string {
  switch (o.kind) {
    case 'answered':
      return `${o.transport} got ${o.statusCode} ${o.reasonPhrase}${o.retryAfterS === undefined ? '' : ` (Retry-After ${o.retryAfterS} s)`}`;
    case 'timeout':
      return `${o.transport} got no answer within ${o.afterMs} ms`;
    case 'error':
      return `${o.transport} failed: ${o.reason}`;
    case 'malformed':
      return `${o.transport} answer was malformed: ${o.reason}`;
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
