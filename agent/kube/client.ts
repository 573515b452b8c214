// The module itself, not the package index: the index also loads the generated Api classes.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { Clock } from '../clock/clock.js';
import { KubeApi, kubeConfigTransport } from './request.js';

/**
 * In a pod: the ServiceAccount. Elsewhere: the given kubeconfig file, else
 * KUBECONFIG / ~/.kube/config as kubectl would.
 */
export function loadKubeConfig(kubeconfigPath: string, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/**
 * The request layer over a KubeConfig: every call authenticates as the
 * KubeConfig says at that moment. `userAgent` names the sender in the API
 * server's audit log and metrics; the sidecars of one workload share a
 * ServiceAccount, so only it tells which pod wrote.
 */
export function makeKubeApi(kubeConfig: KubeConfig, clock: Clock, userAgent?: string): KubeApi {
  return new KubeApi(kubeConfigTransport(kubeConfig, userAgent), clock);
}

/** client-go's form (`binary/version (detail)`), with the pod as the detail. */
export function agentUserAgent(version: string, pod: string): string {
  return `vnf-agent/${version} (${pod})`;
}
