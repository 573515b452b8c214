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

export function peersFileOf(pod: PodFacts): string {
  return join(pod.dir, 'peers.json');
}

/**
 * The sidecar container's environment, as the chart would set it for this
 * role plus the downward API: identity, the pod IP as the HTTP host, the SIP
 * port, load from the OPTIONS probe and the simulated server's own metrics,
 * and for Bono a JSON peer file of the Sprouts with an HTTP reload.
 */
export function sidecarEnv(pod: PodFacts, s: PlaygroundSettings, files: { kubeconfig: string; tokenFile: string }): Record<string, string> {
  const stats = `http://${pod.ip}:${POD_PORTS.simStats}`;
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
    VNF_AGENT_SIGNAL_SOURCES: 'sip-options,prometheus',
    VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp',
    VNF_AGENT_SIGNAL_TARGETS: '',
    VNF_AGENT_SIGNAL_PROMETHEUS_URL: `${stats}/metrics`,
    VNF_AGENT_SIGNAL_PROMETHEUS_SERIES:
      pod.role === 'sprout'
        ? `rate(sim_sip_invites_received_total)=${s.sproutCallsPerSecond};sim_sip_calls_active=${s.sproutMaxCalls}`
        : 'rate(sim_sip_forwarded_total)=1000',
    VNF_AGENT_SHUTDOWN_TIMEOUT_MS: '5000',
  };
  if (pod.role === 'bono') {
    Object.assign(env, {
      VNF_AGENT_PEERS_RENDERER: 'json',
      VNF_AGENT_PEERS_FILE: peersFileOf(pod),
      VNF_AGENT_PEERS_SOURCE: 'upstreams',
      VNF_AGENT_PEERS_SIP_PORT: String(POD_PORTS.sproutSip),
      VNF_AGENT_PEERS_RELOAD: 'http',
      VNF_AGENT_PEERS_RELOAD_URL: `${stats}/reload`,
    });
  }
  return env;
}

/** The simulated SIP server container's arguments. */
export function simSipArgs(pod: PodFacts, s: PlaygroundSettings): string[] {
  const args = ['--role', pod.role, '--host', pod.ip, '--sip-port', String(sipPortOf(pod.role)), '--http-port', String(POD_PORTS.simStats)];
  if (pod.role === 'sprout') {
    args.push('--calls-per-second', String(s.sproutCallsPerSecond), '--workers', String(s.sproutWorkers), '--max-calls', String(s.sproutMaxCalls));
  } else {
    args.push('--peers-file', peersFileOf(pod));
  }
  return args;
}
