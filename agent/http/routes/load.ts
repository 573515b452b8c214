import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LoadSample } from '../../signals/sample.js';
import { ErrorReply } from '../schemas.js';

/** What the HTTP layer needs from the sampler: the latest sample and the readiness verdict. */
export interface SignalsView {
  latest(): LoadSample | undefined;
  /** Undefined when ready; otherwise why not. */
  readiness(): string | undefined;
}

/** `GET /load`: this pod's latest LoadSample; 503 until the first pass finished. */
export const loadRoutes: FastifyPluginAsync<{ signals?: SignalsView }> = async (app, opts) => {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/load',
    { schema: { response: { 200: LoadSample, 503: ErrorReply } } },
    async (_request, reply) => {
      const sample = opts.signals?.latest();
      if (sample === undefined) {
        const reason = opts.signals ? 'no sample yet' : 'load sampling is not configured';
        return reply.code(503).send({ error: 'Service Unavailable', reason });
      }
      return reply.code(200).send(sample);
    },
  );
};
