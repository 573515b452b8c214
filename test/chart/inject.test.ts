import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { injectManifests, type InjectOptions } from '../../agent/inject/inject.js';
import { InjectError } from '../../agent/inject/errors.js';

const OPTIONS: InjectOptions = {
  image: 'vnf-agent:0.1.0', httpPort: 8686, tokenSecret: 'vnf-agent-token', serviceAccount: 'vnf-agent',
  drainTimeoutSeconds: 60, shutdownTimeoutSeconds: 10,
};

const deployment = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:${extra}
      containers:
        - name: sip # the SIP server
          image: kamailio:5.6.3
          ports: [{containerPort: 5054, protocol: UDP}]
`;
const service = `apiVersion: v1
kind: Service
metadata: {name: sprout}
spec:
  clusterIP: None
  ports: [{port: 5054, protocol: UDP}]
`;

type Container = { name: string; lifecycle?: unknown; restartPolicy?: string; startupProbe?: unknown; env?: { name: string; value?: string }[] };
type Pod = { serviceAccountName?: string; terminationGracePeriodSeconds?: number; volumes: { name: string }[]; containers: Container[]; initContainers?: Container[] };
const parse = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as { kind: string; spec: { template: { metadata: { labels: Record<string, string> }; spec: Pod } } });
const pod = (text: string, index = 0) => parse(text)[index]!.spec.template.spec;
const sidecar = (p: Pod) => [...(p.initContainers ?? []), ...p.containers].find((c) => c.name === 'vnf-agent');
const env = (p: Pod, name: string) => sidecar(p)?.env?.find((e) => e.name === name)?.value;
const names = (list: Container[] | undefined) => (list ?? []).map((c) => c.name);

describe('injectManifests adds the sidecar', () => {
  const cases: { name: string; input: string; options?: Partial<InjectOptions>; check: (out: string) => void }[] = [
    {
      name: 'to a Deployment: native sidecar, drain hook on the SIP server, volumes, ServiceAccount, grace period, label',
      input: deployment('sprout'),
      check: (out) => {
        const p = pod(out);
        assert.deepEqual(names(p.containers), ['sip']);
        assert.deepEqual(names(p.initContainers), ['vnf-agent']);
        assert.equal(p.initContainers?.[0]?.restartPolicy, 'Always');
        assert.deepEqual(p.initContainers?.[0]?.startupProbe, { httpGet: { path: '/startupz', port: 8686 }, periodSeconds: 1, failureThreshold: 120 });
        assert.deepEqual(p.containers[0]?.lifecycle, { preStop: { httpGet: { path: '/drain?wait=true', port: 8686 } } });
        assert.deepEqual(p.volumes.map((v) => v.name), ['vnf-agent-token', 'vnf-agent-tmp', 'vnf-agent-shared']);
        assert.equal(p.serviceAccountName, 'vnf-agent');
        assert.equal(p.terminationGracePeriodSeconds, 75);
        assert.equal(parse(out)[0]!.spec.template.metadata.labels['vnf-agent.dev/sidecar'], 'true');
        assert.equal(env(p, 'VNF_AGENT_CLUSTER'), 'sprout', 'the cluster defaults to the Deployment name');
        assert.equal(env(p, 'VNF_AGENT_SIP_PORT'), '5054', 'the SIP port defaults to the first container port');
      },
    },
    {
      name: 'with --cluster, --image and --sip-port',
      input: deployment('sprout'),
      options: { cluster: 'core', image: 'registry.example/vnf-agent:9', sipPort: 5052 },
      check: (out) => {
        const p = pod(out);
        assert.equal(env(p, 'VNF_AGENT_CLUSTER'), 'core');
        assert.equal(env(p, 'VNF_AGENT_SIP_PORT'), '5052');
        assert.equal((sidecar(p) as { image?: string }).image, 'registry.example/vnf-agent:9');
      },
    },
    {
      name: 'with native false (clusters before 1.29): an ordinary container, no init containers',
      input: deployment('sprout'),
      options: { native: false },
      check: (out) => {
        const p = pod(out);
        assert.deepEqual(names(p.containers), ['sip', 'vnf-agent']);
        assert.equal(p.initContainers, undefined);
        assert.equal(p.containers[1]?.restartPolicy, undefined);
        assert.equal(p.containers[1]?.startupProbe, undefined);
      },
    },
    {
      name: 'after the pod\'s own init containers, which keep running first',
      input: deployment('sprout', '\n      initContainers: [{name: setup, image: busybox:1}]'),
      check: (out) => assert.deepEqual(names(pod(out).initContainers), ['setup', 'vnf-agent']),
    },
    {
      name: 'keeping a longer grace period, an own ServiceAccount, existing volumes and comments',
      input: deployment('bono', '\n      serviceAccountName: bono\n      terminationGracePeriodSeconds: 600\n      volumes: [{name: logs, emptyDir: {}}]'),
      check: (out) => {
        const p = pod(out);
        assert.equal(p.serviceAccountName, 'bono');
        assert.equal(p.terminationGracePeriodSeconds, 600);
        assert.deepEqual(p.volumes.map((v) => v.name), ['logs', 'vnf-agent-token', 'vnf-agent-tmp', 'vnf-agent-shared']);
        assert.match(out, /- name: sip # the SIP server/);
      },
    },
    {
      name: 'to every Deployment and to nothing else',
      input: `${service}---\n${deployment('sprout')}---\n${deployment('bono')}`,
      check: (out) => {
        const docs = parse(out);
        assert.deepEqual(docs.map((d) => d.kind), ['Service', 'Deployment', 'Deployment']);
        assert.equal(out.split('---\n')[0], service, 'the Service is byte for byte unchanged');
        assert.equal(env(pod(out, 2), 'VNF_AGENT_CLUSTER'), 'bono');
      },
    },
  ];
  for (const c of cases) {
    test(c.name, () => c.check(injectManifests(c.input, { ...OPTIONS, ...c.options })));
  }

  test('is idempotent, whatever the layout: injecting its own output changes nothing', () => {
    for (const native of [true, false]) {
      const once = injectManifests(`${service}---\n${deployment('sprout')}`, { ...OPTIONS, native });
      for (const again of [true, false]) assert.equal(injectManifests(once, { ...OPTIONS, native: again }), once, `native ${native}, then ${again}`);
      const p = pod(once, 1);
      assert.equal([...(p.initContainers ?? []), ...p.containers].filter((c) => c.name === 'vnf-agent').length, 1);
    }
  });

  test('drops empty documents, e.g. a trailing ---', () => {
    const out = injectManifests(`${service}---\n`, OPTIONS);
    assert.equal(out, service);
  });
});

describe('injectManifests refuses bad input with a clear InjectError', () => {
  const cases: [string, string, RegExp][] = [
    ['text that is not YAML', 'kind: [Deployment\n', /document 1 is not valid YAML/],
    ['a YAML scalar', 'just some words\n', /document 1 is not a Kubernetes object/],
    ['an object without kind', 'apiVersion: v1\nmetadata: {name: x}\n', /document 1 has no apiVersion and kind/],
    ['a Deployment without containers', deployment('x').replace(/ {6}containers:[\s\S]*$/, '      containers: []\n'), /document 1 \(Deployment\) x has no containers/],
    ['a Deployment without a pod template', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {}\n', /x has no spec.template.spec/],
    ['a Deployment without a name', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {}\n', /has no metadata.name/],
    ['an old extensions/v1beta1 Deployment (clearwater-docker)', deployment('x').replace('apps/v1', 'extensions/v1beta1'), /only apps\/v1/],
    ['a container without a name', deployment('x').replace('- name: sip # the SIP server\n          image', '- image'), /container 1 has no name/],
    ['a cluster name that is no DNS label', deployment('Sprout_1'), /"Sprout_1" is not a DNS-1123 label/],
    ['no objects at all', '# nothing\n', /holds no Kubernetes objects/],
    ['a bad second document after a good one', `${service}---\n{{ .Values }}: x\n`, /document 2/],
  ];
  for (const [name, input, message] of cases) {
    test(name, () => assert.throws(() => injectManifests(input, OPTIONS), (err: unknown) => err instanceof InjectError && message.test(err.message)));
  }
});
