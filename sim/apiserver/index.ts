import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { parseAllDocuments } from 'yaml';
import { systemClock, type Clock } from '../../agent/clock/clock.js';
import { builtinResources } from './builtins.js';
import { systemRandomness, type Randomness, type ServerContext } from './context.js';
import { startCleanup } from './controllers/cleanup.js';
import { DeploymentController } from './controllers/deployments.js';
import { SimKubelet, type KubeletOptions } from './controllers/kubelet.js';
import { syncCrdsWithRegistry } from './crds.js';
import { Faults, inPartition, type ClientIdentity, type FaultSettings } from './faults.js';
import { createHttpServer } from './http-server.js';
import { kubeconfigYaml } from './kubeconfig.js';
import type { KubeObject } from './objects.js';
import { ResourceRegistry, storageKey } from './resources.js';
import { ObjectStore } from './store.js';
import { WatchHub } from './watch.js';
import { createObject } from './writes.js';

export type { FaultSettings, KubeletOptions, KubeObject };

export interface ApiServerOptions {
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly clock?: Clock;
  readonly random?: Randomness;
  /** How many changes watches can resume from; older resourceVersions get 410 Expired. */
  readonly historyLimit?: number;
  /** How long changes stay resumable (the real server: etcd compaction every 5 minutes). Default: no age limit. */
  readonly historyWindowMs?: number;
  /** How often watches with allowWatchBookmarks=true get a BOOKMARK (the real server: about a minute). */
  readonly bookmarkIntervalMs?: number;
  /** CRD manifests (YAML files) to install at start, such as charts/vnf-agent/crds/vnfclusters.yaml. */
  readonly crdFiles?: readonly string[];
  readonly kubelet?: KubeletOptions;
}

export interface ApiServer {
  /** http://host:port */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly faults: Faults;
  readonly kubelet: SimKubelet;
  readonly store: ObjectStore;
  /** Cuts every open watch now (a fault a test can trigger directly). */
  dropWatches(): number;
  /** A kubeconfig for this server; `token` becomes the client identity partition faults match. */
  kubeconfig(token?: string): string;
  close(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function seed(ctx: ServerContext, kubelet: SimKubelet, crdFiles: readonly string[]): void {
  const def = (group: string, plural: string) => ctx.registry.anyVersion(group, plural)!;
  for (const name of SYSTEM_NAMESPACES) createObject(ctx, def('', 'namespaces'), undefined, { metadata: { name } }, { dryRun: false });
  const node = createObject(ctx, def('', 'nodes'), undefined, { metadata: { name: kubelet.nodeName, labels: { 'kubernetes.io/hostname': kubelet.nodeName } } }, { dryRun: false });
  ctx.store.put(storageKey({ group: '', plural: 'nodes' }), { ...node, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }], addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } });
  for (const file of crdFiles) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as KubeObject | null;
      if (crd) createObject(ctx, def('apiextensions.k8s.io', 'customresourcedefinitions'), undefined, crd, { dryRun: false });
    }
  }
}

/** Starts the stand-in API server with its controllers and simulated kubelet; resolves once it listens. */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandomness;
  const retention = { maxEvents: options.historyLimit ?? 10_000, nowMs: () => clock.nowMs(), ...(options.historyWindowMs !== undefined ? { maxAgeMs: options.historyWindowMs } : {}) };
  const ctx: ServerContext = { store: new ObjectStore(retention), registry: new ResourceRegistry(), clock, random };
  for (const def of builtinResources()) ctx.registry.add(def);
  const faults = new Faults(random);
  const stalled = (who: ClientIdentity) => faults.settings.stallWatches || faults.isPartitioned(who);
  const watches = new WatchHub(ctx, options.bookmarkIntervalMs ?? 60_000, stalled);
  const kubelet = new SimKubelet(ctx, options.kubelet);
  const deployments = new DeploymentController(ctx);
  const stops = [syncCrdsWithRegistry(ctx), startCleanup(ctx)];
  kubelet.start();
  deployments.start();
  seed(ctx, kubelet, options.crdFiles ?? []);

  let address = '';
  const { server, releaseHung } = createHttpServer({ ctx, faults, watches, store: ctx.store, kubelet, address: () => address });
  // Silenced watches missed events: when the silence ends they are cut, so clients resume from history.
  let previous = faults.settings;
  faults.onChange((now) => {
    releaseHung();
    const wasSilenced = (who: ClientIdentity) => previous.stallWatches || inPartition(previous.partition, who);
    watches.dropAll((who) => wasSilenced(who) && !stalled(who));
    previous = now;
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port, address: host } = server.address() as AddressInfo;
  address = `${host}:${port}`;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    host,
    port,
    faults,
    kubelet,
    store: ctx.store,
    dropWatches: () => watches.dropAll(),
    kubeconfig: (token = 'sim-admin') => kubeconfigYaml(url, token),
    close: async () => {
      for (const stop of stops) stop();
      kubelet.stop();
      deployments.stop();
      watches.dropAll();
      releaseHung();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
