/**
 * A real Sprout's capacity under its CPU limit: one pod, unscaled, first idle
 * then at a light call rate, its SIP container's CPU time read from its
 * cgroup. Capacity = (limit - idle use) / CPU per call: the calls/s at which
 * the pod is at its limit, which the traces are scaled to.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../test/support/process.js';
import { startSippUac } from '../../test/support/sipp.js';
import { ready, type ClusterIo } from './cluster-io.js';
import { prefixOf, releaseValues, type PodSizing } from './releases.js';
import { SIPP_HOST } from './run-trace.js';

export interface Calibration {
  readonly sipCpuMilli: number;
  readonly idleCpuMsPerS: number;
  readonly cpuMsPerCall: number;
  readonly callsPerS: number;
  readonly calls: number;
  /** Calls/s one Sprout carries at its limit. */
  readonly podCps: number;
}

const NS = 'scale-calibration';

export async function calibrate(io: ClusterIo, sizing: PodSizing, dir: string, log: (line: string) => void): Promise<Calibration> {
  // Unscaled (paused, 1 pod); the signal target needs some capacity before it is known, and is not used.
  const values = releaseValues('hpa', { ...sizing, podCps: 1, minReplicas: 1, maxReplicas: 1 });
  await io.helmInstall(prefixOf('hpa'), NS, values);
  try {
    await eventually(async () => ((await io.readyCount(NS, 'sprout')) === 1 ? true : undefined), 180_000, 'the calibration Sprout Ready', 500)
      .catch(async (e: Error) => { throw new Error(`${e.message}\n${await io.diagnose(NS)}`); });
    const pod = await eventually(async () => (await io.sproutPods(NS)).find(ready), 180_000, 'the calibration Sprout Ready', 500);
    await eventually(async () => ((await io.readyCount(NS, 'bono')) === 1 ? true : undefined), 120_000, 'the calibration Bono Ready', 500);
    await sleep(5000);
    const idleS = 15;
    const c0 = await io.cpuMs(pod, 'sip');
    await sleep(idleS * 1000);
    const c1 = await io.cpuMs(pod, 'sip');
    const idle = (c1 - c0) / idleS;
    const [rate, seconds] = [5, 30];
    const t0 = performance.now();
    const sipp = await startSippUac({ target: await io.bonoTarget(NS, prefixOf('hpa')), localHost: SIPP_HOST, rate, calls: rate * seconds, holdMs: 1000, errorFile: join(dir, 'calibration-errors.log') });
    const { stdout } = await sipp.exited(120_000);
    const c2 = await io.cpuMs(pod, 'sip');
    const elapsedS = (performance.now() - t0) / 1000;
    const calls = rate * seconds;
    const perCall = (c2 - c1 - idle * elapsedS) / calls;
    const podCps = Math.round(((sizing.sipCpuMilli - idle) / perCall) * 2) / 2;
    log(`calibration: idle ${idle.toFixed(2)} ms CPU/s, ${perCall.toFixed(3)} ms CPU per call at ${rate} calls/s -> ${podCps} calls/s per pod at ${sizing.sipCpuMilli}m`);
    if (!(podCps > 0)) throw new Error(`calibration failed: ${JSON.stringify({ idle, perCall })}\n${stdout.slice(-1500)}`);
    return { sipCpuMilli: sizing.sipCpuMilli, idleCpuMsPerS: Math.round(idle * 100) / 100, cpuMsPerCall: Math.round(perCall * 1000) / 1000, callsPerS: rate, calls, podCps };
  } finally {
    await io.tool('kubectl', ['delete', 'namespace', NS, '--wait=false']).catch(() => '');
  }
}
