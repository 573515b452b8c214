import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { checkBearer, type TokenSource } from '../auth.js';
import { ErrorReply } from '../schemas.js';

/** What the drain routes need: start draining, and say how far it got. */
export interface DrainControl {
  start(reason: string): void;
  state(): DrainState;
}

export const DrainStateSchema = Type.Object({
  draining: Type.Boolean(),
  /** The SIP server has no calls left in flight, or the drain timeout passed. */
  settled: Type.Boolean(),
  since: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
});
export type DrainState = Static<typeof DrainStateSchema>;

/** Refuses a mutating request without the right bearer token; the reason goes into the reply. */
export function requireToken(tokens: TokenSource) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const refused = checkBearer(request.headers.authorization, tokens);
    if (refused) await reply.code(refused.status).send({ error: refused.status === 503 ? 'Service Unavailable' : refused.status === 401 ? 'Unauthorized' : 'Forbidden', reason: refused.reason });
  };
}

/**
 * `POST /drain` (bearer token): stop taking new SIP traffic (readiness fails,
 * peers stop routing here) and let calls in flight finish. Idempotent.
 * `GET /drain`: the drain's progress, for the preStop hook to wait on.
 */
export const drainRoutes: FastifyPluginAsync<{ drain: DrainControl; tokens: TokenSource }> = async (app, opts) => {
  await Promise.resolve();
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.post(
    '/drain',
    {
      preHandler: requireToken(opts.tokens),
      schema: {
        body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false })),
        response: { 202: DrainStateSchema, 401: ErrorReply, 403: ErrorReply, 503: ErrorReply },
      },
    },
    async (request, reply) => {
      opts.drain.start(request.body?.reason ?? 'requested over HTTP');
      return reply.code(202).send(opts.drain.state());
    },
  );
  typed.get('/drain', { schema: { response: { 200: DrainStateSchema } } }, (_request, reply) => {
    void reply.send(opts.drain.state());
  });
};
