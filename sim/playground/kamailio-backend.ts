import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStatistics } from '../../agent/signals/kamailio-source.js';
import { bonoKamailioConfig, KAMAILIO_BIN, sproutKamailioConfig } from '../kamailio/config.js';
import { postJson } from './http-json.js';
import { peersFileOf, sipPortOf, type PodFacts } from './pod-env.js';
import type { PlaygroundSettings } from './settings.js';
import type { PodSipStats, SipBackend } from './sip-backend.js';

/** SIP requests one call costs a Sprout: INVITE, ACK, BYE. */
const REQUESTS_PER_CALL = 3;
const RPC_TIMEOUT_MS = 1_000;

export interface KamailioBackendOptions {
  readonly settings: PlaygroundSettings;
  /** Where the shared Sprout configuration is written (the playground's temp dir). */
  readonly dir: string;
  readonly bin?: string;
}

/**
 * Real Kamailio as every pod's SIP server. Sprout: a UAS that answers calls
 * as dialogs and refuses with 503 above `sproutCallsPerSecond` new INVITEs
 * per second (pipelimit) or `sproutMaxCalls` established calls, like Sprout's
 * overload control. Bono: a stateful dispatcher over the Sprout set its
 * sidecar renders (kamailio-dispatcher) and reloads (dispatcher.reload RPC).
 * The sidecars read Kamailio's own statistics over JSON-RPC.
 */
export function kamailioBackend(o: KamailioBackendOptions): SipBackend {
  const s: PlaygroundSettings = o.settings;
  const bin = o.bin ?? KAMAILIO_BIN;
  if (!existsSync(bin)) throw new Error(`--sip kamailio needs Kamailio at ${bin} (apt-get install kamailio kamailio-extra-modules)`);
  mkdirSync(o.dir, { recursive: true });
  const sproutCfg = join(o.dir, 'sprout-kamailio.cfg');
  writeFileSync(sproutCfg, sproutKamailioConfig({ inviteLimit: s.sproutCallsPerSecond, maxCalls: s.sproutMaxCalls, retryAfterS: 0, prometheus: false }));
  const rpcUrl = (ip: string, role: PodFacts['role']) => `http://${ip}:${sipPortOf(role)}/RPC`;
  return {
    kind: 'kamailio',
    notice: 'SIP servers are real Kamailio processes (sim/kamailio/config.ts)',
    container(pod) {
      const port = sipPortOf(pod.role);
      const cfg = pod.role === 'sprout' ? sproutCfg : bonoConfigFor(pod);
      return {
        command: bin,
        args: ['-f', cfg, '-DD', '-E', '-m', '32', '-M', '8', '-Y', pod.dir, '-P', join(pod.dir, 'kamailio.pid'), '-l', `udp:${pod.ip}:${port}`, '-l', `tcp:${pod.ip}:${port}`],
      };
    },
    sidecarEnv: (pod) => ({
      VNF_AGENT_SIGNAL_SOURCES: 'sip-options,kamailio',
      VNF_AGENT_SIGNAL_KAMAILIO_RPC_URL: rpcUrl(pod.ip, pod.role),
      VNF_AGENT_SIGNAL_TARGETS:
        pod.role === 'sprout'
          ? `kamailio.requestsPerS=${REQUESTS_PER_CALL * s.sproutCallsPerSecond},kamailio.activeDialogs=${s.sproutMaxCalls}`
          : 'kamailio.requestsPerS=3000',
      ...(pod.role === 'bono'
        ? {
            VNF_AGENT_PEERS_RENDERER: 'kamailio-dispatcher',
            VNF_AGENT_PEERS_FILE: peersFileOf(pod, 'dispatcher.list'),
            VNF_AGENT_PEERS_RELOAD: 'kamailio-rpc',
            VNF_AGENT_PEERS_RELOAD_URL: rpcUrl(pod.ip, pod.role),
          }
        : {}),
    }),
    async stats(pod) {
      const url = rpcUrl(pod.ip, pod.role);
      const reply = await postJson<unknown>(url, { jsonrpc: '2.0', method: 'stats.get_statistics', params: ['all'], id: 1 }, RPC_TIMEOUT_MS);
      const stats = reply === undefined ? undefined : parseStatistics(JSON.stringify(reply));
      if (!(stats instanceof Map)) return null;
      const stat = (name: string) => stats.get(name) ?? 0;
      const refused = stat('sl:5xx_replies');
      if (pod.role === 'sprout') {
        return { server: 'kamailio', role: 'sprout', activeCalls: stat('dialog:active_dialogs'), answered: stat('dialog:processed_dialogs'), forwarded: 0, rejected: refused, queueLength: 0 };
      }
      return { server: 'kamailio', role: 'bono', activeCalls: await stickyCalls(url), answered: 0, forwarded: Math.max(0, stat('core:rcv_requests_invite') - refused), rejected: refused, queueLength: 0 } satisfies PodSipStats;
    },
  };
}

/** Bono's configuration names its own dispatcher list, so each Bono pod gets one (empty until the sidecar renders it). */
function bonoConfigFor(pod: PodFacts): string {
  const list = peersFileOf(pod, 'dispatcher.list');
  if (!existsSync(list)) writeFileSync(list, '# rendered by the vnf-agent sidecar\n');
  const cfg = join(pod.dir, 'bono-kamailio.cfg');
  writeFileSync(cfg, bonoKamailioConfig(list));
  return cfg;
}

/** Calls Bono keeps on their Sprout: the entries of its `calls` hash table. */
async function stickyCalls(url: string): Promise<number> {
  const reply = await postJson<{ result?: { name?: string; all?: number }[] }>(url, { jsonrpc: '2.0', method: 'htable.stats', id: 2 }, RPC_TIMEOUT_MS);
  const calls = reply?.result?.find((t) => t.name === 'calls')?.all;
  return typeof calls === 'number' ? calls : 0;
}
