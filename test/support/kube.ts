import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { readFileSync } from 'node:fs';
import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { setTimeout as delay } from 'node:timers/promises';

export function kubeConfigFrom(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export interface RawResponse {
  readonly status: number;
  readonly body: string;
  json<T = Record<string, unknown>>(): T;
}

/**
 * A request exactly as written, bypassing client-node's serializers, to check
 * what the server itself accepts or rejects.
 */
export async function rawRequest(kc: KubeConfig, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<RawResponse> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const url = new URL(server + path);
  const payload = body === undefined || typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  // With a length, not chunked: Node's server answers a chunked DELETE with a bare 400.
  const length = payload === undefined ? {} : { 'content-length': Buffer.byteLength(payload) };
  const options: RequestOptions = { method, headers: { 'content-type': contentType, accept: 'application/json', ...length }, timeout: 10_000 };
  await kc.applyToHTTPSOptions(options);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, options, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, json: <T>() => JSON.parse(text) as T }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/**
 * Installs the chart's VnfCluster CRD and waits until the API serves it. Sent
 * raw on purpose: client-node's serializer maps `enum`/`default` to `_enum`/
 * `_default` and silently drops them from a plain-object CRD.
 */
export async function installCrd(kc: KubeConfig): Promise<void> {
  const crd = parse(readFileSync('charts/vnf-agent/crds/vnfclusters.yaml', 'utf8')) as { metadata: { name: string; resourceVersion?: string } };
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  const created = await rawRequest(kc, 'POST', base, crd);
  if (created.status === 409) {
    const current = await rawRequest(kc, 'GET', `${base}/${crd.metadata.name}`);
    crd.metadata.resourceVersion = current.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const replaced = await rawRequest(kc, 'PUT', `${base}/${crd.metadata.name}`, crd);
    if (replaced.status !== 200) throw new Error(`replace CRD: ${replaced.status} ${replaced.body}`);
  } else if (created.status !== 201) {
    throw new Error(`create CRD: ${created.status} ${created.body}`);
  }
  for (let i = 0; i < 100; i++) {
    const r = await rawRequest(kc, 'GET', '/apis/vnf-agent.dev/v1alpha1/vnfclusters');
    if (r.status === 200) return;
    await delay(100);
  }
  throw new Error('VnfCluster CRD not served within 10 s');
}

let counter = 0;
/** A fresh namespace per test file, so files sharing one control plane never collide. */
export async function freshNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${++counter}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

export async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).deleteNamespace({ name }).catch(() => undefined);
}

/**
 * Deletes a namespace and waits until its pods are gone: their containers
 * (sidecars retrying a peer-file write, a Kamailio exiting) use the test's
 * scratch dir until the kubelet stopped them, so removing it earlier races
 * them (ENOTEMPTY). Gives up quietly after `timeoutMs`.
 */
export async function deleteNamespaceAndPods(kc: KubeConfig, name: string, timeoutMs = 90_000): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await deleteNamespace(kc, name);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const left = await core.listNamespacedPod({ namespace: name }).then((l) => l.items.length, () => 0);
    if (left === 0) return;
    await delay(250);
  }
}
