import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { buildServer } from '../../agent/http/server.js';
import { HealthChecks } from '../../agent/http/checks.js';
import { createLogger } from '../../agent/log/logger.js';
import { createRegistry, METRIC_PREFIX } from '../../agent/metrics/registry.js';
import { ElectionMetrics } from '../../agent/election/metrics.js';
import { MembershipMetrics } from '../../agent/membership/metrics.js';
import { SignalMetrics } from '../../agent/signals/metrics.js';
import { ScalingMetrics } from '../../agent/scaling/metrics.js';
import { memorySink } from '../support/log-sink.js';

/** The registry as a running sidecar fills it: every part that exports series. */
function fullRegistry(): { registry: Registry; scaling: ScalingMetrics } {
  const registry = createRegistry({ version: '1.2.3', nodeVersion: 'v20.0.0' });
  new ElectionMetrics(registry);
  new MembershipMetrics(registry);
  new SignalMetrics(registry);
  return { registry, scaling: new ScalingMetrics(registry) };
}

async function scrape(registry: Registry): Promise<string> {
  const app = buildServer({ logger: createLogger({ level: 'silent', destination: memorySink() }), registry, liveness: new HealthChecks() });
  try {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    return res.body;
  } finally {
    await app.close();
  }
}

const line = (text: string, series: string): string | undefined => text.split('\n').find((l) => l.startsWith(`${series} `));

test('GET /metrics keeps the standard process_* and nodejs_* names, so stock Node.js dashboards work', async () => {
  const body = await scrape(createRegistry({ version: '1.2.3', nodeVersion: 'v20.0.0' }));
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    assert.match(body, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  assert.doesNotMatch(body, /^vnf_agent_(process|nodejs)_/m, 'the default metrics carry no project prefix');
  assert.match(body, /^vnf_agent_build_info\{version="1\.2\.3",node_version="v20\.0\.0"\} 1$/m);
});

test('GET /metrics shows the scaling series: counters from 0, replica gauges only while leading', async () => {
  const { registry, scaling } = fullRegistry();
  const idle = await scrape(registry);
  assert.equal(line(idle, 'vnf_agent_scaling_decisions_total{outcome="scale_up"}'), 'vnf_agent_scaling_decisions_total{outcome="scale_up"} 0');
  assert.equal(line(idle, 'vnf_agent_scale_writes_total{direction="down",result="conflict"}'), 'vnf_agent_scale_writes_total{direction="down",result="conflict"} 0');
  assert.equal(line(idle, 'vnf_agent_drain_duration_seconds_count{result="drained"}'), 'vnf_agent_drain_duration_seconds_count{result="drained"} 0');
  assert.doesNotMatch(idle, /^vnf_agent_(current|desired)_replicas\{/m, 'a pod that never led exports no replica count, not 0');

  scaling.decided('scale_up');
  scaling.scaleWritten('up', 'ok');
  scaling.replicas('sprout', 4, 6);
  scaling.drainFinished(12.5, 'drained');
  const leading = await scrape(registry);
  for (const expected of [
    'vnf_agent_scaling_decisions_total{outcome="scale_up"} 1',
    'vnf_agent_scaling_decisions_total{outcome="none"} 0',
    'vnf_agent_scale_writes_total{direction="up",result="ok"} 1',
    'vnf_agent_current_replicas{cluster="sprout"} 4',
    'vnf_agent_desired_replicas{cluster="sprout"} 6',
    'vnf_agent_drain_duration_seconds_bucket{le="10",result="drained"} 0',
    'vnf_agent_drain_duration_seconds_bucket{le="15",result="drained"} 1',
    'vnf_agent_drain_duration_seconds_sum{result="drained"} 12.5',
  ]) {
    assert.ok(leading.split('\n').includes(expected), expected);
  }
  assert.match(leading, /^# TYPE vnf_agent_drain_duration_seconds histogram$/m);
  assert.match(leading, /^# TYPE vnf_agent_signal_read_duration_seconds histogram$/m);

  scaling.stoppedLeading();
  const after = await scrape(registry);
  assert.doesNotMatch(after, /^vnf_agent_(current|desired)_replicas\{/m, 'the counts go with the term');
  assert.match(after, /^vnf_agent_scaling_decisions_total\{outcome="scale_up"\} 1$/m, 'counters stay');
});

/** `name{label,...}` of every series the registry defines, labels sorted. */
function defined(registry: Registry): Set<string> {
  return new Set(
    registry
      .getMetricsAsArray()
      .filter((m) => m.name.startsWith(METRIC_PREFIX))
      .map((m) => {
        const labels = [...((m as unknown as { labelNames?: string[] }).labelNames ?? [])].sort();
        return labels.length > 0 ? `${m.name}{${labels.join(',')}}` : m.name;
      }),
  );
}

/** The same from the first column of the README's metrics table. */
function documented(readme: string): Set<string> {
  const section = readme.slice(readme.indexOf('\n## Metrics\n'), readme.indexOf('\n## ', readme.indexOf('\n## Metrics\n') + 1));
  const names = new Set<string>();
  for (const row of section.split('\n').filter((l) => l.startsWith('| `vnf_agent_'))) {
    const m = /^\| `(vnf_agent_[a-z_]+)(?:\{([a-z_,]+)\})?`/.exec(row);
    assert.ok(m, `cannot read ${row}`);
    names.add(m[2] ? `${m[1]}{${m[2].split(',').sort().join(',')}}` : m[1]!);
  }
  return names;
}

test('the README lists every vnf_agent_ series with its labels, and nothing that does not exist', () => {
  const { registry } = fullRegistry();
  const readme = readFileSync('README.md', 'utf8');
  const have = defined(registry);
  const listed = documented(readme);
  assert.deepEqual([...have].filter((n) => !listed.has(n)).sort(), [], 'series missing from the README');
  assert.deepEqual([...listed].filter((n) => !have.has(n)).sort(), [], 'README rows naming no series');
  const others = registry.getMetricsAsArray().map((m) => m.name).filter((n) => !n.startsWith(METRIC_PREFIX));
  assert.deepEqual(others.filter((n) => !/^(process|nodejs)_/.test(n)), [], 'only the standard default metrics go unprefixed');
  assert.match(readme, /\| `process_\*`, `nodejs_\*` \|/);
});

test('every vnf_agent_ name the docs mention is a series the agent defines', () => {
  const { registry } = fullRegistry();
  const names = new Set(registry.getMetricsAsArray().map((m) => m.name));
  const docs = ['README.md', ...readdirSync('docs').map((f) => `docs/${f}`), ...readdirSync('agent', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `agent/${d.name}/README.md`)];
  for (const file of docs) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // that part has no README
    }
    for (const [mention] of text.matchAll(/vnf_agent_[a-z_]*[a-z]/g)) {
      const base = mention.replace(/_(bucket|sum|count)$/, '');
      assert.ok(names.has(mention) || names.has(base), `${file} mentions ${mention}, which no part defines`);
    }
  }
});
