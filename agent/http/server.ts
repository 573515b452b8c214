import { STATUS_CODES } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { HealthChecks } from './checks.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { loadRoutes, type SignalsView } from './routes/load.js';
import { readyRoutes } from './routes/ready.js';
import { statusRoutes, type AgentStatus } from './routes/status.js';
import { drainRoutes, type DrainControl } from './routes/drain.js';
import { scaleRoutes, type ScaleControl } from './routes/scale.js';
import { systemClock, type Clock } from '../clock/clock.js';
import type { TokenSource } from './auth.js';
import { ErrorReply } from './schemas.js';
import { lazyCompilers, type LazyCompilers } from './lazy-schemas.js';
import { DEFAULT_MUTATING_REQUESTS_PER_MINUTE, registerMutatingRateLimit } from './rate-limit.js';

export interface ServerDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly liveness: HealthChecks;
  /** What must hold before the SIP server starts (GET /startupz); none means up is enough. */
  readonly startup?: HealthChecks;
  /** The load sampler; without it /load is 503 and /readyz relies on `readiness` alone. */
  readonly signals?: SignalsView;
  /** Extra readiness checks (e.g. draining) beside the SIP probe. */
  readonly readiness?: HealthChecks;
  readonly status?: () => AgentStatus;
  readonly drain?: DrainControl;
  /** Bearer token for mutating routes; without it they answer 503. */
  readonly tokens?: TokenSource;
  /** GET/POST /scale: answered by the leader, forwarded by the others. */
  readonly scale?: ScaleControl;
  /** Paces GET /drain?wait=true; the system clock by default. */
  readonly clock?: Clock;
  /** Longest GET /drain?wait=true holds a request (drain timeout + 5 s); 65 s by default. */
  readonly drainWaitLimitMs?: () => number;
  /** POST /drain and POST /scale per client IP and minute (each route counted alone); 30 by default. */
  readonly mutatingRequestsPerMinute?: number;
  /** Schema compilers; each route's schemas compiled at its first use by default. */
  readonly compilers?: LazyCompilers;
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
    schemaController: { compilersFactory: deps.compilers ?? lazyCompilers() },
    // A malformed URL (bad percent-encoding) never reaches the error handler; answer it in the same shape.
    frameworkErrors: (err, _request, reply) => {
      void (reply as FastifyReply).code(400).send({ error: 'Bad Request', reason: err.message });
    },
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

  // Before the routes: the limiter's onRoute hook must see the mutating routes being added.
  registerMutatingRateLimit(app, deps.mutatingRequestsPerMinute ?? DEFAULT_MUTATING_REQUESTS_PER_MINUTE);
  void app.register(healthRoutes, { liveness: deps.liveness, ...(deps.startup ? { startup: deps.startup } : {}) });
  void app.register(metricsRoutes, { registry: deps.registry });
  void app.register(loadRoutes, deps.signals ? { signals: deps.signals } : {});
  void app.register(readyRoutes, { ...(deps.signals ? { signals: deps.signals } : {}), ...(deps.readiness ? { readiness: deps.readiness } : {}) });
  if (deps.status) void app.register(statusRoutes, { status: deps.status });
  const tokens = deps.tokens ?? { current: () => undefined };
  if (deps.drain) {
    void app.register(drainRoutes, { drain: deps.drain, tokens, clock: deps.clock ?? systemClock, waitLimitMs: deps.drainWaitLimitMs ?? (() => 65_000) });
  }
  if (deps.scale) void app.register(scaleRoutes, { scale: deps.scale, tokens });
  return app;
}
