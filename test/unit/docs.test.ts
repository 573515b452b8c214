import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONFIG_DOC_PATH, renderConfigDoc } from '../../scripts/gen-config-doc.js';
import { cell, summarize, type Summary } from '../../bench/lib/stats.js';
import type { Machine, Row } from '../../bench/lib/report.js';

test('docs/configuration.md lists every setting exactly as the schema says (run npm run gen:docs)', () => {
  assert.equal(readFileSync(CONFIG_DOC_PATH, 'utf8'), renderConfigDoc());
});

/** The repository's own files; the k8s.io .proto files are vendored as released and cite Kubernetes' docs. */
const tracked = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).split('\n').filter((p) => p !== '' && !p.startsWith('sim/apiserver/proto/k8s.io/'));
const texts = tracked.filter((p) => /\.(?:md|ts|js|ya?ml|tpl|sh|txt)$|Dockerfile$/.test(p) && p !== 'package-lock.json');

test('every .md file a doc or comment names is in the repository: the docs stand alone', () => {
  const missing: string[] = [];
  // Written in two parts so this file does not name it.
  const outside = `../${'shared'}/`;
  for (const path of texts) {
    if (readFileSync(path, 'utf8').includes(outside)) missing.push(`${path}: ${outside}`);
    for (const m of readFileSync(path, 'utf8').matchAll(/[\w./-]*[\w-]+\.md\b/g)) {
      const named = m[0].replace(/^\.?\//, '');
      if (!tracked.some((p) => p === named || p.endsWith(`/${named}`))) missing.push(`${path}: ${m[0]}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every relative link in the markdown docs leads to a file or folder of the repository', () => {
  const broken: string[] = [];
  for (const path of texts.filter((p) => p.endsWith('.md'))) {
    for (const m of readFileSync(path, 'utf8').matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z]+:/.test(target)) continue;
      if (!existsSync(join(dirname(path), target))) broken.push(`${path}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the examples (manifests and the consumer chart) leave spec.replicas to the leader, as the chart does', () => {
  for (const path of tracked.filter((p) => /^(?:charts\/)?examples\//.test(p) && /\.ya?ml$/.test(p))) {
    assert.doesNotMatch(readFileSync(path, 'utf8'), /^\s+replicas:/m, `${path}: a replicas field resets the leader's count on every kubectl apply`);
  }
});

const fmt = (n: number): string => n.toLocaleString('en');
/** The README as one line: figures may wrap anywhere. */
const readme = (): string => readFileSync('README.md', 'utf8').replace(/\s+/g, ' ');
const result = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

interface ChaosResult {
  command: string; commit: string; date: string;
  counts: { faults: number; faultsByKind: Record<string, number>; violations: number; leaderChanges: number; provenTakeovers?: number; terms: number; refusedWrites: number; convergenceMs: number };
  report: { writes: Record<string, number> };
}
interface FuzzResult {
  command: string; commit: string; date: string; durationS: number;
  counts: { inputs: number; violations: number };
  surfaces: { inputs: number; failures: number; seconds: number; outcomes: Record<string, number>; reached?: Record<string, number> }[];
}

interface PredictiveResult {
  command: string;
  machine: { date: string; commit: string };
  summary: Record<'reactive' | 'predictive' | 'hpa', { failedMorning: number; replicaHours: number }> & { replicaHoursIncrease: number };
}

/** What the README quotes of a chaos run; runs with the members as pods also count the takeovers on proof of death. */
function chaosQuotes(path: string): string[] {
  const r = result<ChaosResult>(path);
  const [c, k, w] = [r.counts, r.counts.faultsByKind, r.report.writes];
  return [
    `[\`${path}\`](${path})`, r.date.slice(0, 10), `commit ${r.commit.slice(0, 7)}`, `\`${r.command}\``,
    `**${fmt(c.faults)} faults** (${fmt(k.latency ?? 0)} latency, ${fmt(k.reset ?? 0)} resets, ${fmt(k.freeze ?? 0)} frozen connections, ${fmt(k.partition ?? 0)} partitions, ${fmt(k.sigstop ?? 0)} SIGSTOP, ${fmt(k.sigkill ?? 0)} SIGKILL)`,
    `**${c.violations} invariant violations**`, `${c.leaderChanges} leader changes over ${c.terms} terms`, `convergence ${fmt(c.convergenceMs)} ms`,
    ...(c.provenTakeovers === undefined ? [] : [`${c.provenTakeovers} of them before the lease expired, each on the kubelet's proof`]),
    `${w['patch deployments/scale'] ?? 0} scale writes, ${w['patch vnfclusters/status'] ?? 0} status writes, ${w['leader-only pod annotations'] ?? 0} pod annotations and ${w['update leases'] ?? 0} Lease updates`,
    `${c.refusedWrites} writes the API server refused`,
  ];
}

/** Every figure the README quotes for a chaos or fuzz run comes from the committed result file it links. */
const quotes: [string, () => string[]][] = [
  ['bench/results/chaos.json', () => chaosQuotes('bench/results/chaos.json')],
  ['bench/results/chaos-pods.json', () => chaosQuotes('bench/results/chaos-pods.json')],
  ['bench/results/chaos-realnode.json', () => chaosQuotes('bench/results/chaos-realnode.json')],
  ['bench/results/fuzz.json', () => {
    const r = result<FuzzResult>('bench/results/fuzz.json');
    const [http, forward, bitten, config, sip] = r.surfaces;
    if (!http || !forward?.reached || !bitten?.reached || !config || !sip) throw new Error('fuzz.json lacks a surface the README quotes');
    return [
      '[`bench/results/fuzz.json`](bench/results/fuzz.json)', r.date.slice(0, 10), `commit ${r.commit.slice(0, 7)}`, `\`${r.command}\`, ${r.durationS} s`,
      `**${r.counts.violations} failures** in ${fmt(r.counts.inputs)} inputs`,
      `${fmt(http.inputs)} requests, no 5xx but \`/readyz\`'s documented 503, ${http.seconds} s`,
      `${fmt(forward.inputs)} requests, ${fmt(forward.reached.forwarded ?? 0)} forwarded, each answered as the leader answers the same request sent to it directly, ${forward.seconds} s`,
      `${fmt(bitten.inputs)} requests, ${fmt(bitten.reached.forwarded ?? 0)} forwarded; ${fmt(bitten.reached['sidecar answers relayed'] ?? 0)} sidecar answers relayed as sent, ${fmt(bitten.reached['other answers or none, made a 502'] ?? 0)} other answers`,
      `${fmt(config.inputs)} inputs, ${fmt(config.outcomes['rejected, every bad setting named'] ?? 0)} rejected with every bad setting named, ${fmt(config.outcomes.accepted ?? 0)} accepted, ${config.seconds} s`,
      `${fmt(sip.inputs)} random and mutated messages, no crash, ${sip.seconds} s`,
    ];
  }],
  ['bench/results/footprint.json', () => {
    const r = result<{ machine: Machine; rows: Row[] }>('bench/results/footprint.json');
    const line = (row: Row): string => `| ${[row.benchmark, cell(row.ours), row.anchor ? cell(row.anchor) : '', row.anchorIs ?? '', row.unit, row.over].join(' | ')} |`.replace(/\s+/g, ' ');
    return ['[`bench/results/footprint.json`](bench/results/footprint.json)', `commit \`${r.machine.commit.slice(0, 7)}\``, `Node ${r.machine.node}`, `${r.machine.loadAverageAtStart} at start`, ...r.rows.map(line)];
  }],
  ['bench/results/footprint-no-lite.json', () => {
    const r = result<{ machine: Machine; rows: Row[] }>('bench/results/footprint-no-lite.json');
    const row = (prefix: string): Summary => r.rows.find((x) => x.benchmark.startsWith(prefix))!.ours!;
    return [
      '[`bench/results/footprint-no-lite.json`](bench/results/footprint-no-lite.json)', `\`${r.machine.commit.slice(0, 7)}\``,
      `used ${cell(row('footprint: CPU, leading'))} ms CPU/s and held ${cell(row('footprint: RSS, leading')).split(' ')[0]} MiB`,
    ];
  }],
  ['bench/results/footprint-steps.json', () => {
    const r = result<{ machine: Machine; steps: { name: string; commit: string; rss: number[]; cpu: number[]; coldStartCpuMs: number[] }[] }>('bench/results/footprint-steps.json');
    const median = (xs: number[], digits: number): string => summarize(xs).median.toFixed(digits);
    return [
      '[`bench/results/footprint-steps.json`](bench/results/footprint-steps.json)', `commit \`${r.machine.commit.slice(0, 7)}\``, `load average ${r.machine.loadAverageAtStart} at start`,
      ...r.steps.map((s) => `| ${s.name} | \`${s.commit}\` | ${median(s.rss, 1)} | ${median(s.cpu, 1)} | ${median(s.coldStartCpuMs, 0)} |`),
    ];
  }],
  ['bench/results/node-flags-2.json', () => {
    const r = result<{ machine: Machine; variants: { name: string; rss: number[] }[] }>('bench/results/node-flags-2.json');
    const rss = (name: string): string => summarize(r.variants.find((v) => v.name === name)!.rss).median.toFixed(1);
    const semiSize = 'bundle, --max-semi-space-size=1 --optimize-for-size';
    return [
      '[`bench/results/node-flags-2.json`](bench/results/node-flags-2.json)', `commit \`${r.machine.commit.slice(0, 7)}\``,
      `what the image ran before | ${rss('tsc build, no flags (before)')} |`, `only \`KubeConfig\` and \`Watch\` | ${rss('bundle, no flags')} |`,
      `\`--max-semi-space-size=1 --optimize-for-size\` | ${rss(semiSize)} |`, `\`--lite-mode\` too | ${rss(`${semiSize} --lite-mode`)} |`,
    ];
  }],
  ['bench/results/node-flags-3.json', () => {
    const r = result<{ machine: Machine; variants: { name: string; rss: number[]; coldStartMs: number[]; coldStartCpuMs: number[] }[] }>('bench/results/node-flags-3.json');
    const row = (label: string, suffix: string): string => {
      const v = r.variants.find((x) => x.name.endsWith(suffix))!;
      const median = (xs: number[], digits: number): string => summarize(xs).median.toFixed(digits);
      return `| ${label} | ${median(v.rss, 1)} | ${median(v.coldStartMs, 0)} | ${median(v.coldStartCpuMs, 0)} |`;
    };
    return [
      '[`bench/results/node-flags-3.json`](bench/results/node-flags-3.json)', `commit \`${r.machine.commit.slice(0, 7)}\``, `load average ${r.machine.loadAverageAtStart} at start`,
      row('before: flags and `MALLOC_TRIM_THRESHOLD_=131072`', '(before the compile cache)'), row('with the compile cache (shipped)', '(shipped)'),
    ];
  }],
  ['bench/results/footprint-no-compile-cache.json', () => {
    const r = result<{ machine: Machine; rows: Row[] }>('bench/results/footprint-no-compile-cache.json');
    const rss = cell(r.rows.find((x) => x.benchmark.startsWith('footprint: RSS, leading'))!.ours).split(' ')[0];
    return [
      '[`bench/results/footprint-no-compile-cache.json`](bench/results/footprint-no-compile-cache.json)',
      `and ${rss} in the run right after it without the compile cache at load average ${r.machine.loadAverageAtStart}`,
    ];
  }],
  ['bench/results/election-proof.json', () => {
    const r = result<{ command: string; durationS: number; machine: Machine; rows: Row[] }>('bench/results/election-proof.json');
    const line = (row: Row): string => `| ${[row.benchmark, cell(row.ours), row.anchor ? cell(row.anchor) : '', row.anchorIs ?? '', row.unit, row.over].join(' | ')} |`.replace(/\s+/g, ' ');
    return [
      '[`bench/results/election-proof.json`](bench/results/election-proof.json)', `\`${r.command}\``, `commit \`${r.machine.commit.slice(0, 7)}\``,
      `${r.durationS} s`, `load average ${r.machine.loadAverageAtStart} at start`, ...r.rows.map(line),
    ];
  }],
  ['bench/results/realnode-scaling.json', () => {
    const r = result<{ command: string; durationS: number; machine: Machine; rows: Row[]; calibration: { podCps: number; cpuMsPerCall: number; idleCpuMsPerS: number; sipCpuMilli: number } | null }>('bench/results/realnode-scaling.json');
    const line = (row: Row): string => `| ${[row.benchmark, cell(row.ours), row.anchor ? cell(row.anchor) : '', row.anchorIs ?? '', row.unit, row.over].join(' | ')} |`.replace(/\s+/g, ' ');
    const c = r.calibration;
    return [
      '[`bench/results/realnode-scaling.json`](bench/results/realnode-scaling.json)', `\`${r.command}\``, r.machine.date.slice(0, 10), `commit \`${r.machine.commit.slice(0, 7)}\``,
      `${r.durationS} s`, `load average ${r.machine.loadAverageAtStart} at start`, ...r.rows.map(line),
      ...(c ? [`${c.idleCpuMsPerS} ms CPU/s idle, ${c.cpuMsPerCall} ms CPU per call: ${c.podCps} calls/s per pod at ${c.sipCpuMilli}m`] : []),
    ];
  }],
  ['bench/results/realnode-scaling-day-hpa.json', () => {
    const r = result<{ command: string; machine: Machine; traces: { runs: { scaler: string; failedCalls: number; hpaStatus?: { conditions: string[] }[] }[] }[] }>('bench/results/realnode-scaling-day-hpa.json');
    const runs = r.traces[0]?.runs ?? [];
    const [ours, hpa] = [runs.find((x) => x.scaler === 'vnf-agent'), runs.find((x) => x.scaler === 'hpa')];
    const states = hpa?.hpaStatus ?? [];
    const blind = states.filter((s) => s.conditions.includes('ScalingActive=False: FailedGetContainerResourceMetric')).length;
    return [
      '[`bench/results/realnode-scaling-day-hpa.json`](bench/results/realnode-scaling-day-hpa.json)', `commit \`${r.machine.commit.slice(0, 7)}\``, `\`${r.command}\``,
      `load average ${r.machine.loadAverageAtStart} at start`, `${fmt(ours?.failedCalls ?? NaN)} failed calls against ${fmt(hpa?.failedCalls ?? NaN)}`,
      `in ${blind} of the HPA's ${states.length} recorded states`,
    ];
  }],
  ['bench/results/realnode-chart.json', () => {
    const r = result<Record<string, number | string> & { machine: Machine }>('bench/results/realnode-chart.json');
    const row = (what: string, value: string): string => `| ${what} | ${value} |`;
    return [
      '[`bench/results/realnode-chart.json`](bench/results/realnode-chart.json)', `commit \`${r.machine.commit.slice(0, 7)}\``, `load average ${r.machine.loadAverageAtStart} at start`,
      row('`helm install` to every pod Ready (2 Sprouts, 1 Bono)', `${r.installToAllReadyS} s`),
      row('`helm install` to both VnfClusters led', `${r.installToBothLeadersS} s`),
      row('scale-out: `minReplicas` 2 to 3 until the new Sprout is Ready', `${r.policyToNewSproutReadyS} s`),
      row('scale-out: `minReplicas` 2 to 3 until Bono routes to it', `${r.policyToNewSproutRoutedS} s`),
      row('scale-in 3 to 2 with calls up (60 calls of 8 s at 5/s): failed calls', `${r.scaleInFailedCalls}`),
      row('scale-in: the policy change to the drained Sprout gone', `${r.scaleInPolicyToPodGoneS} s`),
      row('an idle Sprout: deletion to gone (the preStop drain)', `${r.idlePodDeleteToGoneS} s`),
      row('`kill -9` of the leading sidecar to a renewed Lease, median of 3', `${r.sidecarKillToLeaderS} s (${r.sidecarKillToLeaderAllS})`),
      row('a crashing Kamailio (killed twice): to the pod NotReady', `${r.kamailioCrashToNotReadyS} s`),
      row('a crashing Kamailio: to out of Bono\'s dispatcher set', `${r.kamailioCrashToUnroutedS} s`),
      row('a crashing Kamailio: to routed again after the kubelet\'s back-off', `${r.kamailioCrashToRoutedAgainS} s`),
      row('the sidecar\'s working set in its pod (kubelet, largest of 3)', `${r.sidecarWorkingSetMiBMax} MiB`),
      row('the real HPA: created to the first scale-up of a CPU-bound Deployment', `${r.hpaCreateToScaleUpS} s`),
      row('cluster start: control plane and node, addons, image import', `${r.nodeAndControlPlane} ms, ${r.addons} ms, ${r.images} ms`),
    ];
  }],
  ['bench/results/scaling-predictive.json', () => {
    const r = result<PredictiveResult>('bench/results/scaling-predictive.json');
    const { reactive, predictive, hpa } = r.summary;
    return [
      '[`bench/results/scaling-predictive.json`](bench/results/scaling-predictive.json)', `\`${r.command}\``, r.machine.date.slice(0, 10), `commit ${r.machine.commit.slice(0, 7)}`,
      `| predictive scaling, model: failed calls in the morning ramps | ${fmt(reactive.failedMorning)} | ${fmt(predictive.failedMorning)} | ${fmt(hpa.failedMorning)} |`,
      `| predictive scaling, model: replica-hours | ${reactive.replicaHours.toFixed(1)} | ${predictive.replicaHours.toFixed(1)} (+${(100 * r.summary.replicaHoursIncrease).toFixed(1)} %) | ${hpa.replicaHours.toFixed(1)} |`,
    ];
  }],
];
for (const [file, phrases] of quotes) {
  test(`the README quotes ${file} as it is committed`, () => {
    const text = readme();
    const missing = phrases().filter((p) => !text.includes(p));
    assert.deepEqual(missing, [], `README figures that are not (or no longer) those in ${file}`);
  });
}
