import type { KubeConfig } from '@kubernetes/client-node';

/** What every conformance case gets: a client for the target and a namespace of its own. */
export interface SuiteContext {
  kc: KubeConfig;
  kubeconfigPath: string;
  namespace: string;
}
