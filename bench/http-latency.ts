/**
 * HTTP latency of /livez, /readyz and /load on a running sidecar under
 * concurrent load: autocannon (in this process, closed loop) with
 * `connections` keep-alive connections for `seconds` per run, `repeats` runs
 * per route; p50 and p99 of each run, then the median over runs with min–max.
 * autocannon's own histogram has 1 ms buckets, too coarse for loopback, so
 * the percentiles come from the exact response times of its `response` events.
 */
import autocannon from 'autocannon';
import { quantile, summarize, type Summary } from './lib/stats.js';

export const ROUTES = ['/livez', '/readyz', '/load'] as const;
export type Route = (typeof ROUTES)[number];

export interface RouteLatency {
  readonly route: Route;
  readonly p50Ms: Summary;
  readonly p99Ms: Summary;
  readonly requestsPerS: Summary;
  /** Responses other than 2xx plus connection errors, over all runs: must be 0. */
  readonly failures: number;
}

export interface LatencyOptions {
  readonly connections: number;
  readonly seconds: number;
  readonly repeats: number;
}

interface Run {
  readonly times: Float64Array;
  readonly result: autocannon.Result;
}

/** One autocannon run, keeping every 2xx response time (ms). */
function run(url: string, connections: number, seconds: number): Promise<Run> {
  let times = new Float64Array(1 << 16);
  let n = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: seconds }, (err, result) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve({ times: times.subarray(0, n).sort(), result });
    });
    instance.on('response', (_client, statusCode, _bytes, ms) => {
      if (statusCode < 200 || statusCode > 299) return;
      if (n === times.length) {
        const bigger = new Float64Array(times.length * 2);
        bigger.set(times);
        times = bigger;
      }
      times[n++] = ms;
    });
  });
}

export async function measureHttpLatency(port: number, o: LatencyOptions, log: (line: string) => void): Promise<RouteLatency[]> {
  const out: RouteLatency[] = [];
  // One short warm-up run per route (JIT, connection setup) that is not counted.
  for (const route of ROUTES) await run(`http://127.0.0.1:${port}${route}`, o.connections, 1);
  for (const route of ROUTES) {
    const p50: number[] = [];
    const p99: number[] = [];
    const rps: number[] = [];
    let failures = 0;
    for (let i = 0; i < o.repeats; i++) {
      const { times, result } = await run(`http://127.0.0.1:${port}${route}`, o.connections, o.seconds);
      p50.push(quantile(Array.from(times), 0.5));
      p99.push(quantile(Array.from(times), 0.99));
      rps.push(result.requests.average);
      failures += result.non2xx + result.errors + result.timeouts;
    }
    log(`  ${route}: p50 ${p50.map((v) => v.toFixed(2)).join('/')} ms, p99 ${p99.map((v) => v.toFixed(2)).join('/')} ms, ${rps.map(Math.round).join('/')} req/s`);
    out.push({ route, p50Ms: summarize(p50), p99Ms: summarize(p99), requestsPerS: summarize(rps), failures });
  }
  return out;
}
