/**
 * Every fuzzed surface at full size:
 *   npm run fuzz [-- --runs N --runs-of forward=N,bitten=N --seed S --only http,forward,bitten,config,sip --out FILE]
 * (100,000 inputs per surface by default; --runs-of sets some surfaces apart,
 * e.g. the forwarding ones, which make an HTTP exchange per forwarded input). Prints one table, writes every
 * count with its provenance (seed, commit, machine, date) to
 * bench/results/fuzz.json, and exits 1 when any input broke a property.
 * The bounded versions run in npm test (test/fuzz/, test/unit/signals-sip.test.ts).
 */
import { parseArgs } from 'node:util';
import { fuzzConfig } from './fuzz-config.js';
import { fuzzHttpBitten, fuzzHttpFollower, fuzzHttpLeader } from './fuzz-http.js';
import { fuzzSip } from './fuzz-sip.js';
import type { SurfaceResult } from './fuzz-surface.js';
import { machineLine } from './lib/report.js';
import { provenance, writeResult } from './lib/result.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    'runs-of': { type: 'string', default: '' },
    seed: { type: 'string', default: '1' },
    only: { type: 'string', default: 'http,forward,bitten,config,sip' },
    out: { type: 'string', default: 'bench/results/fuzz.json' },
  },
});
const seed = Number(values.seed);
const runsOf = new Map(values['runs-of'].split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]).map(([k, v]) => [k, Number(v)]));
const runs = (name: string): number => runsOf.get(name) ?? Number(values.runs);
const surfaces: Record<string, (n: number) => Promise<SurfaceResult> | SurfaceResult> = {
  http: (n) => fuzzHttpLeader(n, seed),
  forward: (n) => fuzzHttpFollower(n, seed),
  bitten: (n) => fuzzHttpBitten(n, seed),
  config: (n) => fuzzConfig(n, seed),
  sip: (n) => fuzzSip(n, seed),
};
const bad = [...Object.keys(surfaces), ...runsOf.keys()].some((name) => !(Number.isInteger(runs(name)) && runs(name) > 0));
if (bad || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run fuzz -- [--runs N] [--runs-of SURFACE=N,...] [--seed S] [--only http,forward,bitten,config,sip] [--out FILE]\n');
  process.exit(2);
}
const only = values.only.split(',');
const from = provenance();
const began = performance.now();
const results: SurfaceResult[] = [];
for (const name of only) {
  const run = surfaces[name];
  if (!run) {
    process.stderr.write(`unknown surface ${name}; known: ${Object.keys(surfaces).join(', ')}\n`);
    process.exit(2);
  }
  process.stderr.write(`[${Math.round((performance.now() - began) / 1000)} s] fuzz: ${name}, ${runs(name)} inputs, seed ${seed}\n`);
  results.push(await run(runs(name)));
}
const durationS = Math.round((performance.now() - began) / 1000);
const counts = { inputs: results.reduce((n, r) => n + r.inputs, 0), violations: results.reduce((n, r) => n + r.failures, 0) };
process.stdout.write(`\nfuzz: ${machineLine(from.machine)}; took ${durationS} s\n\n`);
process.stdout.write('| surface | inputs | failures | seconds | outcomes |\n| --- | --- | --- | --- | --- |\n');
for (const r of results) {
  const reached = r.reached ? ` (${Object.entries(r.reached).map(([k, v]) => `${k} ${v}`).join(', ')})` : '';
  process.stdout.write(`| ${r.surface} | ${r.inputs} | ${r.failures} | ${r.seconds} | ${Object.entries(r.outcomes).map(([k, v]) => `${k}: ${v}`).join(', ')}${reached} |\n`);
}
for (const r of results) for (const f of r.firstFailures) process.stdout.write(`${r.surface}: ${f}\n`);
writeResult(values.out, { kind: 'fuzz', command: `npm run fuzz -- --runs ${values.runs}${values['runs-of'] ? ` --runs-of ${values['runs-of']}` : ''} --seed ${seed} --only ${only.join(',')}`, seed, ...from, date: from.machine.date, durationS, counts, surfaces: results });
process.stderr.write(`wrote ${values.out}\n`);
process.exit(counts.violations === 0 ? 0 : 1);
