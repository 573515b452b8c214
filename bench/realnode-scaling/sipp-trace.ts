/**
 * One SIPp that plays a rate schedule: started at the first second's rate,
 * moved every second with `cset rate N` on its remote-control socket (-cp), and
 * ended with `q` (no new calls; the calls up finish). Its per-second statistics
 * file (-trace_stat) gives the failed and successful calls.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/support/process.js';
import { startSippUac, type Sipp } from '../../test/support/sipp.js';

export interface SippCounts {
  /** Calls SIPp placed (OutgoingCall, cumulative). */
  readonly offered: number;
  readonly successful: number;
  readonly failed: number;
  /** Failed calls per statistics period (about a second each), in order. */
  readonly failedPerPeriod: readonly number[];
}

/** The last row's cumulative counts, and each period's failures, from SIPp's `;`-separated statistics file. */
export function parseSippStats(csv: string): SippCounts {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(';');
  const column = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`SIPp statistics lack ${name}`);
    return i;
  };
  const [offered, successful, failed, failedP] = ['OutgoingCall(C)', 'SuccessfulCall(C)', 'FailedCall(C)', 'FailedCall(P)'].map(column) as [number, number, number, number];
  const rows = lines.slice(1).map((l) => l.split(';'));
  const last = rows.at(-1);
  if (!last) throw new Error('SIPp statistics have no rows');
  return { offered: Number(last[offered]), successful: Number(last[successful]), failed: Number(last[failed]), failedPerPeriod: rows.map((r) => Number(r[failedP])) };
}

export interface TracePlayer {
  /** Plays `cps` from now, one value per second; resolves after the last second. */
  play(cps: readonly number[], onSecond?: (second: number) => void): Promise<void>;
  /** Ends the run (`q`), waits for SIPp to exit and returns its counts. */
  finish(timeoutMs: number): Promise<SippCounts>;
  stop(): void;
}

export interface PlayerOptions {
  readonly target: string;
  readonly localHost: string;
  readonly statFile: string;
  readonly errorFile: string;
  readonly firstCps: number;
  readonly holdMs: number;
  readonly recvTimeoutMs: number;
  /** SIPp's deadline for the whole run: past the warm-up and the trace, so it never ends one early. */
  readonly timeoutS: number;
}

export async function startTracePlayer(o: PlayerOptions): Promise<TracePlayer> {
  const controlPort = await freePort(o.localHost);
  const sipp: Sipp = await startSippUac({
    target: o.target, localHost: o.localHost, rate: o.firstCps, calls: 10_000_000, holdMs: o.holdMs, limit: 10_000, timeoutS: o.timeoutS,
    controlPort, statFile: o.statFile, errorFile: o.errorFile, recvTimeoutMs: o.recvTimeoutMs,
  });
  const socket = createSocket('udp4');
  let open = true;
  const close = (): void => {
    if (open) socket.close();
    open = false;
  };
  const send = (command: string): Promise<void> =>
    new Promise((resolve, reject) => socket.send(command, controlPort, o.localHost, (e) => (e ? reject(e) : resolve())));
  return {
    async play(cps, onSecond) {
      const start = performance.now();
      for (let i = 0; i < cps.length; i++) {
        await send(`cset rate ${cps[i]}`);
        onSecond?.(i);
        // Against the start, not the last tick: the schedule does not drift.
        await sleep(Math.max(0, start + (i + 1) * 1000 - performance.now()));
      }
    },
    async finish(timeoutMs) {
      await send('q');
      const { code, stdout } = await sipp.exited(timeoutMs).finally(close);
      // 0 (no failed call), 1 (some failed) or 97 (ended by the `q`); a fatal error has no statistics.
      if (code === null || ![0, 1, 97].includes(code)) throw new Error(`sipp exited with ${code}: ${stdout.slice(-1500)}`);
      return parseSippStats(readFileSync(o.statFile, 'utf8'));
    },
    stop() {
      sipp.stop();
      close();
    },
  };
}
