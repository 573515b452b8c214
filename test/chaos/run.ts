import { parseArgs } from 'node:util';
import { provenance, writeResult } from '../../bench/lib/result.js';
import { runChaos, summary, violationCount } from './chaos-run.js';
import { CHAOS_MODES, type ChaosMode } from './bed.js';

/**
 * Long chaos runs: `npm run chaos -- --minutes 30 --seed 7 [--sidecars 4] [--mode processes|pods|realnode] [--gap MS] [--out FILE] [--audit FILE]`.
 * `--mode pods` runs the members as pods of the simulated kubelet, `realnode`
 * as pods on the real node (kubelet, containerd, the project's images): kills
 * are then container deaths the kubelet reports, and standbys take over on that proof;
 * `--gap` is the mean time between faults (800 ms).
 * Prints progress, then the summary (faults by kind, violations, leader
 * changes, writes), and writes the whole report with its provenance (seed,
 * commit, machine, date) to bench/results/chaos.json, the file the README
 * quotes; exits 1 when any invariant was violated.
 */
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    sidecars: { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench/results/chaos.json' },
    audit: { type: 'string' },
    mode: { type: 'string', default: 'processes' },
    gap: { type: 'string' },
  },
});
const minutes = Number(values.minutes);
const seed = Number(values.seed);
const sidecars = Number(values.sidecars);
const gapMs = values.gap === undefined ? undefined : Number(values.gap);
const mode = values.mode as ChaosMode;
if (!(minutes > 0) || !Number.isInteger(seed) || !(sidecars >= 2 && sidecars <= 8) || (gapMs !== undefined && !(gapMs >= 100)) || !CHAOS_MODES.includes(mode)) {
  process.stderr.write('usage: npm run chaos -- --minutes N --seed S [--sidecars 2..8] [--mode processes|pods|realnode] [--gap MS>=100] [--out FILE] [--audit FILE]\n');
  process.exit(2);
}
// Taken before the run: the commit and machine state the figures belong to.
const from = provenance();
const t0 = Date.now();
const report = await runChaos({ seed, runMs: minutes * 60_000, sidecars, mode, ...(gapMs ? { meanGapMs: gapMs } : {}), ...(values.audit ? { keepAudit: values.audit } : {}), progress: (l) => process.stdout.write(`[${Math.round((Date.now() - t0) / 1000)} s] ${l}\n`) });
process.stdout.write(`${summary(report)}\n`);
const counts = {
  faults: report.totalFaults,
  faultsByKind: report.faults,
  violations: violationCount(report),
  leaderChanges: report.leaderChanges,
  provenTakeovers: report.provenTakeovers,
  terms: report.terms,
  leaderOnlyWrites: report.writes['leader-only (total)'] ?? 0,
  refusedWrites: report.writes.refused ?? 0,
  readyBlips: report.readyBlips.length,
  convergenceMs: report.convergenceMs,
};
writeResult(values.out, {
  kind: 'chaos', command: `npm run chaos -- --minutes ${minutes} --seed ${seed} --sidecars ${sidecars} --mode ${mode}${gapMs ? ` --gap ${gapMs}` : ''}`, seed, mode, ...from, date: from.machine.date,
  durationS: Math.round((Date.now() - t0) / 1000), minutes, sidecars, counts, report,
});
process.stdout.write(`wrote ${values.out}\n`);
process.exit(counts.violations === 0 ? 0 : 1);
