import type { SimSipStats } from '../sip/metrics.js';
import { getJson } from './http-json.js';
import { peersFileOf, sipPortOf, type PodFacts } from './pod-env.js';
import { POD_PORTS, type PlaygroundSettings } from './settings.js';
import type { PodSipStats, SipBackend } from './sip-backend.js';

export interface SimBackendOptions {
  readonly settings: PlaygroundSettings;
  /** How to run node scripts: the node binary and its flags (tsx when run from source). */
  readonly node: { readonly execPath: string; readonly execArgv: readonly string[] };
  readonly simSipMain: string;
}

/**
 * The simulated SIP servers (`sim/sip`): a Sprout with Clearwater's load
 * monitor and a Bono that round-robins over its sidecar's JSON peer file.
 * The sidecar reads their Prometheus text, sized by the simulated capacity.
 */
export function simBackend(o: SimBackendOptions): SipBackend {
  const s = o.settings;
  const statsUrl = (ip: string) => `http://${ip}:${POD_PORTS.simStats}`;
  return {
    kind: 'sim',
    notice: 'SIP servers are simulated (sim/sip)',
    container: (pod) => ({ command: o.node.execPath, args: [...o.node.execArgv, o.simSipMain, ...simSipArgs(pod, s)] }),
    sidecarEnv: (pod) => ({
      VNF_AGENT_SIGNAL_SOURCES: 'sip-options,prometheus',
      VNF_AGENT_SIGNAL_TARGETS: '',
      VNF_AGENT_SIGNAL_PROMETHEUS_URL: `${statsUrl(pod.ip)}/metrics`,
      VNF_AGENT_SIGNAL_PROMETHEUS_SERIES:
        pod.role === 'sprout'
          ? `rate(sim_sip_invites_received_total)=${s.sproutCallsPerSecond};sim_sip_calls_active=${s.sproutMaxCalls}`
          : 'rate(sim_sip_forwarded_total)=1000',
      ...(pod.role === 'bono'
        ? { VNF_AGENT_PEERS_RENDERER: 'json', VNF_AGENT_PEERS_FILE: peersFileOf(pod, 'peers.json'), VNF_AGENT_PEERS_RELOAD: 'http', VNF_AGENT_PEERS_RELOAD_URL: `${statsUrl(pod.ip)}/reload` }
        : {}),
    }),
    async stats(pod) {
      const raw = await getJson<SimSipStats>(`${statsUrl(pod.ip)}/stats`, 2_000);
      return raw ? fromSim(raw) : null;
    },
  };
}

function fromSim(s: SimSipStats): PodSipStats {
  return {
    server: 'sim', role: s.role, activeCalls: s.activeCalls, answered: s.answered, forwarded: s.forwarded,
    rejected: s.rejectedOverload + s.rejectedCalls + s.noPeer503, queueLength: s.queueLength,
  };
}

/** The simulated SIP server container's arguments. */
export function simSipArgs(pod: PodFacts, s: PlaygroundSettings): string[] {
  const args = ['--role', pod.role, '--host', pod.ip, '--sip-port', String(sipPortOf(pod.role)), '--http-port', String(POD_PORTS.simStats)];
  if (pod.role === 'sprout') {
    args.push('--calls-per-second', String(s.sproutCallsPerSecond), '--workers', String(s.sproutWorkers), '--max-calls', String(s.sproutMaxCalls));
  } else {
    args.push('--peers-file', peersFileOf(pod, 'peers.json'));
  }
  return args;
}
