/**
 * Cost of the SIP probe, printed as a table:
 *   node --import tsx bench/signals-probe.ts [--probes 1000] [--parse 20000] [--fuzz 1000000]
 * CPU per 1k probes is this process's user+system time against a local
 * Kamailio (started here on loopback and always stopped); parse rates are
 * messages per second through sip.js' parser with our checks.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../agent/clock/clock.js';
import { buildOptions, parseSipMessage } from '../agent/signals/sip/message.js';
import type { SipProber } from '../agent/signals/sip/prober.js';
import { TcpProber } from '../agent/signals/sip/tcp-prober.js';
import { UdpProber } from '../agent/signals/sip/udp-prober.js';
import { startKamailio } from '../test/support/kamailio.js';
import { TEMPLATES, fuzzInput, prng } from './signals-fuzz-inputs.js';

const { values } = parseArgs({ options: { probes: { type: 'string', default: '1000' }, parse: { type: 'string', default: '20000' }, fuzz: { type: 'string', default: '0' } } });
const PROBES = Number(values.probes);
const PARSES = Number(values.parse);
const FUZZ = Number(values.fuzz);
const HOST = '127.0.0.46';

const rows: [string, string, string][] = [];

function rate(name: string, inputs: readonly string[]): void {
  const started = performance.now();
  for (const input of inputs) parseSipMessage(input);
  const seconds = (performance.now() - started) / 1000;
  rows.push([`parse: ${name}`, `${Math.round(inputs.length / seconds).toLocaleString('en')} msg/s`, `${inputs.length} messages in ${seconds.toFixed(2)} s`]);
}

async function probeCost(prober: SipProber): Promise<void> {
  await prober.probe(AbortSignal.timeout(2_000)); // warm-up: bind, JIT
  const cpu = process.cpuUsage();
  const started = performance.now();
  let failures = 0;
  for (let i = 0; i < PROBES; i++) {
    const outcome = await prober.probe(AbortSignal.timeout(2_000));
    if (outcome.kind !== 'answered' || outcome.statusCode !== 200) failures++;
  }
  const used = process.cpuUsage(cpu);
  const wall = (performance.now() - started) / 1000;
  const cpuMsPer1k = ((used.user + used.system) / 1000 / PROBES) * 1000;
  rows.push([`probe ${prober.transport} x${PROBES}`, `${cpuMsPer1k.toFixed(0)} ms CPU / 1k probes`, `${((wall / PROBES) * 1000).toFixed(2)} ms wall each, ${failures} not 200`]);
  await prober.close();
}

const ours = buildOptions({ transport: 'udp', targetHost: HOST, targetPort: 5060, localHost: HOST, localPort: 40000 });
const ok200 = TEMPLATES[0]!.replace('fuzz-call-1', ours.callId);
rate('200 OK', Array.from({ length: PARSES }, () => ok200));
rate('503 + Retry-After (compact)', Array.from({ length: PARSES }, () => TEMPLATES[1]!));
const next = prng(1);
rate('fuzz mix', Array.from({ length: PARSES }, () => fuzzInput(next)));

if (FUZZ > 0) {
  const fuzzNext = prng(42);
  const started = performance.now();
  const counts: Record<string, number> = {};
  for (let i = 0; i < FUZZ; i++) {
    const kind = parseSipMessage(fuzzInput(fuzzNext)).kind;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  rows.push([`fuzz x${FUZZ}`, `${((performance.now() - started) / 1000).toFixed(1)} s, no crash`, JSON.stringify(counts)]);
}

const kamailio = await startKamailio({ host: HOST });
try {
  const options = { targetHost: HOST, targetPort: kamailio.port, localHost: HOST, timeoutMs: 1_000, clock: systemClock };
  await probeCost(new UdpProber(options));
  await probeCost(new TcpProber(options));
} finally {
  await kamailio.stop();
}

const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['what', 'result', 'detail'][i]!.length));
const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
console.log(line(['what', 'result', 'detail']));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(line(r));
