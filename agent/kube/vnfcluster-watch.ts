import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { VNF_GROUP, VNF_PLURAL, VNF_VERSION, type VnfCluster } from '../model/vnfcluster.js';
import { seg, type KubeApi } from './request.js';
import { WatchCache } from './watch-cache.js';

/**
 * Every VnfCluster of the namespace, kept current by a resilient watch: the
 * agent's own policy (re-read the moment it changes) and its upstreams'
 * selectors come from here.
 */
export class VnfClusterWatch {
  readonly #cache: WatchCache<VnfCluster, VnfCluster>;

  constructor(o: { api: KubeApi; kubeConfig: KubeConfig; clock: Clock; logger: Logger; namespace: string; timeoutMs: number; onChange: () => void }) {
    const path = `/apis/${VNF_GROUP}/${VNF_VERSION}/namespaces/${seg(o.namespace)}/${VNF_PLURAL}`;
    this.#cache = new WatchCache<VnfCluster, VnfCluster>({
      kubeConfig: o.kubeConfig,
      clock: o.clock,
      logger: o.logger,
      path,
      list: async (signal) => {
        const list = await o.api.get<{ items: VnfCluster[]; metadata?: { resourceVersion?: string } }>(path, { timeoutMs: o.timeoutMs, signal });
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
      },
      project: (vc) => vc,
      keyOf: (vc) => vc.metadata.name,
      onChange: o.onChange,
    });
  }

  get synced(): boolean {
    return this.#cache.synced;
  }

  get(name: string): VnfCluster | undefined {
    return this.#cache.get(name);
  }

  start(): void {
    this.#cache.start();
  }

  stop(): Promise<void> {
    return this.#cache.stop();
  }
}
