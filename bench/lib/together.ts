import { setTimeout as delay } from 'node:timers/promises';
import type { RunningProcess } from '../../test/support/process.js';
import { sampleProcess } from './proc.js';

/**
 * Variants side by side: each round starts them all at once (`startAll`),
 * lets them settle 5 s, samples every one over the same `seconds` and kills
 * them, so every variant sees the same machine at the same moment.
 * Returns per variant the RSS samples (MiB) and CPU windows (ms/s) of all rounds.
 */
export async function sampleTogether(
  count: number, rounds: number, seconds: number, startAll: () => Promise<readonly RunningProcess[]>,
): Promise<{ rss: number[][]; cpu: number[][] }> {
  const rss: number[][] = Array.from({ length: count }, () => []);
  const cpu: number[][] = Array.from({ length: count }, () => []);
  for (let r = 0; r < rounds; r++) {
    process.stderr.write(`round ${r + 1}/${rounds}: ${count} variants at once, ${seconds} s\n`);
    const running = await startAll();
    await delay(5_000);
    const samples = await Promise.all(running.map((p) => sampleProcess(p.child.pid!, seconds)));
    samples.forEach((f, i) => {
      rss[i]!.push(...f.rssMiB);
      cpu[i]!.push(...f.cpuMsPerS);
    });
    for (const p of running) p.child.kill('SIGKILL');
    await Promise.all(running.map((p) => p.exited(5_000).catch(() => undefined)));
  }
  return { rss, cpu };
}
