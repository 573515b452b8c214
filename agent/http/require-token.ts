import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkBearer, type TokenSource } from './auth.js';

/** A preHandler for mutating routes (POST /drain, POST /scale): refuses a request without the right bearer token, with the reason in the reply. */
export function requireToken(tokens: TokenSource) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const refused = checkBearer(request.headers.authorization, tokens);
    if (refused) await reply.code(refused.status).send({ error: refused.status === 503 ? 'Service Unavailable' : refused.status === 401 ? 'Unauthorized' : 'Forbidden', reason: refused.reason });
  };
}
