import { STATUS_CODES } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { HealthChecks } from './checks.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { ErrorReply } from './schemas.js';

export interface ServerDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly liveness: HealthChecks;
}

/** Request limits: the endpoints take tiny bodies; anything bigger is a mistake or an attack. */
const BODY_LIMIT_BYTES = 16 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The HTTP surface of the sidecar. Thin by design: each route validates with
 * its schema and calls a part; nothing here decides anything.
 */
export function buildServer(deps: ServerDeps): FastifyInstance {
  // Widened on purpose: pino's Logger type is stricter than fastify's and would leak into every route type.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionTimeout: REQUEST_TIMEOUT_MS,
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
    // Probes hit these routes every few seconds; per-request lines would drown the decisions.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addSchema(ErrorReply);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'Not Found', reason: `no route ${request.method} ${request.url}` });
  });
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err, url: request.url }, 'Request failed');
    void reply.code(status).send({
      error: STATUS_CODES[status] ?? 'Error',
      reason: status >= 500 ? 'internal error; see the sidecar log' : err.message,
    });
  });

  void app.register(healthRoutes, { liveness: deps.liveness });
  void app.register(metricsRoutes, { registry: deps.registry });
  return app;
}
