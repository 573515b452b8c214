/**
 * Names of the sources and of the raw keys a target may be set for. Kept free
 * of imports so the config rules can validate settings against them.
 */
export const SOURCE_NAMES = ['sip-options', 'socket', 'kamailio', 'prometheus'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export const TARGET_KEYS: Readonly<Record<Exclude<SourceName, 'prometheus'>, readonly string[]>> = {
  'sip-options': ['rttMs'],
  socket: ['udpRxQueueBytes', 'tcpEstablished', 'tcpListenBacklog'],
  kamailio: ['activeTransactions', 'activeDialogs', 'requestsPerS', 'shmUsedRatio'],
};

/** target per raw key, per source: `targets['socket']['udpRxQueueBytes'] = 100000`. */
export type Targets = Readonly<Record<string, Readonly<Record<string, number>>>>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Splits a comma list, dropping blanks: `"a, b,,"` is `["a", "b"]`. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function parseSources(text: string): Parsed<SourceName[]> {
  const names = commaList(text);
  const unknown = names.filter((n) => !(SOURCE_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) return { ok: false, errors: unknown.map((n) => `unknown source ${JSON.stringify(n)} (known: ${SOURCE_NAMES.join(', ')})`) };
  return { ok: true, value: [...new Set(names)] as SourceName[] };
}

/** Parses `source.key=number,...`; a target must be a positive finite number. */
export function parseTargets(text: string): Parsed<Targets> {
  const targets: Record<string, Record<string, number>> = {};
  const errors: string[] = [];
  for (const entry of commaList(text)) {
    const match = /^([a-z-]+)\.([A-Za-z]+)=(.+)$/.exec(entry);
    const [, source, key, value] = match ?? [];
    if (source === undefined || key === undefined || value === undefined) {
      errors.push(`${JSON.stringify(entry)} is not source.key=number`);
      continue;
    }
    const known = (TARGET_KEYS as Record<string, readonly string[] | undefined>)[source];
    const target = Number(value);
    if (!known?.includes(key)) errors.push(`${source}.${key} has no target (targets: ${targetList()})`);
    else if (!Number.isFinite(target) || target <= 0) errors.push(`${source}.${key} target must be a positive number (got ${value})`);
    else (targets[source] ??= {})[key] = target;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: targets };
}

function targetList(): string {
  return Object.entries(TARGET_KEYS)
    .flatMap(([source, keys]) => keys.map((k) => `${source}.${k}`))
    .join(', ');
}

/** Parses a comma list of ports. */
export function parsePorts(text: string): Parsed<number[]> {
  const ports = commaList(text).map(Number);
  const bad = ports.filter((p) => !Number.isInteger(p) || p < 1 || p > 65535);
  return bad.length > 0 ? { ok: false, errors: [`ports must be integers 1-65535 (got ${text})`] } : { ok: true, value: [...new Set(ports)] };
}
