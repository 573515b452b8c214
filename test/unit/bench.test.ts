import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { failoverRows, requestRows, scalingRows } from '../../bench/rows.js';
import { renderTable } from '../../bench/lib/report.js';
import { summarize } from '../../bench/lib/stats.js';
import type { ProcessFailover } from '../../bench/election-processes.js';
import type { RequestRate } from '../../bench/election-requests.js';
import type { ScalingFigures } from '../../bench/scaling-anchor.js';

/** Module path -> version a go.mod selects: a replace target wins over the require line. */
function goModVersions(path: string): Map<string, string> {
  const required = new Map<string, string>();
  const replaced = new Map<string, string>();
  let block = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line === ')') block = '';
    else if (/^(require|replace) \($/.test(line)) block = line.split(' ')[0]!;
    else {
      const replace = /^(?:replace )?(\S+)(?: \S+)? => (\S+) (\S+)$/.exec(line);
      const require = /^(?:require )?(\S+) (v\S+)$/.exec(line);
      if (replace && (block === 'replace' || line.startsWith('replace '))) replaced.set(replace[1]!, replace[3]!);
      else if (require && (block === 'require' || line.startsWith('require '))) required.set(require[1]!, require[2]!);
    }
  }
  return new Map([...required, ...replaced]);
}

test('the go-elector builds from the control plane\'s module versions', () => {
  const elector = goModVersions('bench/go-elector/go.mod');
  const controlPlane = goModVersions('test/controlplane/go.mod');
  assert.ok(elector.size > 10, 'bench/go-elector/go.mod lists its modules');
  const kubernetes = controlPlane.get('k8s.io/kubernetes');
  assert.match(kubernetes ?? '', /^v1\.\d+\.\d+$/);
  assert.equal(elector.get('k8s.io/client-go'), kubernetes!.replace(/^v1\./, 'v0.'), 'client-go is the staging release of the control plane\'s Kubernetes');
  const differing = [...elector].filter(([mod, version]) => controlPlane.has(mod) && controlPlane.get(mod) !== version);
  assert.deepEqual(differing.map(([mod, v]) => `${mod} ${v} (control plane: ${controlPlane.get(mod)})`), []);
  const missing = [...elector.keys()].filter((mod) => !controlPlane.has(mod));
  assert.deepEqual(missing, [], 'every module the elector builds with is one the control plane builds with too');
});

const s = (...values: number[]) => summarize(values);
const idle = { rssMiB: [150, 151], cpuMsPerS: [4] };

test('election rows put client-go\'s real elector beside vnf-agent and name it', () => {
  const p: ProcessFailover = {
    members: 3, seed: 34,
    groups: [
      { implementation: 'vnf-agent', kill9: s(7), sigterm: s(0.1), notes: [], idle, idlePid: 1 },
      { implementation: 'client-go', kill9: s(10), sigterm: s(2), notes: [], idle: { rssMiB: [26, 27], cpuMsPerS: [0] }, idlePid: 2 },
    ],
  };
  const rows = failoverRows(p, 2);
  const kill = rows.find((r) => r.benchmark.includes('kill -9'))!;
  assert.equal(kill.ours?.median, 7);
  assert.equal(kill.anchor?.median, 10);
  assert.match(kill.anchorIs ?? '', /^client-go v0\.\d+\.\d+ leaderelection$/);
  const rss = rows.find((r) => r.benchmark.startsWith('election: RSS'))!;
  assert.equal(rss.anchor?.median, 26.5);
  const rate = (mode: 'vnf-agent' | 'client-go', reads: number): RequestRate => ({
    electors: 3, mode, reads: s(reads), writes: s(30), seconds: 60,
    totals: { get: 0, list: 0, watch: 0, create: 0, update: 0, other: 0, watchEvents: 0 },
  });
  const requests = requestRows([rate('vnf-agent', 3), rate('client-go', 40)], 60);
  assert.deepEqual(requests.map((r) => [r.ours?.median, r.anchor?.median]), [[3, 40], [30, 30]]);
  for (const r of [...rows, ...requests]) assert.doesNotMatch(`${r.benchmark} ${r.anchorIs} ${r.over}`, /model/);
});

test('every scaling row says in the table itself that it is a model', () => {
  const figures = (scaler: ScalingFigures['scaler']): ScalingFigures => ({
    scaler, upReactionStepS: s(1), upReactionSpikeS: s(1), downReactionStepS: s(1), reversals: s(1), replicaHours: s(1), failedPercent: s(1), failedSpikePercent: s(1),
  });
  const rows = scalingRows([figures('vnf-agent'), figures('hpa')]);
  const table = renderTable(rows).split('\n');
  assert.match(table[0]!, /\| anchor is +\|/);
  assert.equal(table.length, rows.length + 2);
  for (const line of table.slice(2)) {
    const cells = line.split('|').map((c) => c.trim());
    assert.match(cells[1]!, /^scaling, model: /, line);
    assert.match(cells[4]!, /model/, line);
  }
});
