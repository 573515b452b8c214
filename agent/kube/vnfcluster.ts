import type { CustomObjectsApi } from '@kubernetes/client-node';
import { VNF_GROUP, VNF_PLURAL, VNF_VERSION, type VnfCluster, type VnfClusterStatus } from '../model/vnfcluster.js';
import type { Clock } from '../clock/clock.js';
import { kubeCall, PatchStrategy } from './request.js';
import { toKubeError } from './errors.js';

/** Reads a VnfCluster and writes its status subresource, conditional on the version read. */
export class VnfClusterClient {
  constructor(
    private readonly custom: CustomObjectsApi,
    readonly namespace: string,
    private readonly timeoutMs: number,
    private readonly clock: Clock,
  ) {}

  async get(name: string, signal?: AbortSignal): Promise<VnfCluster> {
    try {
      return (await kubeCall({ timeoutMs: this.timeoutMs, signal, clock: this.clock }, (call) =>
        this.custom.getNamespacedCustomObject({ group: VNF_GROUP, version: VNF_VERSION, plural: VNF_PLURAL, namespace: this.namespace, name }, call),
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
      return (await kubeCall({ timeoutMs: this.timeoutMs, signal, contentType: PatchStrategy.MergePatch, clock: this.clock }, (call) =>
        this.custom.patchNamespacedCustomObjectStatus(
          {
            group: VNF_GROUP, version: VNF_VERSION, plural: VNF_PLURAL, namespace: this.namespace, name,
            body: { metadata: { resourceVersion: version }, status },
          },
          call,
        ),
      )) as VnfCluster;
    } catch (err) {
      throw toKubeError(err, `patch status of VnfCluster ${this.namespace}/${name}`);
    }
  }
}
