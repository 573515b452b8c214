import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeApi } from '../../agent/kube/request.js';

/** What every conformance case gets: a client for the target and a namespace of its own. */
export interface SuiteContext {
  kc: KubeConfig;
  /** The agent's request layer over `kc`, as createKubeAdapters builds it. */
  api: KubeApi;
  kubeconfigPath: string;
  namespace: string;
}
