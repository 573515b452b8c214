import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane } from '../support/controlplane.js';
import { SimulatedKubelet } from '../support/kubelet/kubelet.js';
import { defaultRunners } from '../support/kubelet/default-runners.js';
import { installCrd, kubeConfigFrom } from '../support/kube.js';

/**
 * `npm run controlplane`: the real control plane plus the simulated kubelet,
 * standalone, for exploring with kubectl; test/run.sh starts it once per run
 * and shares it between test files. Stops cleanly on Ctrl-C / SIGTERM.
 */
const { values } = parseArgs({ options: { 'ready-file': { type: 'string' } } });
const started = performance.now();
const cp = await startControlPlane();
const kc = kubeConfigFrom(cp.kubeconfigPath);
await installCrd(kc);
const kubelet = new SimulatedKubelet({ kubeConfig: kc, runners: defaultRunners, logDir: join(cp.dir, 'pods') });
await kubelet.start();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(`control plane ready in ${seconds}s\nexport KUBECONFIG=${cp.kubeconfigPath}\n(pod logs in ${join(cp.dir, 'pods')}; Ctrl-C stops everything)\n`);
if (values['ready-file']) writeFileSync(values['ready-file'], `${cp.kubeconfigPath}\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await kubelet.stop();
  await cp.stop();
  process.exit(0);
};
process.removeAllListeners('SIGINT').removeAllListeners('SIGTERM');
process.on('SIGINT', () => void stop()).on('SIGTERM', () => void stop());
