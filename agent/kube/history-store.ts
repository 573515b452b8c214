import type { V1ConfigMap } from '@kubernetes/client-node';
import type { CurvePayload } from '../scaling/predictive/codec.js';
import type { HistoryOwner, HistoryStore, StoredHistory } from '../scaling/predictive/store.js';
import { seg, type KubeApi } from './request.js';
import { toKubeError } from './errors.js';

/**
 * The ConfigMaps that keep each VnfCluster's load history. Owned by the
 * VnfCluster (deleting the cluster deletes its history). Replaces carry the
 * resourceVersion just read, so a write from a stale read fails with 409.
 */
export class HistoryConfigMaps implements HistoryStore {
  constructor(
    private readonly api: KubeApi,
    readonly namespace: string,
    private readonly timeoutMs: number,
  ) {}

  #path(name?: string): string {
    const base = `/api/v1/namespaces/${seg(this.namespace)}/configmaps`;
    return name === undefined ? base : `${base}/${seg(name)}`;
  }

  async read(name: string, signal?: AbortSignal): Promise<StoredHistory | null> {
    try {
      const cm = await this.api.get<V1ConfigMap>(this.#path(name), { timeoutMs: this.timeoutMs, signal });
      return { data: cm.data ?? {}, binaryData: cm.binaryData ?? {}, version: cm.metadata?.resourceVersion ?? '' };
    } catch (err) {
      const e = toKubeError(err, `read ConfigMap ${this.namespace}/${name}`);
      if (e.isNotFound) return null;
      throw e;
    }
  }

  async create(name: string, owner: HistoryOwner, payload: CurvePayload, signal?: AbortSignal): Promise<string> {
    try {
      const cm = await this.api.create<V1ConfigMap>(this.#path(), this.#body(name, owner, payload), { timeoutMs: this.timeoutMs, signal });
      return cm.metadata?.resourceVersion ?? '';
    } catch (err) {
      throw toKubeError(err, `create ConfigMap ${this.namespace}/${name}`);
    }
  }

  async replace(name: string, owner: HistoryOwner, payload: CurvePayload, version: string, signal?: AbortSignal): Promise<string> {
    try {
      const cm = await this.api.replace<V1ConfigMap>(this.#path(name), this.#body(name, owner, payload, version), { timeoutMs: this.timeoutMs, signal });
      return cm.metadata?.resourceVersion ?? '';
    } catch (err) {
      throw toKubeError(err, `replace ConfigMap ${this.namespace}/${name}`);
    }
  }

  #body(name: string, owner: HistoryOwner, payload: CurvePayload, version?: string): V1ConfigMap {
    // Without the owner's uid there is no valid ownerReference; the ConfigMap then outlives the cluster.
    const ownerReferences = owner.uid ? [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid }] : undefined;
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: this.namespace, labels: { 'vnf-agent.dev/cluster': owner.name }, ...(ownerReferences ? { ownerReferences } : {}), ...(version === undefined ? {} : { resourceVersion: version }) },
      data: payload.data,
      binaryData: payload.binaryData,
    };
  }
}
