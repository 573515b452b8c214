import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { kubeconfigYaml } from '../support/controlplane.js';
import { kubeConfigFrom } from '../support/kube.js';
import { CHART, kubectl, template } from './helm.js';

export interface ChartIdentity {
  /** A kubeconfig that authenticates as the chart's ServiceAccount (a TokenRequest token). */
  readonly kubeconfigPath: string;
  readonly serviceAccount: string;
  readonly token: string;
}

export interface ChartIdentityOptions {
  /** Admin kubeconfig of the API server, e.g. from sharedKubeconfig(). */
  readonly adminKubeconfig: string;
  readonly namespace: string;
  /** Helm release name (default "sip": objects are sip-vnf-agent-sprout, ...). */
  readonly release?: string;
  /** Extra `helm template` arguments, e.g. ['-f', 'test/chart/values/sprout-only.yaml']. */
  readonly helmArgs?: readonly string[];
  readonly tokenSeconds?: number;
}

/**
 * Renders only the chart's ServiceAccount, Role and RoleBinding, applies them
 * to the namespace, mints a token for that ServiceAccount and returns a
 * kubeconfig using it: the exact identity a sidecar installed by the chart
 * has, for tests that run the agent outside a pod.
 */
export async function chartIdentity(o: ChartIdentityOptions): Promise<ChartIdentity> {
  const release = o.release ?? 'sip';
  const rendered = await template(CHART, [
    '--namespace', o.namespace, ...(o.helmArgs ?? []),
    '--show-only', 'templates/serviceaccount.yaml', '--show-only', 'templates/role.yaml', '--show-only', 'templates/rolebinding.yaml',
  ], release);
  const applied = await kubectl(o.adminKubeconfig, ['apply', '-n', o.namespace, '-f', '-'], rendered);
  if (applied.code !== 0) throw new Error(`applying the chart's RBAC failed:\n${applied.stderr}`);
  const serviceAccount = /kind: ServiceAccount\nmetadata:\n {2}name: (\S+)/.exec(rendered)?.[1];
  if (!serviceAccount) throw new Error('the chart rendered no ServiceAccount (serviceAccount.create=false?)');

  const admin = kubeConfigFrom(o.adminKubeconfig);
  const minted = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: serviceAccount, namespace: o.namespace, body: { spec: { audiences: [], expirationSeconds: o.tokenSeconds ?? 3600 } },
  });
  const token = minted.status?.token;
  if (!token) throw new Error(`TokenRequest for ${serviceAccount} returned no token`);
  const cluster = admin.getCurrentCluster();
  const kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'vnf-sa-')), `${serviceAccount}.kubeconfig`);
  writeFileSync(kubeconfigPath, kubeconfigYaml(cluster?.server ?? '', cluster?.caFile ?? '', token, serviceAccount).replace('namespace: default', `namespace: ${o.namespace}`));
  return { kubeconfigPath, serviceAccount, token };
}
