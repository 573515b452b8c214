import type { CustomObjectsApi } from '@kubernetes/client-node';
import { VNF_GROUP, VNF_PLURAL, VNF_VERSION, type VnfCluster, type VnfClusterStatus } from '../model/vnfcluster.js';
import { callOptions, PatchStrategy } from './request.js';
import { toKubeError } from './errors.js';

/** Reads a VnfCluster and writes its status subresource, conditional on the version read. */
export class VnfClusterClient {
  constructor(
    private readonly custom: CustomObjectsApi,
    readonly namespace: string,
    private readonly timeoutMs: number,
  ) {}

  async get(name: string, signal?: AbortSignal): Promise<VnfCluster> {
    try {
      return (await this.custom.getNamespacedCustomObject(
        { group: VNF_GROUP, version: VNF_VERSION, plural: VNF_PLURAL, namespace: this.namespace, name },
        callOptions({ timeoutMs: this.timeoutMs, signal }),
      )) as VnfCluster;
    } catch (err) {
      throw toKubeError(err, `get VnfCluster ${this.namespace}/${name}`);
    }
  }

  /**
   * Merge-patches `status` through the status subresource. The patch carries
   * `resourceVersion`, so it fails with 409 if the object changed since `version`.
   */
  async patchStatus(name: string, status: Partial<VnfClusterStatus>, version: string, signal?: AbortSignal): Promise<VnfCluster> {
    try {
      return (await this.custom.patchNamespacedCustomObjectStatus(
        {
          group: VNF_GROUP, version: VNF_VERSION, plural: VNF_PLURAL, namespace: this.namespace, name,
          body: { metadata: { resourceVersion: version }, status },
        },
        callOptions({ timeoutMs: this.timeoutMs, signal, contentType: PatchStrategy.MergePatch }),
      )) as VnfCluster;
    } catch (err) {
      throw toKubeError(err, `patch status of VnfCluster ${this.namespace}/${name}`);
    }
  }
}
