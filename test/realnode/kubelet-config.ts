import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeNetwork } from './network.js';

/**
 * The kubelet's configuration for a test node on these machines: cgroups v1
 * through cgroupfs (there is no systemd), no swap check, and nothing written
 * outside the test bed's folder. Anonymous AlwaysAllow is for a test node only:
 * its API listens on the bridge address, which only this machine reaches.
 */
export interface KubeletPaths {
  readonly rootDir: string;
  readonly certDir: string;
  readonly config: string;
}

export function kubeletPaths(dir: string): KubeletPaths {
  return { rootDir: join(dir, 'kubelet'), certDir: join(dir, 'kubelet', 'pki'), config: join(dir, 'kubelet.yaml') };
}

export interface KubeletPorts {
  readonly port: number;
  readonly healthzPort: number;
}

/**
 * `maxRestartPeriod` caps the restart back-off (KEP-4603, alpha in 1.34 behind
 * KubeletCrashLoopBackOffMax): the chaos run kills the same sidecars again
 * and again, and at the default 5 minutes they would stay dead.
 */
export function writeKubeletConfig(dir: string, p: KubeletPaths, socket: string, net: NodeNetwork, ports: KubeletPorts, clusterDns?: string, maxRestartPeriod?: string): void {
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration',
    cgroupDriver: 'cgroupfs', failSwapOn: false, failCgroupV1: false,
    containerRuntimeEndpoint: `unix://${socket}`,
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    address: net.nodeIp, port: ports.port, readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1', healthzPort: ports.healthzPort,
    podCIDR: net.podCidr, resolvConf: '/etc/resolv.conf',
    ...(clusterDns ? { clusterDNS: [clusterDns], clusterDomain: 'cluster.local' } : {}),
    enforceNodeAllocatable: [],
    // The kubelet would otherwise add its iptables chains to the machine's tables.
    makeIPTablesUtilChains: false,
    podLogsDir: join(dir, 'pod-logs'), volumePluginDir: join(dir, 'volume-plugins'),
    // Images come from `ctr images import`, not a registry: garbage-collecting them
    // on a full disk would leave pods at ErrImageNeverPull. 100 turns image GC off.
    imageGCHighThresholdPercent: 100, imageGCLowThresholdPercent: 99,
    // A busy CI disk or memory must not evict the test's pods.
    evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    nodeStatusUpdateFrequency: '2s', syncFrequency: '10s', fileCheckFrequency: '10s',
    serializeImagePulls: false, registerNode: true,
    shutdownGracePeriod: '0s',
    ...(maxRestartPeriod ? { featureGates: { KubeletCrashLoopBackOffMax: true }, crashLoopBackOff: { maxContainerRestartPeriod: maxRestartPeriod } } : {}),
  };
  writeFileSync(p.config, JSON.stringify(config, null, 2));
}

/**
 * The kubelet tunes these kernel settings when it starts (vm.overcommit_memory,
 * kernel.panic_on_oops, ...). The machine is shared with the rest of the suite,
 * kube-proxy may set route_localnet. The machine is shared with the rest of the suite,
 * so teardown.sh puts back what was there.
 */
export const KERNEL_TUNABLES = [
  'vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops', 'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes',
  // kube-proxy's, when a cluster runs on the node (addons.ts).
  'net/ipv4/conf/all/route_localnet', 'net/ipv4/ip_forward', 'net/bridge/bridge-nf-call-iptables',
] as const;

export function readTunables(): Record<string, string> {
  return Object.fromEntries(KERNEL_TUNABLES.map((k) => [k, readFileSync(`/proc/sys/${k}`, 'utf8').trim()]));
}
