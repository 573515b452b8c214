import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Container, type V1Pod, type V1Volume } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { callOptions } from '../kube-call.js';

/**
 * What the simulated kubelet gives a pod instead of mount and network
 * namespaces: volumes (secret, configMap, emptyDir) materialized under the
 * pod's own folder, with paths into a container's mounts rewritten to them;
 * a wildcard bind address meaning the pod's own IP; and the pod's
 * ServiceAccount identity as a kubeconfig (KUBECONFIG) holding a token from
 * the TokenRequest API bound to the pod, like the projected token volume.
 */
export interface PodFiles {
  /** Extra environment for every container (KUBECONFIG). */
  readonly env: Readonly<Record<string, string>>;
  /** Rewrites a path (or an env value, or an argument) the way the container would see it. */
  localize(container: V1Container, text: string): string;
}

const TOKEN_SECONDS = 3600;

export async function preparePodFiles(kc: KubeConfig, pod: V1Pod, podDir: string, podIp: string): Promise<PodFiles> {
  // Made on first use: a pod with only emptyDir volumes and no ServiceAccount needs no API client.
  let client: CoreV1Api | undefined;
  const core = () => (client ??= kc.makeApiClient(CoreV1Api));
  const namespace = pod.metadata?.namespace ?? 'default';
  const volumes = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    const dir = join(podDir, 'volumes', volume.name);
    mkdirSync(dir, { recursive: true });
    await fillVolume(core, namespace, volume, dir).catch(() => undefined); // a missing Secret leaves the volume empty
    volumes.set(volume.name, dir);
  }
  const env: Record<string, string> = {};
  const kubeconfig = await serviceAccountKubeconfig(kc, core, pod, podDir).catch(() => undefined);
  if (kubeconfig) env.KUBECONFIG = kubeconfig;
  return {
    env,
    localize(container, text) {
      if (text === '0.0.0.0') return podIp;
      let best: { mountPath: string; dir: string } | undefined;
      for (const m of container.volumeMounts ?? []) {
        const dir = volumes.get(m.name);
        if (!dir || !(text === m.mountPath || text.startsWith(`${m.mountPath.replace(/\/$/, '')}/`))) continue;
        if (!best || m.mountPath.length > best.mountPath.length) best = { mountPath: m.mountPath, dir: m.subPath ? join(dir, m.subPath) : dir };
      }
      return best ? best.dir + text.slice(best.mountPath.replace(/\/$/, '').length) : text;
    },
  };
}

async function fillVolume(core: () => CoreV1Api, namespace: string, volume: V1Volume, dir: string): Promise<void> {
  let data: Record<string, string> = {};
  let items: { key: string; path: string; mode?: number }[] | undefined;
  let mode: number | undefined;
  if (volume.secret?.secretName) {
    const secret = await core().readNamespacedSecret({ name: volume.secret.secretName, namespace }, callOptions({ timeoutMs: 10_000 }));
    data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    items = volume.secret.items;
    mode = volume.secret.defaultMode;
  } else if (volume.configMap?.name) {
    const map = await core().readNamespacedConfigMap({ name: volume.configMap.name, namespace }, callOptions({ timeoutMs: 10_000 }));
    data = map.data ?? {};
    items = volume.configMap.items;
    mode = volume.configMap.defaultMode;
  }
  for (const item of items ?? Object.keys(data).map((key): { key: string; path: string; mode?: number } => ({ key, path: key }))) {
    const value = data[item.key];
    if (value === undefined) continue;
    const file = join(dir, item.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, value);
    // Owner read at least: processes here run as this user, not the pod's runAsUser.
    chmodSync(file, (item.mode ?? mode ?? 0o644) | 0o400);
  }
}

async function serviceAccountKubeconfig(kc: KubeConfig, core: () => CoreV1Api, pod: V1Pod, podDir: string): Promise<string | undefined> {
  const account = pod.spec?.serviceAccountName;
  if (!account || pod.spec?.automountServiceAccountToken === false) return undefined;
  const request = await core().createNamespacedServiceAccountToken(
    {
      name: account, namespace: pod.metadata?.namespace ?? 'default',
      body: { spec: { audiences: [], expirationSeconds: TOKEN_SECONDS, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' } } },
    },
    callOptions({ timeoutMs: 10_000 }),
  );
  const cluster = kc.getCurrentCluster();
  if (!cluster || !request.status?.token) return undefined;
  const path = join(podDir, 'serviceaccount.kubeconfig');
  const doc = {
    apiVersion: 'v1', kind: 'Config', 'current-context': 'pod',
    clusters: [{ name: 'pod', cluster: { server: cluster.server, ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}), ...(cluster.caFile ? { 'certificate-authority': cluster.caFile } : {}), ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}) } }],
    users: [{ name: 'pod', user: { token: request.status.token } }],
    contexts: [{ name: 'pod', context: { cluster: 'pod', user: 'pod', namespace: pod.metadata?.namespace ?? 'default' } }],
  };
  mkdirSync(podDir, { recursive: true });
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return path;
}
