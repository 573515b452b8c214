import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '../support/process.js';
import type { NodeNetwork } from './network.js';
import { spawnLogged, tail } from './processes.js';
import { stopChild } from '../support/process.js';

const run = promisify(execFile);

/**
 * metrics-server, the source of the resource metrics the real
 * HorizontalPodAutoscaler reads (the benchmarks' scaling anchor): a process
 * on the node's address, reading the kubelet's /metrics/resource, registered
 * with the aggregation layer as v1beta1.metrics.k8s.io through a Service
 * without a selector whose one endpoint is that address (the API server dials
 * endpoints directly: --enable-aggregator-routing).
 */
export interface MetricsServer {
  readonly pid: number;
  log(): string;
  stop(): Promise<void>;
}

export interface MetricsServerOptions {
  readonly binDir: string;
  readonly kubeconfigPath: string;
  readonly network: NodeNetwork;
  readonly dir: string;
  readonly onStarted: (pid: number) => void;
}

function registration(address: string, port: number): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server', namespace: 'kube-system' }, spec: { ports: [{ name: 'https', port: 443, targetPort: port }] } },
      {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { name: 'metrics-server', namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'metrics-server' } },
        addressType: 'IPv4', endpoints: [{ addresses: [address], conditions: { ready: true } }], ports: [{ name: 'https', port, protocol: 'TCP' }],
      },
      {
        apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' },
        spec: {
          service: { name: 'metrics-server', namespace: 'kube-system', port: 443 }, group: 'metrics.k8s.io', version: 'v1beta1',
          // Its serving certificate is self-signed, made at start in a folder of the test bed.
          insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100,
        },
      },
    ],
  });
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const port = await freePort();
  const logPath = join(o.dir, 'metrics-server.log');
  const certDir = join(o.dir, 'metrics-server-pki');
  mkdirSync(certDir, { recursive: true });
  const child = spawnLogged(join(o.binDir, 'metrics-server'), [
    `--kubeconfig=${o.kubeconfigPath}`, `--authentication-kubeconfig=${o.kubeconfigPath}`, `--authorization-kubeconfig=${o.kubeconfigPath}`,
    `--bind-address=${o.network.nodeIp}`, `--secure-port=${port}`, `--cert-dir=${certDir}`,
    // The kubelet's serving certificate is self-signed (it makes its own in the test bed's folder).
    '--kubelet-insecure-tls', '--kubelet-preferred-address-types=InternalIP', '--kubelet-use-node-status-port',
    '--metric-resolution=15s', '--v=1',
  ], logPath);
  o.onStarted(child.pid ?? 0);
  const log = (): string => tail(logPath, 3000);
  const kubectl = (args: string[], input?: string): Promise<{ stdout: string }> => {
    const p = run(join(o.binDir, 'kubectl'), ['--kubeconfig', o.kubeconfigPath, ...args], { timeout: 30_000 });
    if (input !== undefined) p.child.stdin?.end(input);
    return p;
  };
  try {
    await kubectl(['apply', '-f', '-'], registration(o.network.nodeIp, port));
    const deadline = performance.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`metrics-server exited (${child.exitCode}):\n${log()}`);
      const available = await kubectl(['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}']).catch(() => ({ stdout: '' }));
      if (available.stdout.trim() === 'True') break;
      if (performance.now() > deadline) throw new Error(`v1beta1.metrics.k8s.io not Available within 90 s:\n${log()}`);
      await delay(500);
    }
    return { pid: child.pid ?? 0, log, stop: () => stopChild(child) };
  } catch (e) {
    await stopChild(child);
    throw e;
  }
}
