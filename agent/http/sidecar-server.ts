import { readFileSync, statSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock/clock.js';
import type { Logger } from '../log/logger.js';
import { FileTokenSource, type FileReader } from './auth.js';
import type { HealthChecks } from './checks.js';
import type { DrainControl } from './routes/drain.js';
import type { SignalsView } from './routes/load.js';
import type { ScaleControl } from './routes/scale.js';
import type { AgentStatus } from './routes/status.js';
import { buildServer } from './server.js';

const nodeFiles: FileReader = {
  stat: (path) => {
    try {
      const st = statSync(path);
      return { mtimeMs: st.mtimeMs, size: st.size };
    } catch {
      return undefined;
    }
  },
  read: (path) => readFileSync(path, 'utf8'),
};

/** The bearer token from the mounted Secret file, re-read when it changes; '' disables mutating routes. */
export function fileTokens(path: string): FileTokenSource {
  return new FileTokenSource(path, nodeFiles);
}

export interface SidecarParts {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly liveness: HealthChecks;
  readonly readiness: HealthChecks;
  readonly startup?: HealthChecks;
  /** The load sampler; absent when no signal source is configured. */
  readonly signals?: SignalsView;
  readonly status: () => AgentStatus;
  readonly drain: DrainControl;
  /** The drain timeout now (the VnfCluster's drainTimeoutSeconds); GET /drain?wait=true holds 5 s longer. */
  readonly drainTimeoutMs: () => number;
  readonly tokens: FileTokenSource;
  /** GET/POST /scale; absent without a cluster. */
  readonly scale?: ScaleControl;
  readonly mutatingRequestsPerMinute: number;
}

/**
 * The sidecar's HTTP server as agent/run.ts starts it, from its parts. The
 * HTTP fuzz (test/fuzz/server-fixture.ts) builds its server here too, so it
 * attacks the same surface.
 */
export function buildSidecarServer(p: SidecarParts): FastifyInstance {
  return buildServer({
    logger: p.logger, registry: p.registry, liveness: p.liveness, readiness: p.readiness,
    ...(p.startup ? { startup: p.startup } : {}),
    ...(p.signals ? { signals: p.signals } : {}),
    status: p.status, drain: p.drain, tokens: p.tokens, clock: p.clock,
    drainWaitLimitMs: () => p.drainTimeoutMs() + 5_000,
    ...(p.scale ? { scale: p.scale } : {}),
    mutatingRequestsPerMinute: p.mutatingRequestsPerMinute,
  });
}
