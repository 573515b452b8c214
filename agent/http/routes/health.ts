import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HealthChecks } from '../checks.js';
import { CheckList } from '../schemas.js';

/**
 * `GET /livez`: 200 while every liveness check passes, 503 naming the failing ones.
 * `GET /startupz`: the same for the startup checks (the kubelet's startupProbe on the
 * native sidecar): 200 once the SIP server can start beside this sidecar.
 */
export const healthRoutes: FastifyPluginAsync<{ liveness: HealthChecks; startup?: HealthChecks }> = async (app, opts) => {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  for (const [url, checks] of [['/livez', opts.liveness], ['/startupz', opts.startup]] as const) {
    typed.get(url, { schema: { response: { 200: CheckList, 503: CheckList } } }, async (_request, reply) => {
      const results = checks?.run() ?? [];
      const ok = results.every((c) => c.ok);
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'failed', checks: results });
    });
  }
};
