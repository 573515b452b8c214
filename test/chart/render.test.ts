import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CHART, builtConsumer, find, helm, objects, template, type Manifest } from './helm.js';
import { sidecarContainer } from '../../agent/inject/sidecar.js';

const MONITORING = ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor'];
const VALUES: Record<string, string[]> = {
  default: [],
  clearwater: ['-f', 'test/chart/values/clearwater.yaml'],
  'sprout-only': ['-f', 'test/chart/values/sprout-only.yaml'],
  monitoring: ['-f', 'test/chart/values/monitoring.yaml', ...MONITORING],
  'no native sidecars': ['--set', 'sidecar.native=false'],
  'bono exposure': ['-f', 'test/chart/values/bono-exposure.yaml'],
};

type Rule = { resources: string[]; resourceNames?: string[] };
const rulesOf = (role: Manifest) => role.rules as Rule[];
type Container = { name: string; env?: { name: string; value?: string }[]; [k: string]: unknown };
const podSpec = (d: Manifest) => (d.spec as { template: { spec: Record<string, unknown> & { containers: Container[]; initContainers?: Container[] } } }).template.spec;
/** Every container of the pod: init containers (a native sidecar among them) and app containers. */
const allContainers = (d: Manifest) => [...(podSpec(d).initContainers ?? []), ...podSpec(d).containers];
const sidecarOf = (d: Manifest) => allContainers(d).find((c) => c.name === 'vnf-agent');
const names = (list: Container[] | undefined) => (list ?? []).map((c) => c.name);
const envOf = (c: Container | undefined) => Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value ?? 'fieldRef']));

describe('helm lint and template', { timeout: 120_000 }, () => {
  for (const [name, args] of Object.entries(VALUES)) {
    test(`lint passes with ${name} values`, async () => {
      const r = await helm('lint', CHART, '--strict', ...args.filter((a) => !MONITORING.includes(a)));
      assert.equal(r.code, 0, r.stdout + r.stderr);
    });
    test(`template with ${name} values gives every Deployment the sidecar, probes, drain and RBAC identity`, async () => {
      const docs = objects(await template(CHART, args));
      const deployments = docs.filter((d) => d.kind === 'Deployment');
      assert.ok(deployments.length > 0);
      for (const d of deployments) {
        const sidecar = sidecarOf(d);
        assert.ok(sidecar, `${d.metadata.name} has the sidecar`);
        const env = envOf(sidecar);
        assert.equal(env.VNF_AGENT_CLUSTER, d.metadata.name, 'the cluster is the workload (VnfCluster) name');
        assert.equal(env.VNF_AGENT_HTTP_PORT, '8686');
        for (const k of ['VNF_AGENT_POD_NAME', 'VNF_AGENT_POD_NAMESPACE', 'VNF_AGENT_POD_IP']) assert.equal(env[k], 'fieldRef');
        assert.equal(env.VNF_AGENT_TOKEN_FILE, '/var/run/secrets/vnf-agent/token');
        assert.equal(podSpec(d).serviceAccountName !== undefined, true);
        assert.equal(d.spec && (d.spec as { replicas?: number }).replicas, undefined, 'replicas belong to the elected sidecar');
        for (const c of [...podSpec(d).containers, sidecar]) {
          assert.deepEqual((c.lifecycle as { preStop: unknown }).preStop, { httpGet: { path: '/drain?wait=true', port: 8686 } }, `${c.name} drains first`);
        }
        const cluster = find(docs, 'VnfCluster', d.metadata.name);
        const drain = (cluster.spec as { drainTimeoutSeconds: number }).drainTimeoutSeconds;
        assert.ok((podSpec(d).terminationGracePeriodSeconds as number) > drain, 'the grace period outlasts the drain');
      }
    });
  }

  test('default values: Sprout headless on 5054 and Bono on 5060, both UDP and TCP; Bono routes to Sprout', async () => {
    const docs = objects(await template(CHART));
    const sprout = find(docs, 'Service', 'sip-vnf-agent-sprout').spec as { clusterIP?: string; ports: { port: number; protocol: string }[] };
    assert.equal(sprout.clusterIP, 'None');
    assert.deepEqual(sprout.ports.map((p) => `${p.port}/${p.protocol}`), ['5054/UDP', '5054/TCP']);
    const bono = find(docs, 'Service', 'sip-vnf-agent-bono').spec as { ports: { port: number; protocol: string }[] };
    assert.deepEqual(bono.ports.map((p) => `${p.port}/${p.protocol}`), ['5060/UDP', '5060/TCP']);
    assert.deepEqual((find(docs, 'VnfCluster', 'sip-vnf-agent-bono').spec as { upstreams: unknown }).upstreams, [{ cluster: 'sip-vnf-agent-sprout' }]);
    assert.ok(find(docs, 'PodDisruptionBudget', 'sip-vnf-agent-sprout'));
    assert.ok(find(docs, 'Pod', 'sip-vnf-agent-test-readyz'), 'the helm test pod');
    assert.equal(docs.some((d) => d.kind === 'ServiceMonitor'), false, 'no ServiceMonitor by default');
  });

  test('default values: each sidecar reads its Kamailio\'s calls in flight over JSON-RPC on the pod\'s loopback listener', async () => {
    const docs = objects(await template(CHART));
    for (const [workload, port] of [['sprout', 5054], ['bono', 5060]] as const) {
      const d = find(docs, 'Deployment', `sip-vnf-agent-${workload}`);
      const env = envOf(sidecarOf(d));
      assert.equal(env.VNF_AGENT_SIGNAL_SOURCES, 'sip-options,socket,kamailio', workload);
      assert.equal(env.VNF_AGENT_SIGNAL_KAMAILIO_RPC_URL, `http://127.0.0.1:${port}/RPC`, workload);
      const sip = podSpec(d).containers.find((c) => c.name === 'sip');
      assert.ok((sip?.args as string[]).includes(`tcp:127.0.0.1:${port}`), `${workload}'s Kamailio listens where the sidecar asks`);
      const cfg = (find(docs, 'ConfigMap', `sip-vnf-agent-${workload}`).data as Record<string, string>)['kamailio.cfg'] ?? '';
      for (const module of ['dialog', 'xhttp', 'jsonrpcs']) assert.match(cfg, new RegExp(`loadmodule "${module}\\.so"`), `${workload} loads ${module}`);
    }
  });

  test('the sidecar runs as 65532 with a read-only root, no privileges and the sized resources', async () => {
    const sidecar = sidecarOf(find(objects(await template(CHART)), 'Deployment', 'sip-vnf-agent-sprout'));
    assert.deepEqual(sidecar?.securityContext, {
      runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(sidecar?.resources, { requests: { cpu: '50m', memory: '84Mi' }, limits: { cpu: '500m', memory: '168Mi' } });
    assert.ok((sidecar?.volumeMounts as { mountPath: string }[]).some((m) => m.mountPath === '/tmp'));
  });

  for (const native of [true, false]) {
    test(`the chart and \`vnf-agent inject\` build the same sidecar container (native ${native})`, async () => {
      const fromChart = sidecarOf(find(objects(await template(CHART, ['--set', `sidecar.native=${native}`])), 'Deployment', 'sip-vnf-agent-bono'));
      // The workload's agentEnv (peer file, Kamailio signal, public address, drain notice) is the chart's values, not part of the container.
      const env = (fromChart?.env ?? []).filter((e) => !/^VNF_AGENT_(PEERS_|SIGNAL_|PUBLIC_ADDRESS_|DRAIN_NOTICE)/.test(e.name));
      const fromInject = sidecarContainer({
        cluster: 'sip-vnf-agent-bono', image: 'vnf-agent:0.1.0', sipPort: 5060, httpPort: 8686,
        tokenSecret: 'x', drainTimeoutSeconds: 120, shutdownTimeoutSeconds: 10, native,
      });
      assert.deepEqual({ ...fromChart, env }, fromInject);
    });
  }

  test('default values: the sidecar is a native sidecar, whose startup probe (not readiness) holds the SIP server', async () => {
    const docs = objects(await template(CHART));
    for (const workload of ['sprout', 'bono']) {
      const spec = podSpec(find(docs, 'Deployment', `sip-vnf-agent-${workload}`));
      assert.deepEqual(names(spec.initContainers), ['vnf-agent'], workload);
      assert.deepEqual(names(spec.containers), ['sip'], workload);
      const sidecar = spec.initContainers?.[0];
      assert.equal(sidecar?.restartPolicy, 'Always');
      assert.deepEqual(sidecar?.startupProbe, { httpGet: { path: '/startupz', port: 8686 }, periodSeconds: 1, failureThreshold: 120 });
      assert.equal((sidecar?.readinessProbe as { httpGet: { path: string } }).httpGet.path, '/readyz', 'readiness stays a readiness probe');
    }
  });

  test('sidecar.native=false: the sidecar is an ordinary container, and an init container leaves Bono an empty peer file first', async () => {
    const docs = objects(await template(CHART, ['--set', 'sidecar.native=false']));
    const bono = podSpec(find(docs, 'Deployment', 'sip-vnf-agent-bono'));
    assert.deepEqual(names(bono.containers), ['sip', 'vnf-agent']);
    assert.equal(bono.containers[1]?.restartPolicy, undefined);
    assert.equal(bono.containers[1]?.startupProbe, undefined);
    assert.deepEqual(names(bono.initContainers), ['vnf-agent-peers-file']);
    const init = bono.initContainers?.[0];
    assert.equal(envOf(init).VNF_AGENT_PEERS_FILE, envOf(bono.containers[1]).VNF_AGENT_PEERS_FILE, 'the file the sidecar writes');
    assert.deepEqual(init?.volumeMounts, [{ name: 'vnf-agent-shared', mountPath: '/var/run/vnf-agent' }]);
    assert.equal(init?.image, 'vnf-agent:0.1.0');
    const sprout = podSpec(find(docs, 'Deployment', 'sip-vnf-agent-sprout'));
    assert.equal(sprout.initContainers, undefined, 'Sprout reads no peer file');
  });

  test('native sidecars on a cluster before 1.29 are refused with the way out; sidecar.native=false renders there', async () => {
    const r = await helm('template', 'sip', CHART, '--kube-version', '1.28.9');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /sidecar\.native needs native sidecar containers \(Kubernetes 1\.29 or later\) and this cluster is v1\.28\.9: set sidecar\.native=false/);
    await template(CHART, ['--kube-version', '1.28.9', '--set', 'sidecar.native=false']);
  });

  test('sprout-only values: existing Secret and ServiceAccount are used, not created; RBAC names only Sprout', async () => {
    const docs = objects(await template(CHART, VALUES['sprout-only']));
    assert.equal(docs.some((d) => d.kind === 'Secret' || d.kind === 'ServiceAccount' || d.kind === 'PodDisruptionBudget'), false);
    const d = find(docs, 'Deployment', 'core-sprout');
    assert.equal(podSpec(d).serviceAccountName, 'sip-core');
    assert.equal(podSpec(d).terminationGracePeriodSeconds, 300 + 20 + 5);
    assert.equal(envOf(sidecarOf(d)).VNF_AGENT_HTTP_HOST, '$(VNF_AGENT_POD_IP)');
    const volumes = podSpec(d).volumes as { name: string; secret?: { secretName: string; items: { key: string }[] } }[];
    assert.deepEqual(volumes.find((v) => v.name === 'vnf-agent-token')?.secret?.secretName, 'sip-core-token');
    assert.equal(volumes.find((v) => v.name === 'vnf-agent-token')?.secret?.items[0]?.key, 'bearer');
    const rules = rulesOf(find(docs, 'Role', 'core'));
    assert.deepEqual(rules.find((r) => r.resources[0] === 'deployments/scale')?.resourceNames, ['core-sprout']);
    assert.deepEqual(rules.find((r) => r.resources[0] === 'leases' && r.resourceNames)?.resourceNames, ['core-sprout-leader']);
  });

  test('monitoring values render a metrics Service and a ServiceMonitor; without the CRD the install fails clearly', async () => {
    const docs = objects(await template(CHART, VALUES.monitoring));
    assert.ok(find(docs, 'ServiceMonitor', 'sip-vnf-agent'));
    assert.ok(find(docs, 'Service', 'sip-vnf-agent-metrics'));
    const r = await helm('template', 'sip', CHART, '-f', 'test/chart/values/monitoring.yaml');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ServiceMonitor CRD/);
  });

  test('bono exposure values: Bono\'s VnfCluster carries spec.exposure and the Role gains the Services rule; without them it has none', async () => {
    const docs = objects(await template(CHART, VALUES['bono exposure']));
    assert.deepEqual((find(docs, 'VnfCluster', 'sip-vnf-agent-bono').spec as { exposure?: unknown }).exposure, { type: 'NodePort', annotations: { 'lb.example/internal': 'true' } });
    assert.equal((find(docs, 'VnfCluster', 'sip-vnf-agent-sprout').spec as { exposure?: unknown }).exposure, undefined);
    const services = rulesOf(find(docs, 'Role', 'sip-vnf-agent')).filter((r) => r.resources.includes('services'));
    assert.deepEqual(services, [{ apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'create', 'patch', 'delete'] }]);
    const env = envOf(sidecarOf(find(docs, 'Deployment', 'sip-vnf-agent-bono')));
    assert.equal(env.VNF_AGENT_PUBLIC_ADDRESS_RELOAD, 'kamailio-rpc');
    const plain = objects(await template(CHART, VALUES.default));
    assert.equal(rulesOf(find(plain, 'Role', 'sip-vnf-agent')).some((r) => r.resources.includes('services')), false);
    assert.equal((find(plain, 'VnfCluster', 'sip-vnf-agent-bono').spec as { exposure?: unknown }).exposure, undefined);
  });

  test('with every workload off and no extra names the Role grants no named objects at all', async () => {
    const docs = objects(await template(CHART, ['--set', 'sprout.enabled=false', '--set', 'bono.enabled=false']));
    const rules = rulesOf(find(docs, 'Role', 'sip-vnf-agent'));
    for (const r of rules) assert.notDeepEqual(r.resourceNames, [], 'an empty resourceNames list would grant everything');
    assert.equal(rules.some((r) => JSON.stringify(r).includes('deployments')), false);
  });
});

describe('values.schema.json rejects bad values', { timeout: 120_000 }, () => {
  const cases: [string, string[], RegExp][] = [
    ['maxReplicas as a string', ['--set-json', 'sprout.vnfCluster.maxReplicas="10"'], /maxReplicas/],
    ['a negative minReplicas', ['--set', 'sprout.vnfCluster.minReplicas=-1'], /minReplicas/],
    ['an unknown top-level key', ['--set', 'replicaCount=3'], /replicaCount/],
    ['an unknown workload key (typo)', ['--set', 'bono.sipPrt=5060'], /sipPrt/],
    ['a sidecar env name without the VNF_AGENT_ prefix', ['--set', 'sidecar.env.LOG=debug'], /invalid propertyName 'LOG'/],
    ['a sidecar env the chart sets itself', ['--set', 'sidecar.env.VNF_AGENT_CLUSTER=x'], /invalid propertyName 'VNF_AGENT_CLUSTER'/],
    ['the latest tag', ['--set', 'image.tag=latest'], /tag/],
    ['an upstream that is not a workload', ['--set-json', 'bono.vnfCluster.upstreams=["homestead"]'], /upstreams/],
    ['a port out of range', ['--set', 'sprout.sipPort=70000'], /sipPort/],
    ['a bad PDB percentage', ['--set', 'sprout.podDisruptionBudget.maxUnavailable=150%'], /maxUnavailable/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const r = await helm('template', 'sip', CHART, ...args);
      assert.notEqual(r.code, 0, `accepted: ${args.join(' ')}`);
      assert.match(r.stderr, /schema/i);
      assert.match(r.stderr, message);
    });
  }

  test('minReplicas above maxReplicas is refused by the template with both numbers', async () => {
    const r = await helm('template', 'sip', CHART, '--set', 'sprout.vnfCluster.minReplicas=5', '--set', 'sprout.vnfCluster.maxReplicas=3');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /sprout\.vnfCluster\.minReplicas \(5\) must not exceed maxReplicas \(3\)/);
  });

  test('an upstream whose workload is disabled is refused', async () => {
    const r = await helm('template', 'sip', CHART, '--set', 'sprout.enabled=false');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /bono\.vnfCluster\.upstreams names sprout, which is not enabled/);
  });
});

describe('the consumer chart injects the sidecar with the vnf-agent.sidecar template', { timeout: 120_000 }, () => {
  test('lints and renders its Deployment with the sidecar, drain hook, volumes and the dependency ServiceAccount', async () => {
    const dir = await builtConsumer();
    const lint = await helm('lint', dir);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    const docs = objects(await template(dir, [], 'edge'));
    const d = find(docs, 'Deployment', 'edge-proxy');
    assert.deepEqual(names(podSpec(d).initContainers), ['vnf-agent'], 'a native sidecar');
    assert.equal(sidecarOf(d)?.restartPolicy, 'Always');
    const env = envOf(sidecarOf(d));
    assert.equal(env.VNF_AGENT_CLUSTER, 'edge-proxy');
    assert.equal(env.VNF_AGENT_SIP_PORT, '5060');
    assert.equal(podSpec(d).serviceAccountName, 'consumer-agent');
    assert.ok(find(docs, 'ServiceAccount', 'consumer-agent'));
    assert.ok(find(docs, 'Secret', 'consumer-agent-token'));
    const volumes = (podSpec(d).volumes as { name: string }[]).map((v) => v.name);
    assert.deepEqual(volumes, ['vnf-agent-token', 'vnf-agent-tmp', 'vnf-agent-shared']);
    const rules = rulesOf(find(docs, 'Role', 'consumer-agent'));
    assert.deepEqual(rules.find((r) => r.resources[0] === 'deployments/scale')?.resourceNames, ['edge-proxy']);
    assert.equal(docs.some((x) => x.kind === 'Deployment' && x.metadata.name !== 'edge-proxy'), false, 'the dependency renders no workloads');
  });
});
