import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';

/** Mutating requests one client IP may make per minute on each mutating route, unless configured. */
export const DEFAULT_MUTATING_REQUESTS_PER_MINUTE = 30;
const WINDOW_MS = 60_000;

/**
 * Put on a mutating route's `config`: the route is counted per client IP.
 * The limit runs in onRequest, before the bearer check, so it also bounds how
 * fast anyone can guess tokens. Sidecars reach each other from their pod IPs,
 * so the leader's drain requests and forwarded /scale calls have a bucket each.
 */
export const MUTATING_ROUTE = { rateLimit: {} } as const;

/**
 * Registers the limiter for the routes that opt in with MUTATING_ROUTE (none
 * else: probes and scrapes must never be throttled). Register it before the
 * routes, so its onRoute hook sees them. An exceeded limit is a 429 with a
 * reason and Retry-After, through the server's error handler.
 */
export function registerMutatingRateLimit(app: FastifyInstance, perMinute: number): void {
  void app.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: WINDOW_MS,
    errorResponseBuilder: (request, context) =>
      Object.assign(new Error(`rate limit: at most ${context.max} mutating requests per minute from ${request.ip}; retry in ${context.after}`), { statusCode: 429 }),
  });
}
