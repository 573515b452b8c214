import { systemClock, type Clock } from '../clock/clock.js';
import { withDeadline } from '../clock/deadline.js';
import type { ScaleCommand, ScaleControl, ScaleReply, ScaleRequestInfo, ScaleState } from '../http/routes/scale.js';
import { FORWARDED_HEADER } from '../http/routes/scale.js';
import type { VnfCluster } from '../model/vnfcluster.js';
import type { ScaleInState } from './scale-in.js';
import type { LastDecision } from './scaler.js';
import { hostPort } from './scaler-http.js';
import type { ManualRequest } from './types.js';

/** Relays one request to another sidecar; rejects when it cannot reach it. */
export interface ScaleForwarder {
  forward(url: string, method: 'GET' | 'POST', body: unknown, headers: Record<string, string>, signal: AbortSignal): Promise<ScaleReply>;
}

/** What the desk needs from the leader's scaler. */
export interface ScalerView {
  readonly manual: ManualRequest | undefined;
  readonly last: LastDecision | undefined;
  readonly lastPass: string;
  setManual(manual: ManualRequest | undefined): void;
}

export interface ScaleDeskDeps {
  readonly pod: string;
  readonly httpPort: number;
  /** Who leads, as this pod's elector last saw it. */
  readonly leadership: () => { readonly isLeader: boolean; readonly leader: string | undefined };
  /** A member's pod IP from the membership view; undefined when unknown. */
  readonly ipOf: (pod: string) => string | undefined;
  readonly policy: () => VnfCluster | undefined;
  readonly scaler: ScalerView;
  readonly scaleIn: { state(): ScaleInState | null };
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
 * /scale on every pod: the leader answers from its scaler; any other pod
 * forwards the request, Authorization header included, to the leader's
 * sidecar (pod IP from the membership view) and relays the answer. A request
 * that was already forwarded is never forwarded again: leadership that moved
 * in between is a 503, not a loop. An answer that is not a sidecar's is a
 * 502, never relayed.
 */
export class ScaleDesk implements ScaleControl {
  constructor(private readonly d: ScaleDeskDeps) {}

  async get(info: ScaleRequestInfo): Promise<ScaleReply> {
    return this.#route(info, 'GET', undefined, () => ({ status: 200, body: this.state() }));
  }

  async post(command: ScaleCommand, info: ScaleRequestInfo): Promise<ScaleReply> {
    return this.#route(info, 'POST', command, () => {
      try {
        this.#apply(command);
      } catch (err) {
        return unavailable(`this pod stopped leading before the request was applied (${(err as Error).message}); retry`);
      }
      return { status: 200, body: this.state() };
    });
  }

  /** The leader's answer to GET /scale. */
  state(): ScaleState {
    const spec = this.d.policy()?.spec;
    const { manual, last } = this.d.scaler;
    return {
      pod: this.d.pod,
      leader: this.d.leadership().leader ?? null,
      isLeader: this.d.leadership().isLeader,
      currentReplicas: last?.replicas ?? this.d.policy()?.status?.replicas ?? null,
      desiredReplicas: last?.decision.replicas ?? null,
      paused: (spec?.paused ?? false) || manual?.kind === 'pause',
      specPaused: spec?.paused ?? false,
      specManualReplicas: spec?.manualReplicas ?? null,
      manual: manual ? { ...manual } : null,
      lastDecision: last
        ? { replicas: last.decision.replicas, nextStep: last.decision.nextStep, direction: last.decision.direction, reason: last.decision.reason, time: last.time, inputs: { ...last.decision.inputs, overloadedMembers: [...last.decision.inputs.overloadedMembers] } }
        : null,
      samples: (last?.gathered.samples ?? []).map((s) => ({ ...s })),
      missing: (last?.gathered.missing ?? []).map((m) => ({ ...m })),
      scaleIn: this.d.scaleIn.state(),
      lastPass: this.d.scaler.lastPass,
      forecast: last?.forecast ? { ...last.forecast } : null,
    };
  }

  #apply(command: ScaleCommand): void {
    const { scaler } = this.d;
    if (command.replicas !== undefined) scaler.setManual({ kind: 'replicas', replicas: command.replicas });
    else if (command.pause === true) scaler.setManual({ kind: 'pause' });
    else if (command.pause === false) scaler.setManual(scaler.manual?.kind === 'pause' ? undefined : scaler.manual);
    else if (command.clear === true) scaler.setManual(undefined);
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
