import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { controlPlaneBinDir } from '../support/controlplane.js';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { deleteNamespaceAndPods, freshNamespace, kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { checkRoutes, ipForwarding, routeDevice } from './network.js';
import { startRealNode, STATE_FILE, type RealNode } from './node.js';
import { buildImage, busyboxImage } from './oci-image.js';

const run = promisify(execFile);
const IMAGE = 'docker.io/library/vnf-busybox:test';
const WEB = 'mkdir -p /tmp/www && echo ok > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www';

function webPod(name: string, nodeName: string): V1Pod {
  return {
    metadata: { name },
    spec: {
      nodeName, terminationGracePeriodSeconds: 1, restartPolicy: 'Always',
      containers: [{
        name: 'web', image: IMAGE, imagePullPolicy: 'Never', command: ['/bin/sh', '-c', WEB],
        readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
      }],
    },
  };
}

const ready = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * A real kubelet on containerd runs a pod from an image built here without a
 * registry: the pod gets an address on the test bed's bridge, turns Ready
 * through an HTTP probe the kubelet sends over that bridge, and is restarted by
 * the kubelet after its process is killed. Nothing it does turns on IP
 * forwarding, and teardown leaves nothing behind.
 */
describe('real node: kubelet, containerd, CNI bridge', { timeout: 300_000 }, () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let node: RealNode;
  let ns: string;
  const forwardingBefore = ipForwarding();

  before(async () => {
    kc = kubeConfigFrom(await sharedKubeconfig());
    core = kc.makeApiClient(CoreV1Api);
    node = await startRealNode({ kubeconfigPath: await sharedKubeconfig(), binDir: controlPlaneBinDir() });
    await node.importImage(await buildImage(busyboxImage(IMAGE, ['/bin/sh'])));
    ns = await freshNamespace(kc, 'realnode');
  });

  after(async () => {
    if (ns) await deleteNamespaceAndPods(kc, ns);
    await node?.stop();
    await stopOwnControlPlane();
  });

  const readPod = (name: string): Promise<V1Pod> => core.readNamespacedPod({ name, namespace: ns });

  test('a pod from a locally built image turns Ready on its own bridge address, and is restarted after a kill', async () => {
    await core.createNamespacedPod({ namespace: ns, body: webPod('web', node.name) });
    const pod = await eventually(async () => {
      const p = await readPod('web');
      return ready(p) ? p : undefined;
    }, 90_000, `pod Ready on the real node\n${node.kubeletLog()}`, 250);
    const ip = pod.status?.podIP ?? '';
    assert.match(ip, /^10\.244\.0\.\d+$/, 'an address from the bridge\'s range');
    assert.equal(await routeDevice(ip), node.network.bridge);
    // The test process reaches the pod over the bridge, as the kubelet's probe does.
    const body = await (await fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(5000) })).text();
    assert.equal(body.trim(), 'ok');

    const containerId = (pod.status?.containerStatuses?.[0]?.containerID ?? '').replace('containerd://', '');
    const task = (await node.ctr(['tasks', 'ls'])).split('\n').find((l) => l.startsWith(containerId));
    const pid = Number(task?.trim().split(/\s+/)[1]);
    assert.ok(pid > 0, `the container's process (${containerId})`);
    process.kill(pid, 'SIGKILL');
    const restarted = await eventually(async () => {
      const p = await readPod('web');
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && ready(p) ? p : undefined;
    }, 90_000, `pod restarted and Ready again\n${node.kubeletLog()}`, 250);
    assert.equal(restarted.status?.podIP, ip, 'the restart keeps the pod\'s sandbox and address');
  });

  test('pod and Service addresses route to the test bed\'s own devices; IP forwarding is untouched', async () => {
    await checkRoutes(node.network);
    assert.equal(ipForwarding(), forwardingBefore);
  });

  test('teardown removes containers, namespaces, mounts, devices and cgroups, and restores the kernel settings', async () => {
    const tunablesBefore = readFileSync(STATE_FILE, 'utf8').match(/^SYSCTLS='(.*)'$/m)?.[1] ?? '';
    await deleteNamespaceAndPods(kc, ns);
    ns = '';
    await node.stop();
    assert.equal(existsSync(STATE_FILE), false);
    assert.equal(existsSync(node.dir), false);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    assert.equal(mounts.includes(node.dir), false, 'no mount left under the node\'s folder');
    const links = (await run('ip', ['-br', 'link'], { timeout: 5000 })).stdout;
    assert.equal(links.includes(node.network.bridge), false);
    assert.equal(links.includes(node.network.serviceDevice), false);
    assert.equal(existsSync('/sys/fs/cgroup/memory/kubepods'), false);
    for (const kv of tunablesBefore.split(' ').filter(Boolean)) {
      const [key = '', value = ''] = kv.split('=');
      assert.equal(readFileSync(`/proc/sys/${key}`, 'utf8').trim(), value, key);
    }
    const shims = (await run('ps', ['-eo', 'args'], { timeout: 5000 })).stdout.split('\n').filter((l) => l.includes(node.containerd.socket));
    assert.deepEqual(shims, []);
  });
});
