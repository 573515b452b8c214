import { KubeConfig } from '@kubernetes/client-node';
import { makeKubeApi } from '../../agent/kube/client.js';
import { systemClock } from '../../agent/clock/clock.js';
import { LeaderElector } from '../../agent/election/elector.js';
import { KubeLeaseLock } from '../../agent/kube/lease-lock.js';
import { createLogger } from '../../agent/log/logger.js';

/** The agent's defaults (agent/config/schema.ts); the client-go anchor (bench/go-elector) gets the same. */
export const TIMING = { leaseDurationMs: 8_000, renewDeadlineMs: 6_000, retryPeriodMs: 2_000, apiTimeoutMs: 2_000 } as const;

const silent = createLogger({ level: 'silent' });

/** A KubeConfig for `server` with a bearer token; `caFile` for https, none for the plain-http counting proxy. */
export function kubeConfigFor(server: string, token: string, caFile?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'bench', server, ...(caFile ? { caFile } : { skipTLSVerify: true }) }],
    users: [{ name: 'bench', token }],
    contexts: [{ name: 'bench', cluster: 'bench', user: 'bench', namespace: 'default' }],
    currentContext: 'bench',
  });
  return kc;
}

export interface BenchElector {
  readonly identity: string;
  readonly elector: LeaderElector;
  /** performance.now() of each startedLeading. */
  readonly startedAt: number[];
  /** The elector's warn/error lines and its stop outcome ("Released the lease", ...), for explaining outliers. */
  readonly notes: string[];
}

/** A logger that keeps the elector's warnings and its stop outcome, and drops everything else. */
function noteLogger(notes: string[]) {
  return createLogger({
    level: 'info',
    destination: {
      write: (line: string) => {
        const entry = JSON.parse(line) as { level: number; msg: string; outcome?: string; err?: { message?: string } };
        if (entry.outcome !== undefined) notes.push(entry.outcome);
        else if (entry.level >= 40) notes.push(`${entry.msg}${entry.err?.message ? `: ${entry.err.message}` : ''}`);
      },
    },
  });
}

/**
 * One in-process elector over a real Lease (KubeLeaseLock), wired as
 * agent/run-cluster.ts wires it (watch-accelerated standbys). Each gets its
 * own API client, as each sidecar process would.
 */
export function benchElector(kc: KubeConfig, namespace: string, lease: string, identity: string): BenchElector {
  const notes: string[] = [];
  const lock = new KubeLeaseLock({
    api: makeKubeApi(kc, systemClock), kubeConfig: kc, clock: systemClock, logger: silent,
    namespace, name: lease, timeoutMs: TIMING.apiTimeoutMs,
  });
  const elector = new LeaderElector({
    identity, lock, clock: systemClock, log: noteLogger(notes), watch: true,
    leaseDurationMs: TIMING.leaseDurationMs, renewDeadlineMs: TIMING.renewDeadlineMs, retryPeriodMs: TIMING.retryPeriodMs,
  });
  const startedAt: number[] = [];
  elector.on('startedLeading', () => startedAt.push(performance.now()));
  return { identity, elector, startedAt, notes };
}
