import { join } from 'node:path';
import { POD_PORTS, type PlaygroundSettings } from './settings.js';

export type Role = 'sprout' | 'bono';

/** One simulated pod, as the kubelet reported it running. */
export interface PodFacts {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string;
  readonly role: Role;
  /** The pod's own folder under the playground's temp dir (its "volumes"). */
  readonly dir: string;
}

export function sipPortOf(role: Role): number {
  return role === 'sprout' ? POD_PORTS.sproutSip : POD_PORTS.bonoSip;
}

/** The sidecar's rendered peer file for this pod's SIP server (its format is the backend's choice). */
export function peersFileOf(pod: PodFacts, name: string): string {
  return join(pod.dir, name);
}

/**
 * The sidecar container's environment, as the chart would set it for this
 * role plus the downward API: identity, the pod IP as the HTTP host, the SIP
 * port; the SIP server's backend adds the load signals it offers and, for
 * Bono, the peer file format and how the server reloads it.
 */
export function sidecarEnv(pod: PodFacts, s: PlaygroundSettings, files: { kubeconfig: string; tokenFile: string }, backendEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {
    VNF_AGENT_POD_NAME: pod.name,
    VNF_AGENT_POD_NAMESPACE: pod.namespace,
    VNF_AGENT_POD_IP: pod.ip,
    VNF_AGENT_CLUSTER: pod.role,
    VNF_AGENT_KUBECONFIG: files.kubeconfig,
    KUBECONFIG: files.kubeconfig,
    VNF_AGENT_HTTP_HOST: pod.ip,
    VNF_AGENT_HTTP_PORT: String(POD_PORTS.sidecarHttp),
    VNF_AGENT_SIP_PORT: String(sipPortOf(pod.role)),
    VNF_AGENT_TOKEN_FILE: files.tokenFile,
    VNF_AGENT_LOG_LEVEL: s.sidecarLogLevel,
    VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp',
    VNF_AGENT_SHUTDOWN_TIMEOUT_MS: '5000',
    ...(pod.role === 'bono' ? { VNF_AGENT_PEERS_SOURCE: 'upstreams', VNF_AGENT_PEERS_SIP_PORT: String(POD_PORTS.sproutSip) } : {}),
  };
  return { ...env, ...backendEnv };
}
