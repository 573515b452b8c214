import type { ServerContext } from '../context.js';
import { deleteObject } from '../deletes.js';
import { deepEqual, isObject, isPodReady, readPath, type KubeObject } from '../objects.js';
import { storageKey, type ResourceDef } from '../resources.js';
import { createObject, updateObject } from '../writes.js';
import { isOwnedBy, podFor, replicaSetFor, templateHash } from './pod-template.js';
import { rankForDeletion } from './victims.js';

const DEPLOYMENTS = storageKey({ group: 'apps', plural: 'deployments' });
const REPLICASETS = storageKey({ group: 'apps', plural: 'replicasets' });
const PODS = storageKey({ group: '', plural: 'pods' });
const NOW = { dryRun: false };

/** Status counters are omitempty in the real API: zero values are left out. */
function withoutZeros(status: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(status).filter(([, v]) => v !== 0));
}

/**
 * Keeps each Deployment's pods at spec.replicas through one ReplicaSet per
 * template (a template change replaces every old pod, like Recreate), picks
 * scale-in victims like the ReplicaSet controller, and reports status.
 */
export class DeploymentController {
  readonly #createdAt = new Map<string, number>();
  readonly #dirty = new Set<string>();
  #unsubscribe: (() => void) | undefined;
  #scheduled = false;

  constructor(private readonly ctx: ServerContext) {}

  start(): void {
    this.#unsubscribe = this.ctx.store.subscribe((event) => {
      if (event.resource === PODS && event.type === 'ADDED') this.#createdAt.set(event.object.metadata.uid ?? '', event.rv);
      if (event.resource === PODS && event.type === 'DELETED') this.#createdAt.delete(event.object.metadata.uid ?? '');
      if (event.resource !== DEPLOYMENTS && event.resource !== REPLICASETS && event.resource !== PODS) return;
      this.#dirty.add(event.object.metadata.namespace ?? '');
      this.#schedule();
    });
  }

  stop(): void {
    this.#unsubscribe?.();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const namespaces = [...this.#dirty];
      this.#dirty.clear();
      for (const ns of namespaces) for (const deploy of this.ctx.store.list(DEPLOYMENTS, ns)) this.#reconcile(deploy);
    });
  }

  #def(group: string, plural: string): ResourceDef {
    return this.ctx.registry.anyVersion(group, plural)!;
  }

  #reconcile(deploy: KubeObject): void {
    if (deploy.metadata.deletionTimestamp) return;
    const ns = deploy.metadata.namespace;
    const desired = Number(readPath(deploy, 'spec.replicas') ?? 1);
    const hash = templateHash(readPath(deploy, 'spec.template'));
    const owned = this.ctx.store.list(REPLICASETS, ns).filter((rs) => isOwnedBy(rs, deploy));
    const current = this.#ensureReplicaSet(deploy, owned, hash, desired);
    const pods = this.ctx.store.list(PODS, ns).filter((p) => !p.metadata.deletionTimestamp);
    for (const old of owned.filter((rs) => rs.metadata.uid !== current.metadata.uid)) {
      for (const pod of pods.filter((p) => isOwnedBy(p, old))) this.#deletePod(pod);
      this.#syncReplicaSet(old, 0, []);
    }
    const mine = pods.filter((p) => isOwnedBy(p, current));
    if (mine.length < desired) {
      for (let i = mine.length; i < desired; i++) createObject(this.ctx, this.#def('', 'pods'), ns, podFor(current), NOW);
    } else if (mine.length > desired) {
      const victims = rankForDeletion(mine, (p) => this.#createdAt.get(p.metadata.uid ?? '') ?? 0).slice(0, mine.length - desired);
      for (const victim of victims) this.#deletePod(victim);
    }
    const active = this.ctx.store.list(PODS, ns).filter((p) => !p.metadata.deletionTimestamp && isOwnedBy(p, current));
    this.#syncReplicaSet(current, desired, active);
    this.#syncDeploymentStatus(deploy, desired, active);
  }

  #ensureReplicaSet(deploy: KubeObject, owned: KubeObject[], hash: string, desired: number): KubeObject {
    const name = `${deploy.metadata.name ?? ''}-${hash}`;
    return owned.find((rs) => rs.metadata.name === name) ?? createObject(this.ctx, this.#def('apps', 'replicasets'), deploy.metadata.namespace, replicaSetFor(deploy, hash, desired), NOW);
  }

  #deletePod(pod: KubeObject): void {
    deleteObject(this.ctx, this.#def('', 'pods'), pod.metadata.namespace, pod.metadata.name ?? '', {}, NOW);
  }

  #syncReplicaSet(rs: KubeObject, desired: number, active: KubeObject[]): void {
    const fresh = this.ctx.store.get(REPLICASETS, rs.metadata.namespace, rs.metadata.name ?? '');
    if (!fresh) return;
    const def = this.#def('apps', 'replicasets');
    if (readPath(fresh, 'spec.replicas') !== desired) {
      fresh.spec = { ...(fresh.spec as Record<string, unknown>), replicas: desired };
      Object.assign(fresh, updateObject(this.ctx, def, fresh.metadata.namespace, fresh.metadata.name ?? '', fresh, undefined, NOW));
    }
    const ready = active.filter(isPodReady).length;
    const status = { replicas: active.length, fullyLabeledReplicas: active.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: fresh.metadata.generation ?? 1 };
    this.#writeStatus(def, fresh, withoutZeros(status));
  }

  #syncDeploymentStatus(deploy: KubeObject, desired: number, active: KubeObject[]): void {
    const fresh = this.ctx.store.get(DEPLOYMENTS, deploy.metadata.namespace, deploy.metadata.name ?? '');
    if (!fresh) return;
    const ready = active.filter(isPodReady).length;
    const old = isObject(fresh.status) ? fresh.status : {};
    const counters = { replicas: active.length, updatedReplicas: active.length, readyReplicas: ready, availableReplicas: ready, unavailableReplicas: Math.max(0, desired - ready) };
    const status = { observedGeneration: fresh.metadata.generation ?? 1, ...withoutZeros(counters), conditions: this.#conditions(old, ready >= desired) };
    this.#writeStatus(this.#def('apps', 'deployments'), fresh, status);
  }

  #conditions(old: Record<string, unknown>, available: boolean): unknown[] {
    const previous = Array.isArray(old.conditions) ? (old.conditions as Record<string, unknown>[]) : [];
    const now = `${this.ctx.clock.wallTime().toISOString().slice(0, 19)}Z`;
    const condition = (type: string, ok: boolean, reason: string, message: string) => {
      const status = ok ? 'True' : 'False';
      const was = previous.find((c) => c.type === type);
      const same = was?.status === status && was.reason === reason;
      return { type, status, lastUpdateTime: same ? was.lastUpdateTime : now, lastTransitionTime: same ? was.lastTransitionTime : now, reason, message };
    };
    return [
      condition('Available', available, available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.'),
      condition('Progressing', true, 'NewReplicaSetAvailable', 'ReplicaSet has successfully progressed.'),
    ];
  }

  #writeStatus(def: ResourceDef, obj: KubeObject, status: Record<string, unknown>): void {
    if (deepEqual(obj.status, status)) return;
    updateObject(this.ctx, def, obj.metadata.namespace, obj.metadata.name ?? '', { ...obj, status }, 'status', NOW);
  }
}
