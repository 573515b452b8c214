import { hostPort } from '../net/address.js';
import type { MemberService } from './ports.js';

/** Where clients reach a member, or why that is not known yet. */
export type Reachable = { readonly address: string; readonly host: string; readonly port: number } | { readonly waiting: string };

/**
 * The address clients reach a member at, from its own Service. The first
 * port of the Service is the advertised one (spec.exposure.ports, by default
 * SIP over UDP). LoadBalancer: the first ingress (ip, else hostname) and the
 * Service port. NodePort: the node address (the pod's status.hostIP, or the
 * sidecar's nodeAddress setting when node ports are served on another
 * address) and the allocated node port. Pure.
 */
export function reachableAddress(service: MemberService | undefined, nodeAddress: string): Reachable {
  if (!service) return { waiting: 'its member Service does not exist yet (the leader creates it)' };
  const first = service.ports[0];
  if (!first) return { waiting: `Service ${service.name} has no ports` };
  switch (service.type) {
    case 'LoadBalancer': {
      const host = service.ingress[0];
      if (!host) return { waiting: `Service ${service.name} has no load balancer ingress yet` };
      return { address: hostPort(host, first.port), host, port: first.port };
    }
    case 'NodePort': {
      if (nodeAddress === '') return { waiting: 'the node address is not known yet (the pod has no hostIP)' };
      if (first.nodePort === 0) return { waiting: `Service ${service.name} has no node port yet` };
      return { address: hostPort(nodeAddress, first.nodePort), host: nodeAddress, port: first.nodePort };
    }
    case 'ClusterIP':
      return { waiting: `Service ${service.name} is of type ClusterIP; the leader changes it to the spec's type` };
  }
}
