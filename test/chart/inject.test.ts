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

type Pod = { serviceAccountName?: string; terminationGracePeriodSeconds?: number; volumes: { name: string }[]; containers: { name: string; lifecycle?: unknown; env?: { name: string; value?: string }[] }[] };
const parse = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as { kind: string; spec: { template: { metadata: { labels: Record<string, string> }; spec: Pod } } });
const pod = (text: string, index = 0) => parse(text)[index]!.spec.template.spec;
const env = (p: Pod, name: string) => p.containers.find((c) => c.name === 'vnf-agent')?.env?.find((e) => e.name === name)?.value;

describe('injectManifests adds the sidecar', () => {
  const cases: { name: string; input: string; options?: Partial<InjectOptions>; check: (out: string) => void }[] = [
    {
      name: 'to a Deployment: container, drain hook on the SIP server, volumes, ServiceAccount, grace period, label',
      input: deployment('sprout'),
      check: (out) => {
        const p = pod(out);
        assert.deepEqual(p.containers.map((c) => c.name), ['sip', 'vnf-agent']);
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
        assert.equal((p.containers[1] as { image?: string }).image, 'registry.example/vnf-agent:9');
      },
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

  test('is idempotent: injecting its own output changes nothing', () => {
    const once = injectManifests(`${service}---\n${deployment('sprout')}`, OPTIONS);
    assert.equal(injectManifests(once, OPTIONS), once);
    assert.equal(pod(once, 1).containers.filter((c) => c.name === 'vnf-agent').length, 1);
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
