import { systemClock, type Clock } from '../clock/clock.js';
import { withDeadline } from '../clock/deadline.js';
import { hostPort } from '../net/address.js';
import { peerExchange } from '../net/peer.js';
import type { ScaleApplied } from '../scaling/scaler-control.js';
import { FORWARDED_HEADER, type ScaleCommand, type ScaleControl, type ScaleReply, type ScaleRequestInfo, type ScaleState } from './routes/scale.js';

/** Relays one request to another sidecar; rejects when it cannot reach it. */
export interface ScaleForwarder {
  forward(url: string, method: 'GET' | 'POST', body: unknown, headers: Record<string, string>, signal: AbortSignal): Promise<ScaleReply>;
}

/** Relays a /scale request to the leader's sidecar and hands back its answer as is. */
export function httpScaleForwarder(timeoutMs: number): ScaleForwarder {
  return {
    forward: (url, method, body, headers, signal) => peerExchange(url, { method, headers, ...(body === undefined ? {} : { body }) }, timeoutMs, signal),
  };
}

export interface ScaleRelayDeps {
  readonly pod: string;
  readonly httpPort: number;
  /** Who leads, as this pod's elector last saw it. */
  readonly leadership: () => { readonly isLeader: boolean; readonly leader: string | undefined };
  /** A member's pod IP from the membership view; undefined when unknown. */
  readonly ipOf: (pod: string) => string | undefined;
  /** The leader's side (agent/scaling/scaler-control.ts ScaleDesk). */
  readonly desk: { state(): ScaleState; apply(command: ScaleCommand): ScaleApplied };
  readonly forwarder: ScaleForwarder;
  /** Bound on a forwarded request (config scaleForwardTimeoutMs). */
  readonly timeoutMs: number;
  /** The clock that bound runs on; the system clock when absent. */
  readonly clock?: Clock;
}

const unavailable = (reason: string): ScaleReply => ({ status: 503, body: { error: 'Service Unavailable', reason } });

const badGateway = (reason: string): ScaleReply => ({ status: 502, body: { error: 'Bad Gateway', reason } });

const preview = (body: unknown): string => (typeof body === 'string' ? JSON.stringify(body.slice(0, 120)) : (JSON.stringify(body) ?? String(body)).slice(0, 120));

/**
 * Why an answer from the leader's address is not a sidecar's /scale answer,
 * or undefined when it is one: a 200 with the state of the leader asked, or
 * a 4xx/5xx with the `{error, reason}` body every sidecar error has. Whatever
 * else answers there (a mesh proxy's text page, a redirect, another server
 * on a reused pod IP) must not reach the client as the leader's word, least
 * of all as a 200 to a POST that nothing applied.
 */
function notRelayable(answer: ScaleReply, leader: string): string | undefined {
  const body = answer.body as Record<string, unknown> | null;
  const object = typeof body === 'object' && body !== null && !Array.isArray(body);
  if (answer.status === 200) return object && body.pod === leader && body.isLeader === true ? undefined : `200 without ${leader}'s scale state: ${preview(body)}`;
  const error = object && typeof body.error === 'string' && typeof body.reason === 'string' && body.reason !== '';
  if (answer.status >= 400 && answer.status <= 599) return error ? undefined : `${answer.status} without a sidecar's error body: ${preview(body)}`;
  return `${answer.status}, which no sidecar answers to /scale: ${preview(body)}`;
}

/**
 * /scale on every pod: the leader answers from its desk; any other pod
 * forwards the request, Authorization header included, to the leader's
 * sidecar (pod IP from the membership view) and relays the answer. A request
 * that was already forwarded is never forwarded again: leadership that moved
 * in between is a 503, not a loop. An answer that is not a sidecar's is a
 * 502, never relayed.
 */
export class ScaleRelay implements ScaleControl {
  constructor(private readonly d: ScaleRelayDeps) {}

  async get(info: ScaleRequestInfo): Promise<ScaleReply> {
    return this.#route(info, 'GET', undefined, () => ({ status: 200, body: this.d.desk.state() }));
  }

  async post(command: ScaleCommand, info: ScaleRequestInfo): Promise<ScaleReply> {
    return this.#route(info, 'POST', command, () => {
      const applied = this.d.desk.apply(command);
      return applied.applied ? { status: 200, body: applied.state } : unavailable(applied.reason);
    });
  }

  async #route(info: ScaleRequestInfo, method: 'GET' | 'POST', body: ScaleCommand | undefined, local: () => ScaleReply): Promise<ScaleReply> {
    const { isLeader, leader } = this.d.leadership();
    if (isLeader) return local();
    if (info.forwarded) return unavailable(`this pod is not the leader (the leader is ${leader ?? 'unknown'}); leadership moved, retry`);
    if (leader === undefined) return unavailable('no leader is known yet; retry after the election');
    const ip = this.d.ipOf(leader);
    if (!ip) return unavailable(`the leader ${leader} has no known pod IP yet; retry`);
    const headers: Record<string, string> = { [FORWARDED_HEADER]: this.d.pod };
    if (info.authorization !== undefined) headers.authorization = info.authorization;
    try {
      const url = `http://${hostPort(ip, this.d.httpPort)}/scale`;
      const answer = await withDeadline(this.d.clock ?? systemClock, this.d.timeoutMs, `forward ${method} /scale`, [], (signal) => this.d.forwarder.forward(url, method, body, headers, signal));
      const wrong = notRelayable(answer, leader);
      if (wrong) return badGateway(`the leader ${leader} at ${ip} answered ${wrong}`);
      return { ...answer, relayed: true };
    } catch (err) {
      return badGateway(`could not reach the leader ${leader} at ${ip}: ${(err as Error).message}`);
    }
  }
}
