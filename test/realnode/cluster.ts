import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startControlPlane, type ControlPlane } from '../support/controlplane.js';
import { installCrd, kubeConfigFrom } from '../support/kube.js';
import { startAddons, type Addons } from './addons.js';
import { chartImages, type BuiltImage } from './images.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { startRealNode, type RealNode } from './node.js';

const run = promisify(execFile);

/**
 * A whole cluster on this machine for the chart's end-to-end tests: its own
 * control plane (the shared one is played by the simulated kubelet, which binds
 * every pod without a node to itself, so a scheduler there would fight it),
 * bound to the real node's bridge address so pods reach it through the
 * `kubernetes` Service; the real node; kube-scheduler, kube-proxy and CoreDNS;
 * metrics-server (the real HPA's source); and the chart's images imported into
 * the node's containerd.
 */
export interface RealCluster {
  readonly cp: ControlPlane;
  readonly node: RealNode;
  readonly kubeconfigPath: string;
  readonly images: readonly BuiltImage[];
  /** Where the time went while starting, in ms: control plane + node, addons (with metrics-server), image import. */
  readonly startMs: { readonly nodeAndControlPlane: number; readonly addons: number; readonly images: number };
  /** Runs the control plane's helm or kubectl against this cluster; resolves to its stdout. */
  tool(name: 'helm' | 'kubectl', args: readonly string[], timeoutMs?: number): Promise<string>;
  /** The kubelet's and the addons' logs so far, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export interface RealClusterOptions {
  readonly binDir: string;
  /** Install the VnfCluster CRD up front (the chart installs it itself from crds/). */
  readonly crd?: boolean;
  /** The kubelet's longest restart back-off (RealNodeOptions). */
  readonly maxRestartPeriod?: string;
}

export async function startRealCluster(o: RealClusterOptions): Promise<RealCluster> {
  const images = await chartImages();
  let cp: ControlPlane | undefined;
  let node: RealNode | undefined;
  let addons: Addons | undefined;
  let metrics: MetricsServer | undefined;
  const t0 = performance.now();
  try {
    node = await startRealNode({
      binDir: o.binDir,
      clusterDns: '10.244.0.1',
      ...(o.maxRestartPeriod ? { maxRestartPeriod: o.maxRestartPeriod } : {}),
      kubeconfigPath: async (network) => {
        cp = await startControlPlane({ address: network.nodeIp, forRealNode: true });
        return cp.kubeconfigPath;
      },
    });
    if (!cp) throw new Error('the control plane did not start');
    const t1 = performance.now();
    const n = node;
    addons = await startAddons({
      binDir: o.binDir, kubeconfigPath: cp.kubeconfigPath, nodeName: n.name, network: n.network, dir: n.dir,
      onStarted: (pid) => n.recordAddons([pid], join(o.binDir, 'kube-proxy')),
    });
    metrics = await startMetricsServer({
      binDir: o.binDir, kubeconfigPath: cp.kubeconfigPath, network: n.network, dir: n.dir, onStarted: (pid) => n.recordAddons([pid]),
    });
    const t2 = performance.now();
    for (const image of images) await n.importImage(image.archive);
    if (o.crd) await installCrd(kubeConfigFrom(cp.kubeconfigPath));
    const t3 = performance.now();
    const [c, a, m] = [cp, addons, metrics];
    return {
      cp: c, node: n, kubeconfigPath: c.kubeconfigPath, images,
      startMs: { nodeAndControlPlane: Math.round(t1 - t0), addons: Math.round(t2 - t1), images: Math.round(t3 - t2) },
      tool: async (name, args, timeoutMs = 120_000) =>
        (await run(join(o.binDir, name), [...args], { timeout: timeoutMs, env: { ...process.env, KUBECONFIG: c.kubeconfigPath }, maxBuffer: 8 * 1024 * 1024 })).stdout,
      logs: () => `${a.logs()}\n--- metrics-server\n${m.log()}\n--- kubelet\n${n.kubeletLog()}`,
      async stop() {
        await n.stop();
        await m.stop();
        await a.stop();
        await c.stop();
      },
    };
  } catch (e) {
    await node?.stop().catch(() => undefined);
    await metrics?.stop().catch(() => undefined);
    await addons?.stop().catch(() => undefined);
    await cp?.stop().catch(() => undefined);
    throw e;
  }
}
