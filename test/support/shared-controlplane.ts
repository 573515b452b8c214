import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from './controlplane.js';
import { SimulatedKubelet } from './kubelet/kubelet.js';
import { defaultRunners } from './kubelet/default-runners.js';
import { installCrd, kubeConfigFrom } from './kube.js';

let own: Promise<{ cp: ControlPlane; kubelet: SimulatedKubelet }> | undefined;

async function startOwn(): Promise<{ cp: ControlPlane; kubelet: SimulatedKubelet }> {
  const cp = await startControlPlane();
  const kc = kubeConfigFrom(cp.kubeconfigPath);
  await installCrd(kc);
  const kubelet = new SimulatedKubelet({ kubeConfig: kc, runners: defaultRunners, logDir: join(cp.dir, 'pods') });
  await kubelet.start();
  return { cp, kubelet };
}

/**
 * The control plane for this test file: the one test/run.sh started for the
 * whole run (VNF_TEST_KUBECONFIG), or, when a file is run alone, the same
 * setup (control plane, CRD, simulated kubelet) started for this process.
 */
export async function sharedKubeconfig(): Promise<string> {
  const shared = process.env.VNF_TEST_KUBECONFIG;
  if (shared) return shared;
  own ??= startOwn();
  return (await own).cp.kubeconfigPath;
}

export async function stopOwnControlPlane(): Promise<void> {
  if (!own) return;
  const { cp, kubelet } = await own;
  own = undefined;
  await kubelet.stop();
  await cp.stop();
}
