import type { Parsed } from './targets.js';

/** One configured series: which samples to sum, whether as a rate, and its target. */
export interface SeriesSpec {
  /** The text as configured; it is the raw key in the LoadSample. */
  readonly key: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Per-second increase between scrapes instead of the value (for counters). */
  readonly rate: boolean;
  readonly target?: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

/**
 * Parses `signalPrometheusSeries`: entries separated by `;`, each
 * `[rate(]name[{label="value",...}][)][=target]`. Samples of a family whose
 * labels include the given ones are summed. `rate(...)` turns a cumulative
 * counter into its per-second increase; Kamailio's xhttp_prom exports counters
 * untyped, so the rate is asked for, not guessed from `# TYPE`.
 */
export function parseSeries(text: string): Parsed<SeriesSpec[]> {
  const specs: SeriesSpec[] = [];
  const errors: string[] = [];
  for (const entry of text.split(';').map((s) => s.trim()).filter((s) => s !== '')) {
    const spec = parseEntry(entry);
    if (typeof spec === 'string') errors.push(`${JSON.stringify(entry)}: ${spec}`);
    else if (specs.some((s) => s.key === spec.key)) errors.push(`${JSON.stringify(spec.key)} is listed twice`);
    else specs.push(spec);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: specs };
}

function parseEntry(entry: string): SeriesSpec | string {
  const eq = entry.lastIndexOf('=');
  const hasTarget = eq > entry.lastIndexOf('}') && eq > entry.lastIndexOf(')');
  const selector = (hasTarget ? entry.slice(0, eq) : entry).trim();
  const target = hasTarget ? Number(entry.slice(eq + 1)) : undefined;
  if (target !== undefined && (!Number.isFinite(target) || target <= 0)) return 'target must be a positive number';
  const rateMatch = /^rate\((.*)\)$/.exec(selector);
  const inner = rateMatch?.[1]?.trim() ?? selector;
  const brace = inner.indexOf('{');
  const name = brace === -1 ? inner : inner.slice(0, brace);
  if (!METRIC_NAME.test(name)) return 'not a metric name';
  const labels = brace === -1 ? {} : parseLabels(inner.slice(brace));
  if (labels === undefined) return 'labels must look like {name="value",...}';
  const spec = { key: selector, name, labels, rate: rateMatch !== null };
  return target === undefined ? spec : { ...spec, target };
}

function parseLabels(text: string): Record<string, string> | undefined {
  if (!text.endsWith('}')) return undefined;
  const body = text.slice(1, -1);
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < body.length) {
    const match = LABEL.exec(body);
    if (!match?.[1] || match[2] === undefined) return body.slice(LABEL.lastIndex).trim() === '' ? labels : undefined;
    labels[match[1]] = match[2].replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}
