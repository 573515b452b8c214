import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TIMEOUT_MS = 10_000;

/**
 * The real node's network, all on this machine: a bridge holding the pod range
 * (pods are hosts on it, in network namespaces the CNI bridge plugin makes) and
 * a second, port-less bridge holding the Service range (as kube-proxy's IPVS
 * mode does with its kube-ipvs0 dummy; this kernel has no dummy driver). Nothing here turns on IP
 * forwarding, and the bridge plugin runs with isGateway false (it would turn it
 * on), so a pod's packet for anywhere else is dropped on the machine.
 */
export interface NodeNetwork {
  readonly bridge: string;
  readonly podCidr: string;
  /** The bridge's own address: the pods' gateway, the node's InternalIP, the kubelet's address. */
  readonly nodeIp: string;
  readonly serviceDevice: string;
  readonly serviceCidr: string;
}

export const NETWORK: NodeNetwork = Object.freeze({
  bridge: 'vnfrn0', podCidr: '10.244.0.0/24', nodeIp: '10.244.0.1',
  // The test control plane's --service-cluster-ip-range (test/support/controlplane.ts).
  serviceDevice: 'vnfrnsvc0', serviceCidr: '10.0.0.0/24',
});

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args, { timeout: TIMEOUT_MS })).stdout;
}

async function linkExists(name: string): Promise<boolean> {
  return ip('link', 'show', name).then(() => true, () => false);
}

/** Removes the devices (and so their addresses and routes) a previous run may have left. */
export async function removeNetwork(net: NodeNetwork = NETWORK): Promise<void> {
  for (const dev of [net.bridge, net.serviceDevice]) if (await linkExists(dev)) await ip('link', 'del', dev);
}

export async function createNetwork(net: NodeNetwork = NETWORK): Promise<void> {
  await removeNetwork(net);
  const prefix = net.podCidr.split('/')[1];
  await ip('link', 'add', net.bridge, 'type', 'bridge');
  await ip('addr', 'add', `${net.nodeIp}/${prefix}`, 'dev', net.bridge);
  await ip('link', 'set', net.bridge, 'up');
  await ip('link', 'add', net.serviceDevice, 'type', 'bridge');
  await ip('link', 'set', net.serviceDevice, 'up');
  await ip('route', 'add', net.serviceCidr, 'dev', net.serviceDevice);
  await checkRoutes(net);
}

/** The device the machine routes `address` through. */
export async function routeDevice(address: string): Promise<string> {
  const [route] = JSON.parse(await ip('-j', 'route', 'get', address)) as { dev?: string }[];
  return route?.dev ?? '';
}

function hostAddress(cidr: string, host: number): string {
  const [base] = cidr.split('/');
  const parts = (base ?? '').split('.').map(Number);
  parts[3] = (parts[3] ?? 0) + host;
  return parts.join('.');
}

/** Fails unless a pod address and a Service address both stay on this machine. */
export async function checkRoutes(net: NodeNetwork = NETWORK): Promise<void> {
  const pod = hostAddress(net.podCidr, 200);
  const service = hostAddress(net.serviceCidr, 200);
  const [podDev, serviceDev] = [await routeDevice(pod), await routeDevice(service)];
  if (podDev !== net.bridge) throw new Error(`pod address ${pod} routes via ${podDev}, not the bridge ${net.bridge}`);
  if (serviceDev !== net.serviceDevice) throw new Error(`Service address ${service} routes via ${serviceDev}, not ${net.serviceDevice}`);
}

export function ipForwarding(): string {
  return readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
}

/** The CNI config: bridge plugin, host-local IPAM with its state under `ipamDir`. */
export function cniConflist(ipamDir: string, net: NodeNetwork = NETWORK): string {
  return JSON.stringify({
    cniVersion: '0.4.0', name: 'vnf-realnode',
    plugins: [{
      type: 'bridge', bridge: net.bridge, isGateway: false, ipMasq: false, hairpinMode: true,
      ipam: {
        type: 'host-local', dataDir: ipamDir,
        ranges: [[{ subnet: net.podCidr, gateway: net.nodeIp }]],
        routes: [{ dst: '0.0.0.0/0', gw: net.nodeIp }],
      },
    }],
  }, null, 2);
}
