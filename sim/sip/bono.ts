import { createHash } from 'node:crypto';
import type { Clock } from '../../agent/clock/clock.js';
import { cseqMethod, header, headers, responseTo, serialize, toTag, viaTarget, withoutFirst, type SipMessage } from './message.js';
import type { Send } from './sprout.js';

export interface Peer {
  readonly host: string;
  readonly port: number;
}

export interface BonoCounters {
  forwarded: number;
  relayedResponses: number;
  noPeer503: number;
  optionsAnswered: number;
  upstream503: number;
}

/**
 * A simulated Bono: a stateless edge proxy that spreads new INVITEs over the
 * routable Sprouts (round robin over the peers its sidecar rendered), keeps
 * each call on the Sprout that took it (by Call-ID) for ACK and BYE, and
 * relays responses back along the Via path. With no routable Sprout it
 * answers 503 + Retry-After itself.
 */
export class BonoProxy {
  readonly counters: BonoCounters = { forwarded: 0, relayedResponses: 0, noPeer503: 0, optionsAnswered: 0, upstream503: 0 };
  #peers: Peer[] = [];
  #next = 0;
  readonly #routes = new Map<string, { peer: Peer; atMs: number }>();
  #lastSweepMs = 0;

  constructor(
    private readonly self: Peer,
    private readonly clock: Clock,
    private readonly send: Send,
    private readonly routeTtlMs = 120_000,
  ) {}

  get peers(): readonly Peer[] {
    return this.#peers;
  }

  setPeers(peers: readonly Peer[]): void {
    this.#peers = [...peers];
  }

  handle(msg: SipMessage, host: string, port: number): void {
    if (msg.status !== undefined) return this.#relayResponse(msg);
    const callId = header(msg, 'call-id') ?? '';
    if (msg.method === 'OPTIONS' && toTag(msg) === undefined && (msg.uri ?? '').includes(this.self.host)) {
      this.counters.optionsAnswered++;
      return this.send(responseTo(msg, 200, 'OK', [['Server', 'vnf-agent simulated Bono']]), host, port);
    }
    const route = this.#routes.get(callId);
    const peer = route?.peer ?? (msg.method === 'INVITE' ? this.#pick() : undefined);
    if (!peer) {
      if (msg.method === 'ACK') return;
      if (msg.method !== 'INVITE') return this.send(responseTo(msg, 481, 'Call/Transaction Does Not Exist'), host, port);
      this.counters.noPeer503++;
      return this.send(responseTo(msg, 503, 'Service Unavailable (no Sprout)', [['Retry-After', '5']]), host, port);
    }
    if (!route) this.#remember(callId, peer);
    this.counters.forwarded++;
    this.send(serialize(this.#withOwnVia(msg, host, port)), peer.host, peer.port);
  }

  #pick(): Peer | undefined {
    if (this.#peers.length === 0) return undefined;
    this.#next = (this.#next + 1) % this.#peers.length;
    return this.#peers[this.#next];
  }

  #remember(callId: string, peer: Peer): void {
    const now = this.clock.nowMs();
    this.#routes.set(callId, { peer, atMs: now });
    if (now - this.#lastSweepMs < 1_000) return;
    this.#lastSweepMs = now;
    for (const [id, r] of this.#routes) if (now - r.atMs > this.routeTtlMs) this.#routes.delete(id);
  }

  /** Our Via on top (branch derived from the client's, RFC 3261 §16.11), received/rport on the client's. */
  #withOwnVia(msg: SipMessage, host: string, port: number): SipMessage {
    const first = headers(msg, 'via')[0] ?? '';
    const branch = `z9hG4bK${createHash('sha1').update(first).digest('hex').slice(0, 16)}`;
    let marked = false;
    const rewritten = msg.headers.map(([n, v]): [string, string] => {
      if (!marked && /^(via|v)$/i.test(n)) {
        marked = true;
        return [n, `${v.replace(/;rport(?=;|$)/, '')};received=${host};rport=${port}`];
      }
      if (/^max-forwards$/i.test(n)) return [n, String(Math.max(0, Number(v) - 1))];
      return [n, v];
    });
    return { ...msg, headers: [['Via', `SIP/2.0/UDP ${this.self.host}:${this.self.port};branch=${branch}`], ...rewritten] };
  }

  #relayResponse(msg: SipMessage): void {
    const stripped = withoutFirst(msg, 'via');
    const target = viaTarget(headers(stripped, 'via')[0] ?? '');
    if (!target) return;
    const callId = header(msg, 'call-id') ?? '';
    const status = msg.status ?? 0;
    if (status === 503) this.counters.upstream503++;
    const method = cseqMethod(msg);
    if ((method === 'INVITE' && status >= 300) || (method === 'BYE' && status >= 200)) this.#routes.delete(callId);
    this.counters.relayedResponses++;
    this.send(serialize(stripped), target.host, target.port);
  }
}
