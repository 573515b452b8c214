import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KAMAILIO_BIN, sproutKamailioConfig } from '../../sim/kamailio/config.js';
import { freePort } from './process.js';

export { KAMAILIO_BIN };

export interface KamailioOptions {
  /** Loopback address to listen on, e.g. 127.0.0.23; UDP and TCP on one free port. */
  readonly host: string;
  /** INVITEs per second the pipelimit pipe admits; more get 503 + Retry-After. */
  readonly inviteLimit?: number;
}

export interface Kamailio {
  readonly host: string;
  readonly port: number;
  readonly rpcUrl: string;
  readonly metricsUrl: string;
  readonly pid: number;
  stderr(): string;
  /** Freezes every Kamailio process (SIGSTOP): sockets stay bound but nothing reads them. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * A Kamailio on loopback for tests: answers OPTIONS to itself with 200, takes
 * INVITEs statefully (tracked as dialogs, answered 200) unless the pipelimit
 * pipe is full (503, Retry-After: 5), and serves JSON-RPC at /RPC and
 * Prometheus text at /metrics on its TCP port (xhttp). Always call stop().
 */
export function kamailioConfig(host: string, port: number, inviteLimit: number | undefined): string {
  return sproutKamailioConfig({ listen: { host, port }, ...(inviteLimit === undefined ? {} : { inviteLimit }) });
}

export async function startKamailio(options: KamailioOptions): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'vnf-kamailio-'));
  const port = await freePort(options.host);
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, kamailioConfig(options.host, port, options.inviteLimit));
  execFileSync(KAMAILIO_BIN, ['-c', '-f', cfg], { stdio: 'pipe' });
  const child = spawn(KAMAILIO_BIN, ['-f', cfg, '-DD', '-E', '-P', join(dir, 'kamailio.pid'), '-Y', dir, '-m', '64', '-M', '8'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const kamailio = handle(child, dir, options.host, port, () => stderr);
  try {
    await waitForHttp(`http://${options.host}:${port}/metrics`, child, () => stderr);
  } catch (err) {
    await kamailio.stop();
    throw err;
  }
  return kamailio;
}

function handle(child: ChildProcess, dir: string, host: string, port: number, stderr: () => string): Kamailio {
  const pid = child.pid ?? 0;
  // detached: Kamailio leads its own process group, so its children are signalled together.
  const group = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  };
  return {
    host,
    port,
    rpcUrl: `http://${host}:${port}/RPC`,
    metricsUrl: `http://${host}:${port}/metrics`,
    pid,
    stderr,
    pause: () => group('SIGSTOP'),
    resume: () => group('SIGCONT'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        group('SIGCONT');
        group('SIGTERM');
        const exited = once(child, 'exit');
        const result = await Promise.race([exited, delay(5_000).then(() => 'late' as const)]);
        if (result === 'late') group('SIGKILL');
      }
      // Workers that outlive the main process would hold stderr open and keep the test process alive.
      group('SIGKILL');
      child.stderr?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForHttp(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`kamailio exited with ${child.exitCode}:\n${stderr()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(500) });
      await res.text();
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await delay(50);
  }
  throw new Error(`kamailio did not serve ${url} within 5 s:\n${stderr()}`);
}
