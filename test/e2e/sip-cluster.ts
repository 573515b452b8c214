import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { bonoKamailioConfig, sproutKamailioConfig } from '../../sim/kamailio/config.js';
import { createVnfCluster, sidecarIdentity } from '../support/sidecars.js';
import { httpExchange } from '../../agent/net/http.js';

export const SPROUT_PORT = 5054;
export const BONO_PORT = 5060;
export const AGENT_PORT = 8686;

const downward = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

function kamailioContainer(cfg: string, port: number, runDir: string): V1Container {
  return {
    name: 'sip',
    image: 'busybox',
    command: ['sh', '-c'],
    args: [`mkdir -p ${runDir}/$(POD_NAME) && exec /usr/sbin/kamailio -f ${cfg} -DD -E -m 32 -M 8 -Y ${runDir}/$(POD_NAME) -P ${runDir}/$(POD_NAME)/pid -l udp:$(POD_IP):${port} -l tcp:$(POD_IP):${port}`],
    env: [downward('POD_NAME', 'metadata.name'), downward('POD_IP', 'status.podIP')],
  };
}

function sidecarContainer(cluster: string, sipPort: number, kubeconfig: string, tokenFile: string, extra: Record<string, string>): V1Container {
  const env: V1Container['env'] = [
    downward('VNF_AGENT_POD_NAME', 'metadata.name'),
    downward('VNF_AGENT_POD_NAMESPACE', 'metadata.namespace'),
    downward('VNF_AGENT_POD_IP', 'status.podIP'),
    { name: 'VNF_AGENT_CLUSTER', value: cluster },
    { name: 'VNF_AGENT_HTTP_HOST', value: '$(VNF_AGENT_POD_IP)' },
    { name: 'VNF_AGENT_SIP_PORT', value: String(sipPort) },
    { name: 'VNF_AGENT_KUBECONFIG', value: kubeconfig },
    { name: 'VNF_AGENT_TOKEN_FILE', value: tokenFile },
    { name: 'VNF_AGENT_SIGNAL_SOURCES', value: 'sip-options,kamailio' },
    { name: 'VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS', value: 'udp' },
    { name: 'VNF_AGENT_SIGNAL_KAMAILIO_RPC_URL', value: `http://$(VNF_AGENT_POD_IP):${sipPort}/RPC` },
    ...Object.entries(extra).map(([name, value]) => ({ name, value })),
  ];
  return {
    name: 'vnf-agent',
    image: 'vnf-agent',
    args: ['run'],
    env,
    readinessProbe: { httpGet: { path: '/readyz', port: AGENT_PORT }, periodSeconds: 1 },
    lifecycle: { preStop: { httpGet: { path: '/drain?wait=true', port: AGENT_PORT } } },
  };
}

export interface SipClusterOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly dir: string;
  readonly sprouts: number;
  readonly sproutSpec?: Record<string, unknown>;
  readonly agentEnv?: Record<string, string>;
}

/**
 * A Bono (Kamailio dispatcher) in front of N Sprouts (Kamailio UAS), every pod
 * with the vnf-agent sidecar, deployed through the real API server; the
 * simulated kubelet runs each pod's containers on the pod's own loopback IP.
 */
export async function deploySipCluster(o: SipClusterOptions): Promise<{ bonoListFile: string }> {
  const runDir = join(o.dir, 'run');
  mkdirSync(runDir, { recursive: true });
  const sproutCfg = join(o.dir, 'sprout.cfg');
  writeFileSync(sproutCfg, sproutKamailioConfig());
  const bonoListFile = join(o.dir, 'dispatcher.list');
  writeFileSync(bonoListFile, '# rendered by vnf-agent\n');
  const bonoCfg = join(o.dir, 'bono.cfg');
  writeFileSync(bonoCfg, bonoKamailioConfig(bonoListFile));
  const tokenFile = join(o.dir, 'token');
  writeFileSync(tokenFile, 'e2e-token\n');

  await createVnfCluster(o.kc, o.namespace, 'sprout', { drainTimeoutSeconds: 20, ...o.sproutSpec });
  // Bono's sidecar here has no in-flight count (sip-options only), so its drain runs to the timeout: keep that short.
  await createVnfCluster(o.kc, o.namespace, 'bono', { role: 'bono', minReplicas: 1, maxReplicas: 1, paused: true, drainTimeoutSeconds: 5, upstreams: [{ cluster: 'sprout' }] });
  const sproutKc = await sidecarIdentity(o.kc, o.namespace, 'sprout', o.dir);
  const bonoKc = await sidecarIdentity(o.kc, o.namespace, 'bono', o.dir);
  const env = o.agentEnv ?? {};
  const deployment = (name: string, replicas: number, containers: V1Container[]) => ({
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 30, containers } },
    },
  });
  const apps = o.kc.makeApiClient(AppsV1Api);
  await apps.createNamespacedDeployment({
    namespace: o.namespace,
    body: deployment('sprout', o.sprouts, [kamailioContainer(sproutCfg, SPROUT_PORT, runDir), sidecarContainer('sprout', SPROUT_PORT, sproutKc, tokenFile, env)]),
  });
  await apps.createNamespacedDeployment({
    namespace: o.namespace,
    body: deployment('bono', 1, [
      kamailioContainer(bonoCfg, BONO_PORT, runDir),
      sidecarContainer('bono', BONO_PORT, bonoKc, tokenFile, {
        ...env,
        VNF_AGENT_SIGNAL_SOURCES: 'sip-options',
        VNF_AGENT_PEERS_RENDERER: 'kamailio-dispatcher',
        VNF_AGENT_PEERS_FILE: bonoListFile,
        VNF_AGENT_PEERS_SIP_PORT: String(SPROUT_PORT),
        VNF_AGENT_PEERS_RELOAD: 'kamailio-rpc',
        VNF_AGENT_PEERS_RELOAD_URL: `http://$(VNF_AGENT_POD_IP):${BONO_PORT}/RPC`,
      }),
    ]),
  });
  return { bonoListFile };
}

export async function livePods(kc: KubeConfig, namespace: string, app: string): Promise<V1Pod[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

export const isReady = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** node:http, not fetch: fetch refuses SIP's port 5060 (a "bad port" in the Fetch standard). */
async function kamailioRpc(ip: string, port: number, method: string, params: unknown[] = []): Promise<unknown> {
  const body = JSON.stringify({ jsonrpc: '2.0', method, ...(params.length > 0 ? { params } : {}), id: 1 });
  const reply = await httpExchange(`http://${ip}:${port}/RPC`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }, 2000);
  return (JSON.parse(reply.body) as { result?: unknown }).result;
}

/** INVITEs a Kamailio has received, from its own statistics; throws when the statistic is missing. */
export async function invitesReceived(ip: string, port: number): Promise<number> {
  return inviteCount(await kamailioRpc(ip, port, 'stats.get_statistics', ['core:']));
}

/** core:rcv_requests_invite out of a `stats.get_statistics core:` answer; throws when it is missing. */
export function inviteCount(result: unknown): number {
  const line = (Array.isArray(result) ? (result as unknown[]) : []).find((l): l is string => typeof l === 'string' && l.startsWith('core:rcv_requests_invite '));
  const value = Number(line?.split('=')[1]?.trim());
  if (!line || !Number.isInteger(value)) throw new Error(`no core:rcv_requests_invite in ${JSON.stringify(result)}`);
  return value;
}

/**
 * The Sprout IPs Bono's Kamailio routes to right now (RPC dispatcher.list):
 * what is loaded in memory, which is what calls see, not the file on disk.
 */
export async function dispatcherTargets(ip: string, port: number): Promise<string[]> {
  return dispatcherIps(await kamailioRpc(ip, port, 'dispatcher.list'));
}

/** The target IPs in a `dispatcher.list` answer, sorted. */
export function dispatcherIps(result: unknown): string[] {
  return [...JSON.stringify(result ?? null).matchAll(/"URI":\s*"sip:([\d.]+):/g)].map((m) => m[1] ?? '').sort();
}
