import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { controlPlaneBinDir, startControlPlane } from '../support/controlplane.js';
import { startRealNode, type RealNode } from '../realnode/node.js';
import { SimulatedKubelet } from '../support/kubelet/kubelet.js';
import { defaultRunners } from '../support/kubelet/default-runners.js';
import { installCrd, kubeConfigFrom } from '../support/kube.js';

/**
 * `npm run controlplane`: the real control plane plus the simulated kubelet,
 * standalone, for exploring with kubectl; test/run.sh starts it once per run
 * and shares it between test files. `-- --real-node` adds a real node
 * (test/realnode: kubelet, containerd, a pod bridge; as root). Stops cleanly on
 * Ctrl-C / SIGTERM.
 */
const { values } = parseArgs({ options: { 'ready-file': { type: 'string' }, 'real-node': { type: 'boolean' } } });
const started = performance.now();
const cp = await startControlPlane();
const kc = kubeConfigFrom(cp.kubeconfigPath);
await installCrd(kc);
const kubelet = new SimulatedKubelet({ kubeConfig: kc, runners: defaultRunners, logDir: join(cp.dir, 'pods') });
await kubelet.start();
const realNode: RealNode | undefined = values['real-node'] ? await startRealNode({ kubeconfigPath: cp.kubeconfigPath, binDir: controlPlaneBinDir() }) : undefined;
const seconds = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(`control plane ready in ${seconds}s\nexport KUBECONFIG=${cp.kubeconfigPath}\n(pod logs in ${join(cp.dir, 'pods')}; Ctrl-C stops everything)\n`);
if (realNode) {
  process.stdout.write(`real node ${realNode.name} Ready: pods with spec.nodeName=${realNode.name} run on it (images: ctr -a ${realNode.containerd.socket} -n k8s.io images ls; logs in ${realNode.dir})\n`);
}
if (values['ready-file']) writeFileSync(values['ready-file'], `${cp.kubeconfigPath}\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await realNode?.stop();
  await kubelet.stop();
  await cp.stop();
  process.exit(0);
};
process.removeAllListeners('SIGINT').removeAllListeners('SIGTERM');
process.on('SIGINT', () => void stop()).on('SIGTERM', () => void stop());
