import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import type { Clock } from '../../clock/clock.js';
import type { TokenSource } from '../auth.js';
import { requireToken } from '../require-token.js';
import { Nullable } from '../../model/nullable.js';
import { ErrorReply } from '../schemas.js';
import { MUTATING_ROUTE } from '../rate-limit.js';

/** What the drain routes need: start draining, and say how far it got. */
export interface DrainControl {
  start(reason: string): void;
  state(): DrainState;
}

export const DrainStateSchema = Type.Object({
  draining: Type.Boolean(),
  /** The SIP server has no calls left in flight, or the drain timeout passed. */
  settled: Type.Boolean(),
  since: Nullable(Type.String()),
  reason: Nullable(Type.String()),
});
export type DrainState = Static<typeof DrainStateSchema>;

export interface DrainRouteOptions {
  readonly drain: DrainControl;
  readonly tokens: TokenSource;
  /** Paces the wait of `GET /drain?wait=true`. */
  readonly clock: Clock;
  /** Longest `GET /drain?wait=true` holds the request: the drain timeout + 5 s. */
  readonly waitLimitMs: () => number;
}

/** How often a waiting preStop request looks at the drain. */
export const DRAIN_POLL_MS = 200;

/**
 * `POST /drain` (bearer token): stop taking new SIP traffic (readiness fails,
 * peers stop routing here) and let calls in flight finish. Idempotent.
 * `GET /drain`: the drain's progress, read-only.
 * `GET /drain?wait=true`: the chart's preStop hook (an httpGet, which cannot
 * send a token). It starts the drain like POST /drain and answers 200 only
 * once the drain settled (or its timeout passed), holding the request open.
 * Trade-off: anyone who can reach the port can drain the pod without the
 * token. The pod goes only as far as "not ready, leaving"; nothing is deleted,
 * and the kubelet starts exactly this call when the pod is being deleted
 * anyway. Restrict the port with a NetworkPolicy where that matters.
 */
export const drainRoutes: FastifyPluginAsync<DrainRouteOptions> = async (app, opts) => {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.post(
    '/drain',
    {
      config: MUTATING_ROUTE,
      preHandler: requireToken(opts.tokens),
      schema: {
        body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false })),
        response: { 202: DrainStateSchema, 401: ErrorReply, 403: ErrorReply, 429: ErrorReply, 503: ErrorReply },
      },
    },
    async (request, reply) => {
      opts.drain.start(request.body?.reason ?? 'requested over HTTP');
      return reply.code(202).send(opts.drain.state());
    },
  );
  typed.get(
    '/drain',
    { schema: { querystring: Type.Object({ wait: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), response: { 200: DrainStateSchema } } },
    async (request, reply) => {
      if (request.query.wait !== true) return reply.send(opts.drain.state());
      opts.drain.start('preStop hook: GET /drain?wait=true');
      const limitMs = opts.waitLimitMs();
      // The server's idle timeout (10 s) would cut a long wait short; this request may stay quiet until the limit.
      const socket = request.raw.socket as { setTimeout?: (ms: number) => void } | undefined;
      if (typeof socket?.setTimeout === 'function') socket.setTimeout(limitMs + 5_000);
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      await waitSettled(opts, limitMs, gone.signal);
      return reply.send(opts.drain.state());
    },
  );
};

/** Polls the drain every DRAIN_POLL_MS until it settled, `limitMs` passed or the client went away. */
async function waitSettled(opts: DrainRouteOptions, limitMs: number, gone: AbortSignal): Promise<void> {
  const startedMs = opts.clock.nowMs();
  while (!opts.drain.state().settled && !gone.aborted) {
    const leftMs = startedMs + limitMs - opts.clock.nowMs();
    if (leftMs <= 0) return;
    try {
      await opts.clock.sleep(Math.min(DRAIN_POLL_MS, leftMs), gone);
    } catch {
      return; // the client hung up: nobody is waiting any more
    }
  }
}
