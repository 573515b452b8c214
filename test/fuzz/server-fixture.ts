import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../agent/http/server.js';
import { HealthChecks } from '../../agent/http/checks.js';
import { FileTokenSource } from '../../agent/http/auth.js';
import { createRegistry } from '../../agent/metrics/registry.js';
import { createLogger } from '../../agent/log/logger.js';
import { Drainer } from '../../agent/membership/drain.js';
import { systemClock } from '../../agent/clock/clock.js';
import type { AgentStatus } from '../../agent/http/routes/status.js';
import type { ScaleControl } from '../../agent/http/routes/scale.js';
import type { LoadSample } from '../../agent/signals/sample.js';
import { memorySink, type MemorySink } from '../support/log-sink.js';
import { scaleDesk } from './scale-desk.js';

export const ROUTES = ['/livez', '/startupz', '/readyz', '/load', '/status', '/metrics', '/drain', '/scale'] as const;

/** Reads the token file the way the sidecar does (agent/run.ts). */
const fileReader = {
  stat: (path: string) => {
    try {
      const st = statSync(path);
      return { mtimeMs: st.mtimeMs, size: st.size };
    } catch {
      return undefined;
    }
  },
  read: (path: string) => readFileSync(path, 'utf8'),
};

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
 * buildServer with the sidecar's real parts where they matter to the HTTP
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
  const drainer = new Drainer({ clock: systemClock, logger, timeoutMs: () => 1_000, inFlight: () => 0, markLeaving: async () => undefined });
  const readiness = new HealthChecks();
  readiness.add('draining', () => drainer.readiness());
  const app = buildServer({
    logger, registry: createRegistry({ version: '0.0.0-test', nodeVersion: process.version }), liveness: new HealthChecks(), readiness,
    signals: { latest: () => sample, readiness: () => undefined },
    status: () => ({ ...statusOf(pod), isLeader: scale.isLeader, draining: drainer.draining }),
    drain: drainer, tokens: new FileTokenSource(tokenPath, fileReader), clock: systemClock, drainWaitLimitMs: () => 1_500,
    scale: scale.desk,
    ...(o.perMinute !== undefined ? { mutatingRequestsPerMinute: o.perMinute } : {}),
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
