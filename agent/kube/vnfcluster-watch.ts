import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import { VNF_GROUP, VNF_PLURAL, VNF_VERSION, type VnfCluster } from '../model/vnfcluster.js';
import { seg, type KubeApi } from './request.js';
import { ResilientWatch } from './watch.js';

/**
 * Every VnfCluster of the namespace, kept current by a resilient watch: the
 * agent's own policy (re-read the moment it changes) and its upstreams'
 * selectors come from here.
 */
export class VnfClusterWatch {
  readonly #clusters = new Map<string, VnfCluster>();
  readonly #watch: ResilientWatch<VnfCluster>;
  #synced = false;

  constructor(o: { api: KubeApi; kubeConfig: KubeConfig; clock: Clock; logger: Logger; namespace: string; timeoutMs: number; onChange: () => void }) {
    const path = `/apis/${VNF_GROUP}/${VNF_VERSION}/namespaces/${seg(o.namespace)}/${VNF_PLURAL}`;
    this.#watch = new ResilientWatch<VnfCluster>({
      kubeConfig: o.kubeConfig,
      clock: o.clock,
      logger: o.logger,
      path,
      list: async (signal) => {
        const list = await o.api.get<{ items: VnfCluster[]; metadata?: { resourceVersion?: string } }>(path, { timeoutMs: o.timeoutMs, signal });
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
      },
      onSync: (items) => {
        this.#clusters.clear();
        for (const vc of items) this.#clusters.set(vc.metadata.name, vc);
        this.#synced = true;
        o.onChange();
      },
      onEvent: (type, vc) => {
        if (type === 'DELETED') this.#clusters.delete(vc.metadata.name);
        else this.#clusters.set(vc.metadata.name, vc);
        o.onChange();
      },
    });
  }

  get synced(): boolean {
    return this.#synced;
  }

  get(name: string): VnfCluster | undefined {
    return this.#clusters.get(name);
  }

  start(): void {
    this.#watch.start();
  }

  stop(): Promise<void> {
    return this.#watch.stop();
  }
}
