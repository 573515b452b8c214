import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import Type from 'typebox';

/** `GET /metrics`: Prometheus text exposition of this agent's registry. */
export const metricsRoutes: FastifyPluginAsync<{ registry: Registry }> = async (app, opts) => {
  app.get('/metrics', { schema: { response: { 200: Type.String() } } }, async (_request, reply) => {
    const body = await opts.registry.metrics();
    return reply.type(opts.registry.contentType).send(body);
  });
};
