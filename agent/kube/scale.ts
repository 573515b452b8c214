import type { V1Scale } from '@kubernetes/client-node';
import { seg, type KubeApi } from './request.js';
import { toKubeError } from './errors.js';

export interface ScaleReading {
  /** spec.replicas: what the Deployment is asked to run. */
  readonly replicas: number;
  /** status.replicas: what it runs now. */
  readonly currentReplicas: number;
  readonly selector: string;
  readonly version: string;
}

const reading = (scale: V1Scale): ScaleReading => ({
  replicas: scale.spec?.replicas ?? 0,
  currentReplicas: scale.status?.replicas ?? 0,
  selector: scale.status?.selector ?? '',
  version: scale.metadata?.resourceVersion ?? '',
});

/**
 * The Deployment's scale subresource. Writes are merge patches that carry the
 * resourceVersion just read, so a write based on a stale read fails with 409
 * instead of silently undoing somebody else's change.
 */
export class DeploymentScale {
  constructor(
    private readonly api: KubeApi,
    readonly namespace: string,
    readonly name: string,
    private readonly timeoutMs: number,
  ) {}

  get #path(): string {
    return `/apis/apps/v1/namespaces/${seg(this.namespace)}/deployments/${seg(this.name)}/scale`;
  }

  async read(signal?: AbortSignal): Promise<ScaleReading> {
    try {
      return reading(await this.api.get<V1Scale>(this.#path, { timeoutMs: this.timeoutMs, signal }));
    } catch (err) {
      throw toKubeError(err, `read scale of Deployment ${this.namespace}/${this.name}`);
    }
  }

  async write(replicas: number, version: string, signal?: AbortSignal): Promise<ScaleReading> {
    try {
      const body = { metadata: { resourceVersion: version }, spec: { replicas } };
      return reading(await this.api.mergePatch<V1Scale>(this.#path, body, { timeoutMs: this.timeoutMs, signal }));
    } catch (err) {
      throw toKubeError(err, `scale Deployment ${this.namespace}/${this.name} to ${replicas}`);
    }
  }
}
