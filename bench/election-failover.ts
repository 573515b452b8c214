/**
 * Failover after kill -9 and handover after SIGTERM: vnf-agent's elector
 * (watch-accelerated standbys) against a client-go-style configuration of the
 * same elector (`watch: false`: standbys poll every 2-4.4 s), same lease
 * settings (8/6/2 s), two in-process electors per lease over KubeLeaseLock
 * against the real kube-apiserver. "kill -9" = stop({ release: false }): the
 * leader goes silent with the Lease still naming it; "SIGTERM" = stop(): the
 * leader releases the Lease (holderIdentity "").
 * Figure: time from the kill to the standby's startedLeading.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { benchElector, leadsAfter, MODES, prng, type ElectorMode } from './lib/electors.js';
import { summarize, type Summary } from './lib/stats.js';

export type Stop = 'kill -9' | 'SIGTERM';

export interface FailoverResult {
  readonly stop: Stop;
  readonly mode: ElectorMode;
  /** Seconds from the stop to the new leader's startedLeading. */
  readonly seconds: Summary;
  /** Per run: what the stopped leader and the standby logged (stop outcome, warnings). */
  readonly notes: readonly string[][];
}

interface Run {
  readonly seconds: number;
  readonly notes: string[];
}

/** One repeat for one mode: elect A, let B observe for `observeMs`, stop A, time B's takeover. */
async function once(kc: KubeConfig, ns: string, lease: string, mode: ElectorMode, stop: Stop, observeMs: number): Promise<Run> {
  const a = benchElector(kc, ns, lease, `${lease}-a`, mode);
  const b = benchElector(kc, ns, lease, `${lease}-b`, mode);
  try {
    a.elector.start();
    await leadsAfter(a, 0, 15_000);
    b.elector.start();
    await delay(observeMs);
    if (b.startedAt.length > 0) throw new Error(`${lease}: the standby took over before the stop`);
    const stoppedAt = performance.now();
    const stopping = a.elector.stop({ release: stop === 'SIGTERM' });
    const tookOverAt = await leadsAfter(b, stoppedAt, 30_000);
    await stopping;
    return { seconds: (tookOverAt - stoppedAt) / 1000, notes: [...a.notes.map((n) => `leader: ${n}`), ...b.notes.map((n) => `standby: ${n}`)] };
  } finally {
    await Promise.all([a.elector.stop({ release: false }), b.elector.stop({ release: false })]);
  }
}

/**
 * `repeats` runs per mode and stop kind. Within a repeat both modes run at
 * the same time on separate Leases (the work is timer-bound, not CPU-bound),
 * and with the same kill phase: the standby has watched for 4-6 s (seeded),
 * so the kill lands at a spread of points in the leader's 2 s renew cycle.
 */
export async function measureFailover(kc: KubeConfig, repeats: number, log: (line: string) => void): Promise<FailoverResult[]> {
  const ns = `bench-failover-${process.pid}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  const results: FailoverResult[] = [];
  const random = prng(12);
  for (const stop of ['kill -9', 'SIGTERM'] as const) {
    const runs = new Map<ElectorMode, Run[]>(MODES.map((m) => [m, []]));
    for (let i = 0; i < repeats; i++) {
      const observeMs = 4_000 + Math.round(random() * 2_000);
      const tag = stop === 'SIGTERM' ? 'term' : 'kill';
      const done = await Promise.all(MODES.map((mode) => once(kc, ns, `${mode}-${tag}-${i}`, mode, stop, observeMs)));
      MODES.forEach((mode, k) => runs.get(mode)!.push(done[k]!));
      log(`  ${stop} #${i + 1}: ${MODES.map((m, k) => `${m} ${done[k]!.seconds.toFixed(2)} s (${done[k]!.notes.join('; ') || 'no notes'})`).join(', ')}`);
    }
    for (const mode of MODES) {
      const mine = runs.get(mode)!;
      results.push({ stop, mode, seconds: summarize(mine.map((r) => r.seconds)), notes: mine.map((r) => r.notes) });
    }
  }
  await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
  return results;
}
