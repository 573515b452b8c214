import type { AppsV1Api } from '@kubernetes/client-node';
import type { Clock } from '../clock/clock.js';
import { kubeCall, PatchStrategy } from './request.js';
import { toKubeError } from './errors.js';

export interface ScaleReading {
  /** spec.replicas: what the Deployment is asked to run. */
  readonly replicas: number;
  /** status.replicas: what it runs now. */
  readonly currentReplicas: number;
  readonly selector: string;
  readonly version: string;
}

/**
 * The Deployment's scale subresource. Writes are merge patches that carry the
 * resourceVersion just read, so a write based on a stale read fails with 409
 * instead of silently undoing somebody else's change.
 */
export class DeploymentScale {
  constructor(
    private readonly apps: AppsV1Api,
    readonly namespace: string,
    readonly name: string,
    private readonly timeoutMs: number,
    private readonly clock: Clock,
  ) {}

  async read(signal?: AbortSignal): Promise<ScaleReading> {
    try {
      const scale = await kubeCall({ timeoutMs: this.timeoutMs, signal, clock: this.clock }, (call) =>
        this.apps.readNamespacedDeploymentScale({ name: this.name, namespace: this.namespace }, call),
      );
      return {
        replicas: scale.spec?.replicas ?? 0,
        currentReplicas: scale.status?.replicas ?? 0,
        selector: scale.status?.selector ?? '',
        version: scale.metadata?.resourceVersion ?? '',
      };
    } catch (err) {
      throw toKubeError(err, `read scale of Deployment ${this.namespace}/${this.name}`);
    }
  }

  async write(replicas: number, version: string, signal?: AbortSignal): Promise<ScaleReading> {
    try {
      const scale = await kubeCall({ timeoutMs: this.timeoutMs, signal, contentType: PatchStrategy.MergePatch, clock: this.clock }, (call) =>
        this.apps.patchNamespacedDeploymentScale({ name: this.name, namespace: this.namespace, body: { metadata: { resourceVersion: version }, spec: { replicas } } }, call),
      );
      return {
        replicas: scale.spec?.replicas ?? 0,
        currentReplicas: scale.status?.replicas ?? 0,
        selector: scale.status?.selector ?? '',
        version: scale.metadata?.resourceVersion ?? '',
      };
    } catch (err) {
      throw toKubeError(err, `scale Deployment ${this.namespace}/${this.name} to ${replicas}`);
    }
  }
}
