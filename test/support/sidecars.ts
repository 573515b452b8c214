import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { kubeconfigYaml } from './controlplane.js';
import { freePort, startAgent, TSC_BUILD, type AgentLaunch, type RunningProcess } from './process.js';
import { VNF_GROUP, VNF_PLURAL, VNF_VERSION } from '../../agent/model/vnfcluster.js';

export interface Sidecar {
  readonly name: string;
  readonly port: number;
  process: RunningProcess;
  readonly env: Record<string, string>;
}

/** A VnfCluster whose pods are selected by `app=<name>`. */
export async function createVnfCluster(kc: KubeConfig, namespace: string, name: string, spec: Record<string, unknown> = {}): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: VNF_GROUP, version: VNF_VERSION, plural: VNF_PLURAL, namespace,
    body: { apiVersion: `${VNF_GROUP}/${VNF_VERSION}`, kind: 'VnfCluster', metadata: { name }, spec: { role: 'sprout', targetRef: { name }, selector: { matchLabels: { app: name } }, ...spec } },
  });
}

/**
 * A ServiceAccount per sidecar with a namespaced Role, and a kubeconfig using
 * a token minted for it: each sidecar has its own identity in the audit log.
 */
export async function sidecarIdentity(kc: KubeConfig, namespace: string, name: string, dir: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch'] },
        { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'patch', 'update'] },
        { apiGroups: [VNF_GROUP], resources: ['vnfclusters'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [VNF_GROUP], resources: ['vnfclusters/status'], verbs: ['get', 'patch', 'update'] },
        { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'update'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace }] },
  });
  const token = await core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const cluster = kc.getCurrentCluster();
  const path = join(dir, `${namespace}-${name}.kubeconfig`);
  writeFileSync(path, kubeconfigYaml(cluster?.server ?? '', cluster?.caFile ?? '', token.status?.token ?? '', name));
  return path;
}

export async function startSidecar(name: string, env: Record<string, string>, launch: AgentLaunch = TSC_BUILD): Promise<Sidecar> {
  const port = await freePort();
  const full = { VNF_AGENT_POD_NAME: name, VNF_AGENT_HTTP_HOST: '127.0.0.1', VNF_AGENT_HTTP_PORT: String(port), ...env };
  return { name, port, env: full, process: startAgent(['run'], full, launch) };
}

export interface SidecarStatus {
  pod: string;
  leader: string | null;
  isLeader: boolean;
  lastRenewAgeMs: number | null;
}

export async function statusOf(s: Sidecar, timeoutMs = 500): Promise<SidecarStatus | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${s.port}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? ((await res.json()) as SidecarStatus) : undefined;
  } catch {
    return undefined;
  }
}

export async function readyzOf(s: Sidecar): Promise<number | undefined> {
  try {
    return (await fetch(`http://127.0.0.1:${s.port}/readyz`, { signal: AbortSignal.timeout(500) })).status;
  } catch {
    return undefined;
  }
}
