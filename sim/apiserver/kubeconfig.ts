import { stringify } from 'yaml';

/**
 * A kubeconfig for the plain-HTTP stand-in. insecure-skip-tls-verify is set
 * because @kubernetes/client-node refuses http:// servers without it.
 */
export function kubeconfigYaml(server: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'vnf-sim', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'vnf-sim-admin', user: { token } }],
    contexts: [{ name: 'vnf-sim', context: { cluster: 'vnf-sim', user: 'vnf-sim-admin', namespace: 'default' } }],
    'current-context': 'vnf-sim',
    preferences: {},
  });
}
