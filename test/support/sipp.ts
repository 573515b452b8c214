import { once } from 'node:events';
import { freePort, startProcess, type RunningProcess } from './process.js';

export const SIPP_BIN = '/usr/bin/sipp';

export interface SippLoad {
  /** host:port of the SIP server. */
  readonly target: string;
  /** Loopback address SIPp sends from. */
  readonly localHost: string;
  /** Calls (INVITEs) per second. */
  readonly rate: number;
  /** Total calls, so the run always ends by itself. */
  readonly calls: number;
  /** How long each call stays up before BYE, in ms. */
  readonly holdMs: number;
  /** Where SIPp logs every unexpected message (-trace_err), so a failed call shows what it got back. */
  readonly errorFile?: string;
  /** Where SIPp logs every message sent and received (-trace_msg), e.g. to read the Record-Route a proxy added. */
  readonly messageFile?: string;
  /** A scenario file (-sf) instead of the built-in uac; it must keep uac's INVITE, ACK, pause, BYE shape. */
  readonly scenarioFile?: string;
  /** SIPp's remote-control UDP port (-cp) on localHost: `cset rate N` changes the rate while it runs, `q` ends it. */
  readonly controlPort?: number;
  /** Where SIPp writes its statistics every second (-trace_stat -stf, -fd 1), cumulative and per period. */
  readonly statFile?: string;
  /** A call waiting longer than this for an answer fails (-recv_timeout): a caller who gives up. */
  readonly recvTimeoutMs?: number;
  /** Most calls up at once (-l); default four seconds' worth of calls at `rate`. */
  readonly limit?: number;
  /** SIPp's own deadline for the whole run (-timeout), after which it exits with an error; default 60 s. */
  readonly timeoutS?: number;
}

export interface Sipp {
  readonly process: RunningProcess;
  /** Waits for SIPp to end on its own (it stops after `calls`); kills it and throws after `timeoutMs`. */
  exited(timeoutMs: number): Promise<{ code: number | null; stdout: string }>;
  stop(): void;
}

/**
 * SIPp's built-in `uac` scenario (INVITE, ACK, pause, BYE), or `scenarioFile`, at a fixed rate.
 * It is bounded in calls and time; exit code 1 only means some calls failed
 * (for example on a 503), which overload tests expect.
 */
export async function startSippUac(load: SippLoad): Promise<Sipp> {
  const port = await freePort(load.localHost);
  const scenario = load.scenarioFile === undefined ? ['-sn', 'uac'] : ['-sf', load.scenarioFile];
  const args = [...scenario, load.target, '-s', 'load', '-i', load.localHost, '-p', String(port), '-r', String(load.rate),
    '-l', String(load.limit ?? Math.max(10, load.rate * 4)), '-m', String(load.calls), '-d', String(load.holdMs), '-nostdin', '-timeout', `${load.timeoutS ?? 60}s`, '-timeout_error',
    ...(load.errorFile ? ['-trace_err', '-error_file', load.errorFile] : []),
    ...(load.messageFile ? ['-trace_msg', '-message_file', load.messageFile] : []),
    ...(load.controlPort ? ['-cp', String(load.controlPort)] : []),
    ...(load.statFile ? ['-trace_stat', '-stf', load.statFile, '-fd', '1'] : []),
    ...(load.recvTimeoutMs ? ['-recv_timeout', String(load.recvTimeoutMs)] : [])];
  const proc = startProcess(SIPP_BIN, args, { PATH: process.env.PATH ?? '/usr/bin:/bin' });
  return {
    process: proc,
    // Not proc.exited(): its deadline timer is never cleared and would hold the test process open.
    async exited(timeoutMs) {
      const child = proc.child;
      if (child.exitCode === null && child.signalCode === null) {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, timeoutMs, 'late')));
        const result = await Promise.race([once(child, 'exit'), late]);
        clearTimeout(timer);
        if (result === 'late') {
          child.kill('SIGKILL');
          throw new Error(`sipp did not finish within ${timeoutMs} ms: ${proc.stderr()}`);
        }
      }
      return { code: child.exitCode, stdout: proc.stdout() };
    },
    stop: () => {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    },
  };
}
