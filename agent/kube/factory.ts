import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { agentUserAgent, loadKubeConfig, makeKubeApi } from './client.js';
import { packageVersion } from '../version.js';
import { KubeLeaseLock } from './lease-lock.js';
import { DeploymentScale } from './scale.js';
import { PodAnnotator, PodWatch, type PodFacts } from './pods.js';
import { VnfClusterClient } from './vnfcluster.js';
import { VnfClusterWatch } from './vnfcluster-watch.js';
import { EventRecorder } from './events.js';
import { HistoryConfigMaps } from './history-store.js';
import { ServiceClient } from './services.js';

export interface KubeSettings {
  readonly kubeconfig: string;
  readonly podNamespace: string;
  readonly podName: string;
  /** Deadline of every API call; below the renew deadline. */
  readonly apiTimeoutMs: number;
}

/**
 * The agent's whole view of Kubernetes, as adapters: nothing outside kube/
 * imports @kubernetes/client-node.
 */
export interface KubeAdapters {
  leaseLock(name: string, labels?: Record<string, string>): KubeLeaseLock;
  scale(deployment: string): DeploymentScale;
  podWatch(labelSelector: string, onChange: (pods: readonly PodFacts[]) => void): PodWatch;
  readonly annotator: PodAnnotator;
  readonly vnfClusters: VnfClusterClient;
  vnfClusterWatch(onChange: () => void): VnfClusterWatch;
  readonly events: EventRecorder;
  readonly histories: HistoryConfigMaps;
  readonly services: ServiceClient;
  /** The same PodAnnotator: it also writes this pod's own member label. */
  readonly podLabels: PodAnnotator;
}

export function createKubeAdapters(settings: KubeSettings, clock: Clock, logger: Logger): KubeAdapters {
  const kubeConfig = loadKubeConfig(settings.kubeconfig);
  const api = makeKubeApi(kubeConfig, clock, agentUserAgent(packageVersion(), settings.podName));
  const ns = settings.podNamespace;
  const timeoutMs = settings.apiTimeoutMs;
  const annotator = new PodAnnotator(api, ns, timeoutMs);
  return {
    leaseLock: (name, labels) => new KubeLeaseLock({ api, kubeConfig, clock, logger, namespace: ns, name, timeoutMs, ...(labels ? { labels } : {}) }),
    scale: (deployment) => new DeploymentScale(api, ns, deployment, timeoutMs),
    podWatch: (labelSelector, onChange) => new PodWatch({ api, kubeConfig, clock, logger, namespace: ns, labelSelector, timeoutMs, onChange }),
    annotator,
    podLabels: annotator,
    vnfClusters: new VnfClusterClient(api, ns, timeoutMs),
    vnfClusterWatch: (onChange) => new VnfClusterWatch({ api, kubeConfig, clock, logger, namespace: ns, timeoutMs, onChange }),
    events: new EventRecorder(api, ns, settings.podName, clock, timeoutMs),
    histories: new HistoryConfigMaps(api, ns, timeoutMs),
    services: new ServiceClient(api, ns, timeoutMs),
  };
}
