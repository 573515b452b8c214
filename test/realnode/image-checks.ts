import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, type KubeConfig, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { sproutKamailioConfig } from '../../sim/kamailio/config.js';
import { controlPlaneBinDir } from '../support/controlplane.js';
import { deleteNamespaceAndPods, freshNamespace } from '../support/kube.js';
import { eventually } from '../support/process.js';
import type { RealNode } from './node.js';
import { HARDENED, imageNamed, type BuiltImage } from './images.js';
import { containerPid, processUid } from './pod-process.js';

const PEERS_FILE = '/var/run/vnf-agent/peers';
const run = promisify(execFile);

/** fetch() refuses port 5060 (the Fetch standard's bad ports include SIP's), so node:http. */
function postJson(url: string, body: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', timeout: 5000, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 5 s`)));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** What the kubelet makes of an image reference: Docker Hub's default host and library/ prefix. */
function normalise(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  if (ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return ref;
  return ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}

const ready = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

function pod(name: string, nodeName: string, spec: Partial<V1Pod['spec']> & { containers: V1Container[] }): V1Pod {
  return {
    metadata: { name },
    spec: {
      nodeName, terminationGracePeriodSeconds: 1, securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'shared', emptyDir: {} }, { name: 'config', configMap: { name: 'sip' } }],
      ...spec,
    },
  };
}

/** What the image checks run on: the real cluster of the chart's e2e, once it is up. */
export interface ImageBed {
  readonly kc: KubeConfig;
  readonly node: RealNode;
  readonly images: readonly BuiltImage[];
}

/**
 * The images the chart runs, built here without a registry (images/build.sh:
 * mmdebstrap bases, the repository's Dockerfile through buildah) and imported
 * into the real node's containerd, run as the chart runs them: as uid 65532
 * with a read-only root filesystem and every capability dropped. Declared
 * inside the chart's e2e (chart.test.ts), on its cluster: one real node and
 * one image import per run.
 */
export function imageChecks(bed: () => ImageBed): void {
  describe('the chart\'s images, built without a registry', () => {
    let kc: KubeConfig;
    let core: CoreV1Api;
    let node: RealNode;
    let ns: string;
    let images: readonly BuiltImage[];

    before(async () => {
      ({ kc, node, images } = bed());
      core = kc.makeApiClient(CoreV1Api);
      ns = await freshNamespace(kc, 'realnode-img');
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'sip' }, data: { 'kamailio.cfg': sproutKamailioConfig({ listen: { host: '0.0.0.0', port: 5060 } }) } } });
    });

    after(async () => {
      if (ns) await deleteNamespaceAndPods(kc, ns);
    });

    const readyPod = (name: string): Promise<V1Pod> => eventually(async () => {
      const p = await core.readNamespacedPod({ name, namespace: ns });
      return ready(p) ? p : undefined;
    }, 120_000, `pod ${name} Ready\n${node.kubeletLog()}`, 250);
    const uid = async (p: V1Pod, container: string): Promise<string> => processUid(await containerPid(node, p, container));

    test('the images built are the ones the chart, installed as the README does, asks for', async () => {
      const { stdout } = await run(join(controlPlaneBinDir(), 'helm'), ['template', 'sip', 'charts/vnf-agent', '-n', 'sip'], { timeout: 60_000 });
      const asked = new Set([...stdout.matchAll(/^\s+image: "?([^"\s]+)"?$/gm)].map((m) => normalise(m[1] ?? '')));
      assert.deepEqual([...asked].sort(), images.map((i) => i.name).sort());
    });

    test('vnf-agent (the repository\'s Dockerfile): the chart\'s peers-file init container, then the agent serving on its pod address', async () => {
      const agent = imageNamed(images, 'docker.io/library/vnf-agent:').name;
      const mounts = [{ name: 'tmp', mountPath: '/tmp' }, { name: 'shared', mountPath: '/var/run/vnf-agent' }];
      await core.createNamespacedPod({ namespace: ns, body: pod('agent', node.name, {
        initContainers: [{
          name: 'peers-file', image: agent, imagePullPolicy: 'Never', securityContext: HARDENED, volumeMounts: mounts,
          command: ['node', '-e', "require('node:fs').appendFileSync(process.env.VNF_AGENT_PEERS_FILE, '')"],
          env: [{ name: 'VNF_AGENT_PEERS_FILE', value: PEERS_FILE }],
        }],
        containers: [{
          name: 'agent', image: agent, imagePullPolicy: 'Never', securityContext: HARDENED, volumeMounts: mounts,
          // The image's own entrypoint (node /app/dist/agent/main.js); the stand-in API server needs no cluster.
          args: ['apiserver', '--listen', '0.0.0.0:6443', '--no-crds'],
          readinessProbe: { tcpSocket: { port: 6443 }, periodSeconds: 1 },
        }],
      }) });
      const p = await readyPod('agent');
      assert.equal(p.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 0, 'the init container wrote the peers file');
      const res = await fetch(`http://${p.status?.podIP}:6443/api`, { signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 200);
      assert.equal(await uid(p, 'agent'), '65532', 'the Dockerfile\'s USER');
    });

    test('kamailio:5.6.3 from Debian answers JSON-RPC and /metrics on its SIP port at its pod address; the helm test image reaches it pod to pod', async () => {
      const kamailio = imageNamed(images, 'docker.io/library/kamailio:').name;
      await core.createNamespacedPod({ namespace: ns, body: pod('sip', node.name, {
        containers: [{
          name: 'kamailio', image: kamailio, imagePullPolicy: 'Never', securityContext: HARDENED,
          args: ['-DD', '-E', '-f', '/etc/sip/kamailio.cfg', '-Y', '/tmp'],
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'config', mountPath: '/etc/sip' }],
          readinessProbe: { httpGet: { path: '/metrics', port: 5060 }, periodSeconds: 1 },
        }],
      }) });
      const sip = await readyPod('sip');
      const ip = sip.status?.podIP ?? '';
      const rpc = await postJson(`http://${ip}:5060/RPC`, { jsonrpc: '2.0', method: 'core.version', id: 1 });
      assert.match((JSON.parse(rpc) as { result?: string }).result ?? '', /5\.6\.3/);
      assert.equal(await uid(sip, 'kamailio'), '65532');

      // As templates/tests/readyz.yaml runs it.
      const curl = imageNamed(images, 'docker.io/curlimages/curl:').name;
      await core.createNamespacedPod({ namespace: ns, body: pod('readyz', node.name, {
        restartPolicy: 'Never',
        containers: [{
          name: 'readyz', image: curl, imagePullPolicy: 'Never', securityContext: HARDENED, command: ['curl'],
          args: ['--fail', '--silent', '--show-error', '--max-time', '5', '--retry', '10', '--retry-all-errors', `http://${ip}:5060/metrics`],
        }],
      }) });
      const phase = await eventually(async () => {
        const p = await core.readNamespacedPod({ name: 'readyz', namespace: ns });
        return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p.status.phase : undefined;
      }, 120_000, `readyz pod finished\n${node.kubeletLog()}`, 250);
      assert.equal(phase, 'Succeeded');
    });
  });
}
