import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Resident set size in MiB, from /proc/<pid>/status (VmRSS). */
export function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}

/** User + system CPU seconds so far, from /proc/<pid>/stat (utime, stime: fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

export interface Footprint {
  /** One RSS sample per second, MiB. */
  readonly rssMiB: number[];
  /** CPU milliseconds used per wall second, one value per `cpuWindowSeconds` window. */
  readonly cpuMsPerS: number[];
}

/** Samples a live process for `seconds`: RSS every second, CPU per window. */
export async function sampleProcess(pid: number, seconds: number, cpuWindowSeconds = 5): Promise<Footprint> {
  const rss: number[] = [];
  const cpu: number[] = [];
  let windowStart = { wall: performance.now(), cpu: cpuSeconds(pid) };
  for (let s = 1; s <= seconds; s++) {
    await delay(1000);
    rss.push(rssMiB(pid));
    if (s % cpuWindowSeconds === 0) {
      const now = { wall: performance.now(), cpu: cpuSeconds(pid) };
      cpu.push(((now.cpu - windowStart.cpu) * 1000) / ((now.wall - windowStart.wall) / 1000));
      windowStart = now;
    }
  }
  return { rssMiB: rss, cpuMsPerS: cpu };
}
