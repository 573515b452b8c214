import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, promisify } from 'node:util';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { machine } from '../../bench/lib/report.js';
import { controlPlaneBinDir, startControlPlane } from '../support/controlplane.js';
import { kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { chartImages } from './images.js';
import { startRealNode } from './node.js';
import { buildImage, busyboxImage } from './oci-image.js';

/**
 * Figures for the real node (bench/results/realnode.json): a warm image build,
 * image sizes, the node's start to Ready, a pod's create to Ready, a kill to
 * Ready again, the images' import, and the node's teardown. Cold build times
 * come from build logs given with --cold-log (lines "realnode images: built X
 * in Ns", "controlplane: binaries ready in Ns"), kept verbatim.
 * Usage: node --import tsx test/realnode/measure.ts [--cold-log FILE]... [--out FILE]
 */
const run = promisify(execFile);
const { values } = parseArgs({ options: { 'cold-log': { type: 'string', multiple: true }, out: { type: 'string', default: 'bench/results/realnode.json' } } });
const seconds = (from: number): number => Math.round(performance.now() - from) / 1000;
const ready = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

const m = machine();
let t = performance.now();
const images = await chartImages();
const warmImageBuildS = seconds(t);
const sizes = Object.fromEntries(images.map((i) => [i.name, { archiveMiB: Math.round((i.bytes / 2 ** 20) * 10) / 10 }]));

const cp = await startControlPlane();
const kc = kubeConfigFrom(cp.kubeconfigPath);
const core = kc.makeApiClient(CoreV1Api);
t = performance.now();
const node = await startRealNode({ kubeconfigPath: cp.kubeconfigPath, binDir: controlPlaneBinDir() });
const nodeStartToReadyS = seconds(t);
t = performance.now();
for (const i of images) await node.importImage(i.archive);
const importAllImagesS = seconds(t);
// Unpacked sizes, as `docker images` shows them, from build.sh's buildah storage.
const cache = process.env.VNF_REALNODE_CACHE ?? `${process.env.XDG_CACHE_HOME ?? `${process.env.HOME}/.cache`}/vnf-agent/realnode`;
const runroot = `/run/vnf-agent-buildah-${createHash('sha256').update(`${cache}\n`).digest('hex').slice(0, 12)}`;
const listed = await run('buildah', ['--root', `${cache}/buildah`, '--runroot', runroot, '--storage-driver', 'overlay', 'images', '--format', '{{.Name}}:{{.Tag}} {{.Size}}'], { timeout: 30_000 });
for (const line of listed.stdout.split('\n')) {
  const [ref = '', ...size] = line.trim().split(/\s+/);
  const entry = sizes[ref];
  if (entry) Object.assign(entry, { unpacked: size.join(' ') });
}

await node.importImage(await buildImage(busyboxImage('docker.io/library/vnf-busybox:test', ['/bin/sh'])));
t = performance.now();
await core.createNamespacedPod({ namespace: 'default', body: {
  metadata: { name: 'web' },
  spec: {
    nodeName: node.name, terminationGracePeriodSeconds: 1,
    containers: [{
      name: 'web', image: 'docker.io/library/vnf-busybox:test', imagePullPolicy: 'Never',
      command: ['/bin/sh', '-c', 'mkdir -p /tmp/www && echo ok > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www'],
      readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
    }],
  },
} });
const readPod = (): Promise<V1Pod> => core.readNamespacedPod({ name: 'web', namespace: 'default' });
const first = await eventually(async () => ((p) => (ready(p) ? p : undefined))(await readPod()), 90_000, 'pod Ready', 100);
const podCreateToReadyS = seconds(t);
const id = (first.status?.containerStatuses?.[0]?.containerID ?? '').replace('containerd://', '');
const pid = Number((await node.ctr(['tasks', 'ls'])).split('\n').find((l) => l.startsWith(id))?.trim().split(/\s+/)[1]);
t = performance.now();
process.kill(pid, 'SIGKILL');
await eventually(async () => ((p) => ((p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && ready(p) ? p : undefined))(await readPod()), 90_000, 'restarted', 100);
const killToReadyAgainS = seconds(t);
const kubeletRssMiB = Math.round(Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${(await run('pgrep', ['-f', `kubelet --config=${node.dir}`])).stdout.trim()}/status`, 'utf8'))?.[1] ?? 0) / 1024);
t = performance.now();
await node.stop();
const teardownS = seconds(t);
await cp.stop();

const coldLogs = (values['cold-log'] ?? []).flatMap((f) => readFileSync(f, 'utf8').split('\n'))
  .filter((l) => /^# |^realnode images: built |^controlplane: (building|binaries ready)|^real\s/.test(l));
const result = {
  machine: m,
  warmImageBuildS, importAllImagesS, images: sizes,
  nodeStartToReadyS, podCreateToReadyS, killToReadyAgainS, kubeletRssMiB, teardownS,
  coldBuildLog: coldLogs,
};
writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
