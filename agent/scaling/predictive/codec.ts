import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { BUCKETS_PER_WEEK, BUCKET_SECONDS } from './week.js';
import type { LoadCurve } from './curve.js';

/**
 * The load curve as ConfigMap content: small text fields under `data`, the
 * per-bucket arrays as one deflated byte string under `binaryData` (the API
 * carries it base64). Raw it is 4 bytes per bucket (8064 bytes for a week of
 * 5-minute buckets); deflated, a real curve is a few hundred bytes, and never
 * more than ~8 KiB. Decoding checks everything, because the ConfigMap is
 * editable by anyone with access: a malformed one is an error the caller
 * logs, never a crash.
 */
export const FORMAT = 'vnf-agent.dev/load-curve-v1';
export const CURVE_KEY = 'curve';
const RAW_BYTES = BUCKETS_PER_WEEK * 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface CurvePayload {
  readonly data: Record<string, string>;
  readonly binaryData: Record<string, string>;
}

export class MalformedHistoryError extends Error {
  constructor(message: string) {
    super(`malformed load history: ${message}`);
    this.name = 'MalformedHistoryError';
  }
}

export function encodeCurve(curve: LoadCurve): CurvePayload {
  const raw = Buffer.alloc(RAW_BYTES);
  for (let b = 0; b < BUCKETS_PER_WEEK; b++) raw.writeUInt16LE(curve.level[b]!, b * 2);
  raw.set(curve.stamp, BUCKETS_PER_WEEK * 2);
  raw.set(curve.weeks, BUCKETS_PER_WEEK * 3);
  const data: Record<string, string> = { format: FORMAT, bucketSeconds: String(BUCKET_SECONDS) };
  if (curve.startToReadySeconds !== null) data.startToReadySeconds = String(curve.startToReadySeconds);
  return { data, binaryData: { [CURVE_KEY]: deflateRawSync(raw).toString('base64') } };
}

/** The curve stored in a ConfigMap's data and binaryData; throws MalformedHistoryError. */
export function decodeCurve(data: Record<string, string> | undefined, binaryData: Record<string, string> | undefined): LoadCurve {
  if (data?.format !== FORMAT) throw new MalformedHistoryError(`data.format is ${JSON.stringify(data?.format)}, expected ${FORMAT}`);
  if (data.bucketSeconds !== String(BUCKET_SECONDS)) throw new MalformedHistoryError(`data.bucketSeconds is ${JSON.stringify(data.bucketSeconds)}, expected ${BUCKET_SECONDS}`);
  const startToReadySeconds = readySeconds(data.startToReadySeconds);
  const raw = inflate(binaryData?.[CURVE_KEY]);
  const level = new Uint16Array(BUCKETS_PER_WEEK);
  for (let b = 0; b < BUCKETS_PER_WEEK; b++) level[b] = raw.readUInt16LE(b * 2);
  const stamp = new Uint8Array(raw.subarray(BUCKETS_PER_WEEK * 2, BUCKETS_PER_WEEK * 3));
  const weeks = new Uint8Array(raw.subarray(BUCKETS_PER_WEEK * 3, RAW_BYTES));
  const stray = weeks.findIndex((w, b) => w === 0 && (level[b] !== 0 || stamp[b] !== 0));
  if (stray >= 0) throw new MalformedHistoryError(`bucket ${stray} holds a level but no week`);
  return { level, stamp, weeks, startToReadySeconds };
}

function readySeconds(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 3600) throw new MalformedHistoryError(`data.startToReadySeconds ${JSON.stringify(text)} is not a number of seconds in (0, 3600]`);
  return n;
}

function inflate(text: string | undefined): Buffer {
  if (text === undefined) throw new MalformedHistoryError(`binaryData.${CURVE_KEY} is missing`);
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new MalformedHistoryError(`binaryData.${CURVE_KEY} is not base64`);
  let raw: Buffer;
  try {
    // The bound stops a crafted value from inflating into memory without end.
    raw = inflateRawSync(Buffer.from(text, 'base64'), { maxOutputLength: RAW_BYTES });
  } catch (err) {
    throw new MalformedHistoryError(`binaryData.${CURVE_KEY} does not inflate to ${RAW_BYTES} bytes (${(err as Error).message})`);
  }
  if (raw.length !== RAW_BYTES) throw new MalformedHistoryError(`binaryData.${CURVE_KEY} holds ${raw.length} bytes, expected ${RAW_BYTES}`);
  return raw;
}
