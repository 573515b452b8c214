import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { controlPlaneBinDir, startControlPlane } from '../support/controlplane.js';
import { startRealCluster } from '../realnode/cluster.js';
import { SimulatedKubelet } from '../support/kubelet/kubelet.js';
import { defaultRunners } from '../support/kubelet/default-runners.js';
import { installCrd, kubeConfigFrom } from '../support/kube.js';

/**
 * `npm run controlplane`: the real control plane plus the simulated kubelet,
 * standalone, for exploring with kubectl; test/run.sh starts it once per run
 * and shares it between test files. `-- --real-node` starts a whole cluster on
 * a real node instead (test/realnode/cluster.ts: its own control plane, kubelet,
 * containerd, kube-scheduler, kube-proxy, CoreDNS and the chart's images; as
 * root), where `helm install sip charts/vnf-agent -n sip --create-namespace`
 * runs as on any cluster. Stops cleanly on Ctrl-C / SIGTERM.
 */
const { values } = parseArgs({ options: { 'ready-file': { type: 'string' }, 'real-node': { type: 'boolean' } } });
const started = performance.now();
let stopAll: () => Promise<void>;
let kubeconfigPath: string;
if (values['real-node']) {
  const cluster = await startRealCluster({ binDir: controlPlaneBinDir() });
  kubeconfigPath = cluster.kubeconfigPath;
  stopAll = () => cluster.stop();
  process.stdout.write(`real node ${cluster.node.name} Ready with kube-scheduler, kube-proxy, CoreDNS and the chart's images (ctr -a ${cluster.node.containerd.socket} -n k8s.io images ls; logs in ${cluster.node.dir})\n`);
} else {
  const cp = await startControlPlane();
  const kc = kubeConfigFrom(cp.kubeconfigPath);
  await installCrd(kc);
  const kubelet = new SimulatedKubelet({ kubeConfig: kc, runners: defaultRunners, logDir: join(cp.dir, 'pods') });
  await kubelet.start();
  kubeconfigPath = cp.kubeconfigPath;
  stopAll = async () => {
    await kubelet.stop();
    await cp.stop();
  };
  process.stdout.write(`(pod logs in ${join(cp.dir, 'pods')})\n`);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(`control plane ready in ${seconds}s\nexport KUBECONFIG=${kubeconfigPath}\n(Ctrl-C stops everything)\n`);
if (values['ready-file']) writeFileSync(values['ready-file'], `${kubeconfigPath}\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await stopAll();
  process.exit(0);
};
process.removeAllListeners('SIGINT').removeAllListeners('SIGTERM');
process.on('SIGINT', () => void stop()).on('SIGTERM', () => void stop());
