import { VNF_GROUP, VNF_KIND, VNF_VERSION } from '../../agent/model/vnfcluster.js';
import { POD_PORTS } from './settings.js';
import type { Role } from './pod-env.js';

/** The objects `vnf-agent local` creates: what an operator would apply to a real cluster. */
export function namespaceObject(namespace: string) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
}

export function vnfClusterObject(role: Role) {
  const common = { role, targetRef: { kind: 'Deployment', name: role }, selector: { matchLabels: { app: role } }, drainTimeoutSeconds: 10 };
  const spec =
    role === 'sprout'
      ? { ...common, minReplicas: 2, maxReplicas: 6, targetUtilization: 0.8, behavior: { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 60 } } }
      : { ...common, minReplicas: 1, maxReplicas: 1, upstreams: [{ cluster: 'sprout' }] };
  return { apiVersion: `${VNF_GROUP}/${VNF_VERSION}`, kind: VNF_KIND, metadata: { name: role }, spec };
}

/**
 * The Deployment of a role. Images are labels only: the playground starts the
 * simulated SIP server and this checkout's sidecar for each pod itself.
 */
export function deploymentObject(role: Role, replicas: number) {
  const sipPort = role === 'sprout' ? POD_PORTS.sproutSip : POD_PORTS.bonoSip;
  const labels = { app: role, 'vnf-agent.dev/cluster': role };
  const preStop = { httpGet: { path: '/drain?wait=true', port: POD_PORTS.sidecarHttp } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: role, labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: role } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 20,
          containers: [
            { name: role, image: `simulated/${role}:playground`, ports: [{ name: 'sip', containerPort: sipPort, protocol: 'UDP' }], lifecycle: { preStop } },
            { name: 'vnf-agent', image: 'vnf-agent:this-checkout', args: ['run'], ports: [{ name: 'http', containerPort: POD_PORTS.sidecarHttp }], lifecycle: { preStop } },
          ],
        },
      },
    },
  };
}
