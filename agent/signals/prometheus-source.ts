import parsePrometheusTextFormat, { type PromFamily, type PromMetric } from 'parse-prometheus-text-format';
import type { Clock } from '../clock/clock.js';
import { CounterWindow } from './counters.js';
import type { HttpClient } from './http-client.js';
import type { SeriesSpec } from './prometheus-series.js';
import type { SignalReading, SignalSource } from './sample.js';

export interface PrometheusSourceOptions {
  readonly url: string;
  readonly series: readonly SeriesSpec[];
  readonly http: HttpClient;
  readonly clock: Clock;
}

/**
 * `prometheus`: scrapes the SIP server's own metrics page (Kamailio's
 * xhttp_prom, an exporter next to Sprout) and reads the configured series,
 * parsed by parse-prometheus-text-format (a port of the Prometheus client's
 * parser). A configured series that is absent makes the reading `missing`.
 */
export class PrometheusSource implements SignalSource {
  readonly name = 'prometheus';
  readonly #options: PrometheusSourceOptions;
  readonly #rates = new CounterWindow();

  constructor(options: PrometheusSourceOptions) {
    this.#options = options;
  }

  async read(signal: AbortSignal): Promise<SignalReading> {
    const reply = await this.#options.http.get(this.#options.url, signal);
    if (reply.status !== 200) return { status: 'error', raw: {}, reason: `scrape answered HTTP ${reply.status}` };
    let families: PromFamily[];
    try {
      families = parsePrometheusTextFormat(reply.body);
    } catch (err) {
      return { status: 'malformed', raw: {}, reason: `exposition text: ${(err as Error).message.slice(0, 120)}` };
    }
    const now = this.#options.clock.nowMs();
    const raw: Record<string, number> = {};
    const missing: string[] = [];
    for (const spec of this.#options.series) {
      const value = seriesValue(families, spec);
      if (value === undefined) missing.push(spec.key);
      else if (typeof value === 'string') return { status: 'malformed', raw: {}, reason: `${spec.key}: ${value}` };
      else if (!spec.rate) raw[spec.key] = value;
      else {
        const rate = this.#rates.observe(spec.key, value, now)?.perSecond;
        if (rate !== undefined) raw[spec.key] = rate;
      }
    }
    if (missing.length > 0) return { status: 'missing', raw, reason: `no series ${missing.join(', ')}` };
    return { status: 'ok', raw };
  }
}

/** The sum of matching samples; undefined when none match; a string when a value is unusable. */
export function seriesValue(families: readonly PromFamily[], spec: SeriesSpec): number | string | undefined {
  const { family, part } = findFamily(families, spec.name);
  if (family === undefined) return undefined;
  const matching = family.metrics.filter((m) => Object.entries(spec.labels).every(([k, v]) => m.labels?.[k] === v));
  if (matching.length === 0) return undefined;
  let total = 0;
  for (const metric of matching) {
    const text = pick(metric, part);
    const value = text === undefined ? NaN : Number(text);
    if (!Number.isFinite(value)) return `value ${JSON.stringify(text)} is not a finite number`;
    total += value;
  }
  return total;
}

type Part = 'value' | 'count' | 'sum';

/** Histograms and summaries are grouped under their base name; `x_count`/`x_sum` reach into them. */
function findFamily(families: readonly PromFamily[], name: string): { family?: PromFamily; part: Part } {
  const direct = families.find((f) => f.name === name && f.type !== 'HISTOGRAM' && f.type !== 'SUMMARY');
  if (direct) return { family: direct, part: 'value' };
  for (const part of ['count', 'sum'] as const) {
    const base = name.endsWith(`_${part}`) ? name.slice(0, -part.length - 1) : undefined;
    const family = families.find((f) => f.name === base && (f.type === 'HISTOGRAM' || f.type === 'SUMMARY'));
    if (family) return { family, part };
  }
  return { part: 'value' };
}

function pick(metric: PromMetric, part: Part): string | undefined {
  return part === 'value' ? metric.value : metric[part];
}
