import { VNF_GROUP, VNF_PLURAL, VNF_VERSION, type VnfCluster, type VnfClusterStatus } from '../model/vnfcluster.js';
import { seg, type KubeApi } from './request.js';
import { toKubeError } from './errors.js';

/** Reads a VnfCluster and writes its status subresource, conditional on the version read. */
export class VnfClusterClient {
  constructor(
    private readonly api: KubeApi,
    readonly namespace: string,
    private readonly timeoutMs: number,
  ) {}

  #path(name: string): string {
    return `/apis/${VNF_GROUP}/${VNF_VERSION}/namespaces/${seg(this.namespace)}/${VNF_PLURAL}/${seg(name)}`;
  }

  async get(name: string, signal?: AbortSignal): Promise<VnfCluster> {
    try {
      return await this.api.get<VnfCluster>(this.#path(name), { timeoutMs: this.timeoutMs, signal });
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
      const body = { metadata: { resourceVersion: version }, status };
      return await this.api.mergePatch<VnfCluster>(`${this.#path(name)}/status`, body, { timeoutMs: this.timeoutMs, signal });
    } catch (err) {
      throw toKubeError(err, `patch status of VnfCluster ${this.namespace}/${name}`);
    }
  }
}
