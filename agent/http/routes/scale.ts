import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import type { TokenSource } from '../auth.js';
import { ErrorReply } from '../schemas.js';
import { requireToken } from '../require-token.js';
import { Nullable } from '../../model/nullable.js';
import { MUTATING_ROUTE } from '../rate-limit.js';

export const ManualRequestSchema = Type.Union([
  Type.Object({ kind: Type.Literal('replicas'), replicas: Type.Integer() }),
  Type.Object({ kind: Type.Literal('pause') }),
]);

/** What `GET /scale` shows: the last decision with every input it saw, and the operator's overrides. */
export const ScaleStateSchema = Type.Object({
  pod: Type.String(),
  leader: Nullable(Type.String()),
  isLeader: Type.Boolean(),
  currentReplicas: Nullable(Type.Integer()),
  desiredReplicas: Nullable(Type.Integer()),
  /** spec.paused or a manual pause. */
  paused: Type.Boolean(),
  specPaused: Type.Boolean(),
  specManualReplicas: Nullable(Type.Integer()),
  /** The request set by POST /scale on this leader; it lives as long as the leader's term. */
  manual: Nullable(ManualRequestSchema),
  lastDecision: Nullable(
    Type.Object({
      replicas: Type.Integer(),
      nextStep: Type.Integer(),
      direction: Type.Enum(['up', 'down', 'none']),
      reason: Type.String(),
      time: Type.String(),
      inputs: Type.Object({
        currentReplicas: Type.Integer(),
        averageUtilization: Nullable(Type.Number()),
        targetUtilization: Type.Number(),
        usageRatio: Nullable(Type.Number()),
        recommendation: Type.Integer(),
        freshSamples: Type.Integer(),
        missingSamples: Type.Integer(),
        unreadyMembers: Type.Integer(),
        overloadedMembers: Type.Array(Type.String()),
        floor: Type.Integer(),
        forecast: Type.Optional(Type.Object({ replicas: Type.Integer(), setFloor: Type.Boolean() })),
      }),
    }),
  ),
  samples: Type.Array(
    Type.Object({ pod: Type.String(), ready: Type.Boolean(), utilization: Nullable(Type.Number()), overloaded: Type.Boolean(), sampleAgeMs: Type.Number() }),
  ),
  missing: Type.Array(Type.Object({ pod: Type.String(), reason: Type.String() })),
  scaleIn: Nullable(Type.Object({ victim: Type.String(), phase: Type.Enum(['draining', 'shrinking']), elapsedMs: Type.Number(), drainRequested: Type.Boolean() })),
  lastPass: Type.String(),
  /** What the load history forecast before the last decision (spec.predictive.enabled). */
  forecast: Type.Optional(
    Nullable(
      Type.Object({
        replicas: Nullable(Type.Integer()),
        leadSeconds: Type.Integer(),
        leadSource: Type.Enum(['spec', 'measured', 'default']),
        until: Type.String(),
        note: Type.String(),
        startToReadySeconds: Nullable(Type.Number()),
      }),
    ),
  ),
});
export type ScaleState = Static<typeof ScaleStateSchema>;

/** Exactly one of: a replica count to hold, pause on/off, or clear every manual request. */
export const ScaleCommandSchema = Type.Object(
  {
    replicas: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    pause: Type.Optional(Type.Boolean()),
    clear: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);
export type ScaleCommand = Static<typeof ScaleCommandSchema>;

/** An answer to relay as is: from this pod, or from the leader it was forwarded to. */
export interface ScaleReply {
  readonly status: number;
  readonly body: unknown;
  /** The leader's answer, sent on byte for byte rather than re-serialized by this pod's schema. */
  readonly relayed?: boolean;
}

export interface ScaleRequestInfo {
  readonly authorization: string | undefined;
  /** The request came from another sidecar; never forward it again. */
  readonly forwarded: boolean;
}

/** The scaling part behind the routes: answers on the leader, forwards elsewhere. */
export interface ScaleControl {
  get(info: ScaleRequestInfo): Promise<ScaleReply>;
  post(command: ScaleCommand, info: ScaleRequestInfo): Promise<ScaleReply>;
}

/** Set on a request one sidecar forwards to the leader, so it is never forwarded twice. */
export const FORWARDED_HEADER = 'x-vnf-agent-forwarded';

const replies = { 200: ScaleStateSchema, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 429: ErrorReply, 502: ErrorReply, 503: ErrorReply };

/**
 * `GET /scale`: the last decision and its inputs. `POST /scale` (bearer
 * token): `{replicas: n}` holds n replicas (within min/max), `{pause: true}`
 * freezes, `{pause: false}` unfreezes, `{clear: true}` drops every manual
 * request. Any pod answers: a non-leader forwards to the leader's sidecar.
 */
export const scaleRoutes: FastifyPluginAsync<{ scale: ScaleControl; tokens: TokenSource }> = async (app, opts) => {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const info = (headers: Record<string, string | string[] | undefined>): ScaleRequestInfo => ({
    authorization: typeof headers.authorization === 'string' ? headers.authorization : undefined,
    forwarded: headers[FORWARDED_HEADER] !== undefined,
  });
  const send = (reply: FastifyReply, answer: ScaleReply): FastifyReply => {
    if (answer.relayed) return reply.code(answer.status).type('application/json; charset=utf-8').serializer((x) => x as string).send(JSON.stringify(answer.body));
    return reply.code(answer.status).send(answer.body);
  };
  typed.get('/scale', { schema: { response: replies } }, async (request, reply) => send(reply, await opts.scale.get(info(request.headers))));
  typed.post('/scale', { config: MUTATING_ROUTE, preHandler: requireToken(opts.tokens), schema: { body: ScaleCommandSchema, response: replies } }, async (request, reply) => {
    // Unknown fields are stripped by the validator, so `{"replica": 3}` arrives empty.
    if (request.body.replicas === undefined && request.body.pause === undefined && request.body.clear === undefined) {
      return reply.code(400).send({ error: 'Bad Request', reason: 'body must hold exactly one of replicas (integer), pause (boolean) or clear (true)' });
    }
    return send(reply, await opts.scale.post(request.body, info(request.headers)));
  });
};
