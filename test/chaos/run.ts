import { parseArgs } from 'node:util';
import { runChaos, summary, violationCount } from './chaos-run.js';

/**
 * Long chaos runs: `npm run chaos -- --minutes 30 --seed 7 [--sidecars 4] [--json out.json]`.
 * Prints progress, then the summary (faults by kind, violations, leader
 * changes, writes); exits 1 when any invariant was violated.
 */
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    sidecars: { type: 'string', default: '3' },
    json: { type: 'string' },
    audit: { type: 'string' },
  },
});
const minutes = Number(values.minutes);
const seed = Number(values.seed);
const sidecars = Number(values.sidecars);
if (!(minutes > 0) || !Number.isInteger(seed) || !(sidecars >= 2 && sidecars <= 8)) {
  process.stderr.write('usage: npm run chaos -- --minutes N --seed S [--sidecars 2..8] [--json FILE]\n');
  process.exit(2);
}
const t0 = Date.now();
const report = await runChaos({ seed, runMs: minutes * 60_000, sidecars, ...(values.audit ? { keepAudit: values.audit } : {}), progress: (l) => process.stdout.write(`[${Math.round((Date.now() - t0) / 1000)} s] ${l}\n`) });
process.stdout.write(`${summary(report)}\n`);
if (values.json) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(values.json, JSON.stringify(report, null, 2));
}
process.exit(violationCount(report) === 0 ? 0 : 1);
