import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import type { Clock } from '../../agent/clock/clock.js';

/** Small process and socket helpers of the SIPp load driver (sipp.ts). */

export type Target = { host: string; port: number };

/** True when `p` settled within `ms` (by the injected clock). */
export async function settledWithin(clock: Clock, p: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const settled = await Promise.race([p.then(() => true, () => true), clock.sleep(ms, timer.signal).then(() => false, () => false)]);
  timer.abort();
  return settled;
}

export function sameTarget(a: Target, b: Target | undefined): boolean {
  return b !== undefined && a.host === b.host && a.port === b.port;
}

/** Rates that differ enough to tell SIPp again (2 %, at least 0.05 calls/s); 0 never equals a non-zero rate. */
export function differs(a: number, b: number): boolean {
  return Math.abs(a - b) > Math.max(0.05, 0.02 * Math.max(a, b)) || (a === 0) !== (b === 0);
}

/** A port free on `host` now; SIPp binds it a moment later (if that races, SIPp exits and is restarted). */
export async function freeUdpPort(host: string): Promise<number> {
  const socket = createSocket('udp4');
  socket.bind(0, host);
  await once(socket, 'listening');
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Rejects when the binary cannot be run at all; `sipp -v` itself exits non-zero (99), which is fine. */
export async function checkBinary(bin: string): Promise<void> {
  const code = await new Promise<string | number | undefined>((resolve) => {
    execFile(bin, ['-v'], { timeout: 5_000 }, (err) => resolve((err as NodeJS.ErrnoException | null)?.code));
  });
  if (code === 'ENOENT') throw new Error(`SIPp not found (${bin}): apt-get install sip-tester`);
  if (code === 'EACCES') throw new Error(`SIPp is not executable (${bin})`);
}
