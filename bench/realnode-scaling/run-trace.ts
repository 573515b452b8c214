/**
 * One trace on the real node: both releases installed fresh in namespaces of
 * their own, a warm-up at the trace's first rate (not counted), then the trace
 * played to both at once by two SIPps through each release's Bono, while each
 * Sprout Deployment is polled every second.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import { eventually } from '../../test/support/process.js';
import { ready, pollSprouts, type ClusterIo, type HpaStatus, type ScalerEvent } from './cluster-io.js';
import { reaction, replicaMinutes, reversals, type Sample, type Schedule } from './plan.js';
import { hpaManifest, prefixOf, releaseValues, SCALERS, type PodSizing, type Scaler } from './releases.js';
import { parseSippStats, startTracePlayer, type SippCounts, type TracePlayer } from './sipp-trace.js';

/** Where SIPp sends from: the node's bridge address, which every pod reaches. */
export const SIPP_HOST = '10.244.0.1';

export interface TraceSettings {
  readonly sizing: PodSizing;
  readonly warmupS: number;
  readonly holdMs: number;
  readonly recvTimeoutMs: number;
  readonly dir: string;
}

export interface ScalerRun {
  readonly scaler: Scaler;
  /** Load change to the first Sprout created after it seen Ready (1 s polls). */
  readonly reactionReadyS: number | null;
  /** Load change to that Sprout's Kamailio having taken an INVITE. */
  readonly reactionAnsweringS: number | null;
  readonly failedCalls: number;
  readonly offeredCalls: number;
  readonly replicaMinutes: number;
  readonly reversals: number;
  readonly maxReplicas: number;
  readonly samples: readonly Sample[];
  /** Each scaler's events from install to the trace's end, warm-up included (negative atS): why it scaled. */
  readonly events: readonly { readonly atS: number; readonly reason: string; readonly message: string; readonly count: number }[];
  /** The HPA's status every 5 s (the HPA's release only): why it scaled, or did not. */
  readonly hpaStatus?: readonly (HpaStatus & { readonly atS: number })[];
}

export interface TraceRun {
  readonly trace: string;
  readonly seconds: number;
  readonly changeAtS: number | null;
  readonly offeredCps: { readonly min: number; readonly max: number; readonly mean: number };
  readonly runs: readonly ScalerRun[];
}

const namespaceOf = (key: string, scaler: Scaler): string => `scale-${key}-${prefixOf(scaler)}`;

class Watcher {
  readonly samples: Sample[] = [];
  readonly hpa: (HpaStatus & { atS: number })[] = [];
  readonly seen = new Map<string, { firstS: number; readyS?: number; answeringS?: number }>();
  constructor(readonly io: ClusterIo, readonly namespace: string, readonly deployment: string, readonly changeAtS: number | undefined, readonly withHpa: boolean) {}

  async poll(atS: number): Promise<void> {
    const { sample, pods } = await pollSprouts(this.io, this.namespace, this.deployment, atS);
    if (this.withHpa && this.samples.length % 5 === 0) this.hpa.push({ atS, ...(await this.io.hpaStatus(this.namespace)) });
    this.samples.push(sample);
    for (const p of pods) {
      const name = p.metadata?.name ?? '';
      const entry = this.seen.get(name) ?? { firstS: atS };
      this.seen.set(name, entry);
      if (entry.readyS === undefined && ready(p)) entry.readyS = atS;
      if (entry.answeringS === undefined && entry.readyS !== undefined && this.isNew(entry) && (await this.answered(p))) entry.answeringS = atS;
    }
  }

  /** Created after the change: the trace's change, not the warm-up, asked for it. */
  isNew(entry: { firstS: number }): boolean {
    return this.changeAtS !== undefined && entry.firstS >= this.changeAtS;
  }

  async answered(p: V1Pod): Promise<boolean> {
    return (await this.io.invites(p).catch(() => 0)) > 0;
  }

  moments(key: 'readyS' | 'answeringS'): number[] {
    return [...this.seen.values()].filter((e) => this.isNew(e) && e[key] !== undefined).map((e) => e[key]!);
  }
}

export async function runTrace(io: ClusterIo, key: string, schedule: Schedule, s: TraceSettings, log: (line: string) => void): Promise<TraceRun> {
  await Promise.all(SCALERS.map(async (scaler) => {
    const ns = namespaceOf(key, scaler);
    await io.helmInstall(prefixOf(scaler), ns, releaseValues(scaler, s.sizing));
    if (scaler === 'hpa') await io.apply(`${ns}-hpa`, hpaManifest(ns, s.sizing));
    await eventually(async () => ((await io.readyCount(ns, 'sprout')) >= s.sizing.minReplicas && (await io.readyCount(ns, 'bono')) === 1 ? true : undefined),
      180_000, `${ns}: Sprouts and Bono Ready`, 500).catch(async (e: Error) => { throw new Error(`${e.message}\n${await io.diagnose(ns)}`); });
  }));
  const first = schedule.cps[0] ?? 0;
  const players = new Map<Scaler, { player: TracePlayer; statFile: string }>();
  try {
    for (const scaler of SCALERS) {
      const ns = namespaceOf(key, scaler);
      const statFile = join(s.dir, `${ns}-stat.csv`);
      const player = await startTracePlayer({
        target: await io.bonoTarget(ns, prefixOf(scaler)), localHost: SIPP_HOST, statFile, errorFile: join(s.dir, `${ns}-errors.log`),
        firstCps: first, holdMs: s.holdMs, recvTimeoutMs: s.recvTimeoutMs, timeoutS: s.warmupS + schedule.cps.length + 120,
      });
      players.set(scaler, { player, statFile });
    }
    log(`${key}: warm-up ${s.warmupS} s at ${first} calls/s`);
    await Promise.all([...players.values()].map(({ player }) => player.play(Array.from({ length: s.warmupS }, () => first))));
    const atStart = new Map([...players].map(([scaler, p]) => [scaler, parseSippStats(readFileSync(p.statFile, 'utf8'))]));
    const watchers = new Map(SCALERS.map((scaler) => [scaler, new Watcher(io, namespaceOf(key, scaler), `${prefixOf(scaler)}-sprout`, schedule.changeAtS, scaler === 'hpa')]));
    log(`${key}: playing ${schedule.cps.length} s (${schedule.name})`);
    const t0 = performance.now();
    const t0WallMs = Date.now();
    let playing = true;
    const polling = (async () => {
      for (let i = 0; playing; i++) {
        const atS = (performance.now() - t0) / 1000;
        await Promise.all([...watchers.values()].map((w) => w.poll(Math.round(atS * 10) / 10).catch((e: Error) => log(`${w.namespace}: poll failed: ${e.message}`))));
        await sleep(Math.max(0, t0 + (i + 1) * 1000 - performance.now()));
      }
    })();
    await Promise.all([...players.values()].map(({ player }) => player.play(schedule.cps)));
    playing = false;
    await polling;
    const counts = new Map<Scaler, SippCounts>();
    for (const [scaler, { player }] of players) counts.set(scaler, await player.finish(60_000));
    players.clear();
    const events = new Map<Scaler, ScalerEvent[]>();
    for (const scaler of SCALERS) events.set(scaler, await io.scalerEvents(namespaceOf(key, scaler)).catch((e: Error) => (log(`events: ${e.message}`), [])));
    const end = schedule.cps.length;
    const runs = SCALERS.map((scaler): ScalerRun => {
      const w = watchers.get(scaler)!;
      const [c, c0] = [counts.get(scaler)!, atStart.get(scaler)!];
      return {
        scaler,
        reactionReadyS: reaction(schedule.changeAtS, w.moments('readyS')),
        reactionAnsweringS: reaction(schedule.changeAtS, w.moments('answeringS')),
        failedCalls: c.failed - c0.failed,
        offeredCalls: c.offered - c0.offered,
        replicaMinutes: Math.round(replicaMinutes(w.samples, end) * 100) / 100,
        reversals: reversals(w.samples),
        maxReplicas: Math.max(0, ...w.samples.map((x) => x.replicas)),
        samples: w.samples,
        events: events.get(scaler)!.map((e) => ({ atS: Math.round((e.timeMs - t0WallMs) / 100) / 10, reason: e.reason, message: e.message, count: e.count })),
        ...(w.withHpa ? { hpaStatus: w.hpa } : {}),
      };
    });
    const cps = schedule.cps;
    return {
      trace: schedule.name, seconds: end, changeAtS: schedule.changeAtS ?? null,
      offeredCps: { min: Math.min(...cps), max: Math.max(...cps), mean: Math.round((cps.reduce((a, b) => a + b, 0) / cps.length) * 10) / 10 },
      runs,
    };
  } finally {
    for (const { player } of players.values()) player.stop();
    for (const scaler of SCALERS) await io.tool('kubectl', ['delete', 'namespace', namespaceOf(key, scaler), '--wait=false']).catch(() => '');
  }
}
