/** Types for parse-prometheus-text-format 1.1.1 (it ships none); output follows prom2json. */
declare module 'parse-prometheus-text-format' {
  export interface PromMetric {
    readonly value?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly timestamp_ms?: string;
    readonly buckets?: Readonly<Record<string, string>>;
    readonly quantiles?: Readonly<Record<string, string>>;
    readonly count?: string;
    readonly sum?: string;
  }
  export interface PromFamily {
    readonly name: string;
    readonly help: string;
    readonly type: 'COUNTER' | 'GAUGE' | 'UNTYPED' | 'HISTOGRAM' | 'SUMMARY';
    readonly metrics: readonly PromMetric[];
  }
  /** Throws on a line it cannot read. */
  export default function parsePrometheusTextFormat(text: string): PromFamily[];
}
