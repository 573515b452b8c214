import type { TokenSource } from '../http/auth.js';
import { hostPort } from '../net/address.js';
import { peerExchange, type PeerReply } from '../net/peer.js';
import type { SampleFetcher } from './gather.js';
import type { DrainClient } from './scale-in.js';

/**
 * The fetch adapters the leader uses to talk to its peers' sidecars: GET
 * /load, POST and GET /drain (agent/net/peer.ts bounds each exchange).
 */

function refusal(what: string, reply: PeerReply): Error {
  const reason = (reply.body as { reason?: unknown } | null)?.reason;
  return new Error(`${what} answered ${reply.status}${typeof reason === 'string' ? `: ${reason}` : ''}`);
}

/** GET http://<ip>:<port>/load. */
export function httpSampleFetcher(port: number, timeoutMs: number): SampleFetcher {
  return {
    async fetch(ip, signal) {
      const reply = await peerExchange(`http://${hostPort(ip, port)}/load`, { method: 'GET' }, timeoutMs, signal);
      if (reply.status !== 200) throw refusal('GET /load', reply);
      return reply.body;
    },
  };
}

/** POST /drain with the bearer token every sidecar of the release shares, and GET /drain. */
export function httpDrainClient(port: number, tokens: TokenSource, timeoutMs: number): DrainClient {
  return {
    async start(ip, reason, signal) {
      const token = tokens.current();
      if (token === undefined) throw new Error('no bearer token configured (VNF_AGENT_TOKEN_FILE), so the pod cannot be asked to drain');
      const reply = await peerExchange(`http://${hostPort(ip, port)}/drain`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: { reason } }, timeoutMs, signal);
      if (reply.status !== 202 && reply.status !== 200) throw refusal('POST /drain', reply);
    },
    async settled(ip, signal) {
      const reply = await peerExchange(`http://${hostPort(ip, port)}/drain`, { method: 'GET' }, timeoutMs, signal);
      if (reply.status !== 200) throw refusal('GET /drain', reply);
      return (reply.body as { settled?: unknown } | null)?.settled === true;
    },
  };
}
