import { createHash } from 'node:crypto';
import { isObject, readPath, type KubeObject, type OwnerReference } from '../objects.js';

/** A stable short hash of the pod template, like the pod-template-hash label (10 safe characters). */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template ?? {})).digest();
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

export function ownerReference(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export function isOwnedBy(obj: KubeObject, owner: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid && r.controller === true);
}

function templateLabels(deploy: KubeObject): Record<string, string> {
  const labels = readPath(deploy, 'spec.template.metadata.labels');
  return isObject(labels) ? (labels as Record<string, string>) : {};
}

/** The ReplicaSet a Deployment runs its current template through: `<deploy>-<hash>`. */
export function replicaSetFor(deploy: KubeObject, hash: string, replicas: number): KubeObject {
  const labels = { ...templateLabels(deploy), 'pod-template-hash': hash };
  const selector = readPath(deploy, 'spec.selector') as Record<string, unknown>;
  const matchLabels = { ...((selector.matchLabels as Record<string, string> | undefined) ?? {}), 'pod-template-hash': hash };
  const template = structuredClone(readPath(deploy, 'spec.template')) as Record<string, unknown>;
  template.metadata = { ...(isObject(template.metadata) ? template.metadata : {}), labels };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${deploy.metadata.name ?? ''}-${hash}`,
      namespace: deploy.metadata.namespace,
      labels,
      annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/revision': '1' },
      ownerReferences: [ownerReference(deploy)],
    },
    spec: { replicas, selector: { ...selector, matchLabels }, template },
  };
}

/** A pod of a ReplicaSet, named `<rs>-<5 random>` by generateName like the real controller's pods. */
export function podFor(rs: KubeObject): KubeObject {
  const template = readPath(rs, 'spec.template') as Record<string, unknown>;
  const meta = isObject(template.metadata) ? template.metadata : {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta, generateName: `${rs.metadata.name ?? ''}-`, namespace: rs.metadata.namespace, ownerReferences: [ownerReference(rs)] },
    spec: structuredClone(template.spec),
  };
}
