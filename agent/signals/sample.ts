import Type, { type Static } from 'typebox';
import { Nullable } from '../model/nullable.js';

/**
 * What one source saw in one pass. `missing` means the thing to measure is not
 * there (no socket on the port, no such series); `malformed` means it answered
 * with data we could not trust; neither is ever reported as zero load.
 */
export const SignalStatus = Type.Enum(['ok', 'missing', 'malformed', 'timeout', 'error']);
export type SignalStatus = Static<typeof SignalStatus>;

export const SignalSample = Type.Object(
  {
    raw: Type.Record(Type.String(), Type.Number(), { description: 'Raw values as measured, keyed by the source\'s own names.' }),
    normalized: Nullable(Type.Number(), {
      description: 'Largest raw/target over the keys that have a target; null when unusable or nothing has a target.',
    }),
    status: SignalStatus,
    reason: Type.Optional(Type.String({ description: 'Why the status is not ok, or what overload was seen.' })),
  },
  { additionalProperties: false },
);
export type SignalSample = Static<typeof SignalSample>;

/**
 * This pod's load, as served on `GET /load` and read by the leader from its
 * peers. Keep it stable: fields may be added, never renamed.
 */
export const LoadSample = Type.Object(
  {
    pod: Type.String(),
    time: Type.String({ description: 'Wall time (ISO 8601) the pass finished.' }),
    utilization: Nullable(Type.Number({ minimum: 0 }), {
      description: '1.0 = at target; smoothed max of the normalized signals; null when no signal was usable.',
    }),
    overloaded: Type.Boolean({ description: 'A 503 or a receive drop was seen in this window.' }),
    healthy: Type.Boolean({ description: 'Every configured SIP OPTIONS probe got a 2xx.' }),
    reason: Type.String({ description: 'The one sentence the sampler logged for this pass.' }),
    signals: Type.Record(Type.String(), SignalSample),
  },
  { $id: 'LoadSample', additionalProperties: false },
);
export type LoadSample = Static<typeof LoadSample>;

/** One source's answer to one read; the sampler turns it into a SignalSample. */
export interface SignalReading {
  readonly status: SignalStatus;
  readonly raw: Readonly<Record<string, number>>;
  readonly reason?: string;
  /** Set when this window saw overload (a 503, a receive drop): what it was, in words. */
  readonly overload?: string;
  /** Set only by the SIP probe: did every probe get a 2xx? */
  readonly healthy?: boolean;
}

/**
 * The port every load signal implements. `read` must honour `signal` (abort
 * its I/O) and must not throw for bad data: malformed input is a reading with
 * status `malformed`. The sampler bounds it with a timeout anyway.
 */
export interface SignalSource {
  readonly name: string;
  read(signal: AbortSignal): Promise<SignalReading>;
  /** Releases sockets; called once at shutdown. */
  close?(): Promise<void>;
}
