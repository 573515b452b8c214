import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HealthChecks } from '../checks.js';
import { CheckList } from '../schemas.js';

/** `GET /livez`: 200 while every liveness check passes, 503 naming the failing ones. */
export const healthRoutes: FastifyPluginAsync<{ liveness: HealthChecks }> = async (app, opts) => {
  await Promise.resolve();
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/livez',
    { schema: { response: { 200: CheckList, 503: CheckList } } },
    async (_request, reply) => {
      const checks = opts.liveness.run();
      const ok = checks.every((c) => c.ok);
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'failed', checks });
    },
  );
};
