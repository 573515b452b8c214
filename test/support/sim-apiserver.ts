import * as k8s from '@kubernetes/client-node';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../sim/apiserver/index.js';

export const VNF_CRD_FILE = 'charts/vnf-agent/crds/vnfclusters.yaml';

export interface SimClient {
  readonly server: ApiServer;
  readonly kc: k8s.KubeConfig;
  readonly core: k8s.CoreV1Api;
  readonly apps: k8s.AppsV1Api;
  readonly coord: k8s.CoordinationV1Api;
  readonly custom: k8s.CustomObjectsApi;
  readonly events: k8s.EventsV1Api;
  close(): Promise<void>;
}

/** A client-node KubeConfig for a plain-HTTP server; `token` is the identity partition faults match. */
export function kubeConfigFor(url: string, token = 'sim-admin'): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sim', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'sim', cluster: 'sim', user: 'u', namespace: 'default' }],
    currentContext: 'sim',
  });
  return kc;
}

/** Starts the stand-in on a free loopback port with the VnfCluster CRD, plus the API clients vnf-agent uses. */
export async function startSim(options: ApiServerOptions = {}, token?: string): Promise<SimClient> {
  const server = await startApiServer({ crdFiles: [VNF_CRD_FILE], ...options });
  const kc = kubeConfigFor(server.url, token);
  return {
    server,
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    coord: kc.makeApiClient(k8s.CoordinationV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    events: kc.makeApiClient(k8s.EventsV1Api),
    close: () => server.close(),
  };
}

/** The parsed Status of a failed call: client-node 1.x keeps the body as a raw JSON string. */
export async function statusOf(call: Promise<unknown>): Promise<{ code: number; reason: string; message: string; details?: Record<string, unknown> }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof k8s.ApiException) {
      const body = typeof err.body === 'string' ? (JSON.parse(err.body) as Record<string, unknown>) : (err.body as Record<string, unknown>);
      return { code: err.code, reason: String(body.reason), message: String(body.message), details: body.details as Record<string, unknown> };
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

export function deploymentManifest(name: string, replicas: number, graceSeconds = 1): k8s.V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'sip' } },
        spec: { terminationGracePeriodSeconds: graceSeconds, containers: [{ name: 'sip', image: `${name}:1` }] },
      },
    },
  };
}
