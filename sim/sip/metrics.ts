import type { BonoProxy } from './bono.js';
import type { SproutUas } from './sprout.js';

/** What GET /stats answers and the dashboard shows; the same numbers as /metrics. */
export interface SimSipStats {
  readonly simulated: true;
  readonly role: 'sprout' | 'bono';
  readonly invites: number;
  readonly answered: number;
  readonly rejectedOverload: number;
  readonly rejectedCalls: number;
  readonly activeCalls: number;
  readonly queueLength: number;
  readonly busyWorkers: number;
  readonly tokenRate: number;
  readonly smoothedLatencyMs: number;
  readonly optionsAnswered: number;
  readonly capacityCallsPerSecond: number;
  readonly maxCalls: number;
  readonly peers: number;
  readonly forwarded: number;
  readonly noPeer503: number;
}

export function sproutStats(uas: SproutUas, capacityCps: number, maxCalls: number): SimSipStats {
  const p = uas.processor;
  return {
    simulated: true, role: 'sprout', invites: p.counters.invites, answered: p.counters.answered,
    rejectedOverload: p.counters.rejectedOverload, rejectedCalls: p.counters.rejectedCalls, activeCalls: p.activeCalls,
    queueLength: p.queueLength, busyWorkers: p.busyWorkers, tokenRate: p.monitor.rate, smoothedLatencyMs: p.monitor.smoothedLatencyMs,
    optionsAnswered: uas.optionsAnswered, capacityCallsPerSecond: capacityCps, maxCalls, peers: 0, forwarded: 0, noPeer503: 0,
  };
}

export function bonoStats(proxy: BonoProxy): SimSipStats {
  const c = proxy.counters;
  return {
    simulated: true, role: 'bono', invites: 0, answered: 0, rejectedOverload: c.upstream503, rejectedCalls: 0, activeCalls: 0,
    queueLength: 0, busyWorkers: 0, tokenRate: 0, smoothedLatencyMs: 0, optionsAnswered: c.optionsAnswered,
    capacityCallsPerSecond: 0, maxCalls: 0, peers: proxy.peers.length, forwarded: c.forwarded, noPeer503: c.noPeer503,
  };
}

const FAMILIES: [keyof SimSipStats, string, 'counter' | 'gauge', string][] = [
  ['invites', 'sim_sip_invites_received_total', 'counter', 'New INVITEs received (offered load)'],
  ['answered', 'sim_sip_invites_answered_total', 'counter', 'INVITEs answered 200 OK'],
  ['rejectedOverload', 'sim_sip_rejected_overload_total', 'counter', '503 + Retry-After: 0 from the load monitor or the queue timeout'],
  ['rejectedCalls', 'sim_sip_rejected_call_limit_total', 'counter', '503 because the call cap was reached'],
  ['activeCalls', 'sim_sip_calls_active', 'gauge', 'Established calls'],
  ['queueLength', 'sim_sip_queue_length', 'gauge', 'Requests waiting for a worker'],
  ['busyWorkers', 'sim_sip_workers_busy', 'gauge', 'Workers serving a request'],
  ['tokenRate', 'sim_sip_token_rate', 'gauge', 'Load monitor token refill rate (requests/s)'],
  ['smoothedLatencyMs', 'sim_sip_smoothed_latency_ms', 'gauge', 'Load monitor smoothed latency'],
  ['optionsAnswered', 'sim_sip_options_answered_total', 'counter', 'OPTIONS answered'],
  ['capacityCallsPerSecond', 'sim_sip_capacity_calls_per_second', 'gauge', 'Configured throughput'],
  ['maxCalls', 'sim_sip_capacity_calls', 'gauge', 'Configured call cap'],
  ['peers', 'sim_sip_peers', 'gauge', 'Routable upstream peers (Bono)'],
  ['forwarded', 'sim_sip_forwarded_total', 'counter', 'Requests forwarded upstream (Bono)'],
  ['noPeer503', 'sim_sip_no_peer_rejected_total', 'counter', '503 because no upstream was routable (Bono)'],
];

/** Prometheus text exposition 0.0.4 of the stats, labelled with the role. */
export function renderMetrics(stats: SimSipStats): string {
  const lines: string[] = [];
  for (const [key, name, type, help] of FAMILIES) {
    lines.push(`# HELP ${name} ${help} (simulated SIP server)`, `# TYPE ${name} ${type}`, `${name}{role="${stats.role}"} ${Number(stats[key])}`);
  }
  return `${lines.join('\n')}\n`;
}
