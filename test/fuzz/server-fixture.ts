import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildSidecarServer, fileTokens } from '../../agent/http/sidecar-server.js';
import { HealthChecks } from '../../agent/http/checks.js';
import { createRegistry } from '../../agent/metrics/registry.js';
import { createLogger } from '../../agent/log/logger.js';
import { Drainer } from '../../agent/membership/drain.js';
import { systemClock } from '../../agent/clock/clock.js';
import type { AgentStatus } from '../../agent/http/routes/status.js';
import type { ScaleControl } from '../../agent/http/routes/scale.js';
import type { LoadSample } from '../../agent/signals/sample.js';
import { memorySink, type MemorySink } from '../support/log-sink.js';
import { scaleDesk } from './scale-desk.js';
import { DEFAULT_MUTATING_REQUESTS_PER_MINUTE } from '../../agent/http/rate-limit.js';

const DRAIN_TIMEOUT_MS = 1_000;

export const ROUTES = ['/livez', '/startupz', '/readyz', '/load', '/status', '/metrics', '/drain', '/scale'] as const;

export interface Fixture {
  readonly app: FastifyInstance;
  readonly pod: string;
  /** Whether this pod's /scale answers itself (the leader) or forwards (any other pod). */
  readonly isLeader: boolean;
  readonly sink: MemorySink;
  readonly drainer: Drainer;
  readonly tokenPath: string;
  /** Rewrites the mounted token file, as a rotated Secret does. */
  rotate(token: string): void;
  close(): Promise<void>;
}

const sample: LoadSample = { pod: 'sprout-0', time: new Date(0).toISOString(), utilization: 0.2, overloaded: false, healthy: true, reason: 'ok', signals: {} };

export const statusOf = (pod = 'sprout-0'): AgentStatus => ({
  pod, role: 'sprout', cluster: 'sprout', leader: pod, isLeader: true, lastRenewAgeMs: 12, members: [], membershipGeneration: 1,
  replicas: 2, desiredReplicas: 2, lastDecision: null, draining: false, peers: null, lastPass: 'ok',
});

/**
 * The sidecar's server factory (buildSidecarServer) with its real parts where they matter to the HTTP
 * surface: the file-backed token source on a real file, the real Drainer, real
 * health checks and metrics registry, the real ScaleDesk behind /scale
 * (the leader's by default; `scale` puts a follower's in), and a logger
 * writing to a sink at `level`. Load and status answer fixed values.
 */
export function fixture(o: { token?: string; level?: string; perMinute?: number; pod?: string; scale?: { desk: ScaleControl; isLeader: boolean } } = {}): Fixture {
  const pod = o.pod ?? 'sprout-0';
  const scale = o.scale ?? { desk: scaleDesk({ pod, leader: pod }), isLeader: true };
  const dir = mkdtempSync(join(tmpdir(), 'vnf-http-'));
  const tokenPath = join(dir, 'token');
  writeFileSync(tokenPath, `${o.token ?? 'fixture-token-0123456789'}\n`);
  const sink = memorySink();
  const logger = createLogger({ level: o.level ?? 'info', pod, destination: sink });
  const drainer = new Drainer({ clock: systemClock, logger, timeoutMs: () => DRAIN_TIMEOUT_MS, inFlight: () => ({ calls: 0, countedAtMs: performance.now() }), peersLearnFromMark: false, routeAwayMs: 0, markLeaving: async () => undefined });
  const readiness = new HealthChecks();
  readiness.add('draining', () => drainer.readiness());
  // The sidecar's own factory (agent/run.ts builds its server there too), on a real token file.
  const app = buildSidecarServer({
    logger, registry: createRegistry({ version: '0.0.0-test', nodeVersion: process.version }), clock: systemClock, liveness: new HealthChecks(), readiness,
    signals: { latest: () => sample, readiness: () => undefined },
    status: () => ({ ...statusOf(pod), isLeader: scale.isLeader, draining: drainer.draining }),
    drain: drainer, drainTimeoutMs: () => DRAIN_TIMEOUT_MS, tokens: fileTokens(tokenPath),
    scale: scale.desk,
    mutatingRequestsPerMinute: o.perMinute ?? DEFAULT_MUTATING_REQUESTS_PER_MINUTE,
  });
  let bump = 0;
  return {
    app, pod, isLeader: scale.isLeader, sink, drainer, tokenPath,
    rotate(token) {
      writeFileSync(tokenPath, `${token}\n`);
      // A later mtime even on a coarse-grained file system: the source notices a change by mtime and size.
      const t = new Date(Date.now() + ++bump * 1000);
      utimesSync(tokenPath, t, t);
    },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
