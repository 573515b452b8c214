/**
 * The election anchor as real processes: client-go's own leader elector
 * (bench/go-elector, k8s.io/client-go/tools/leaderelection on a LeaseLock,
 * built from the Go modules pinned beside it, the control plane's versions).
 * Each process prints its events as JSON lines with the wall-clock time they
 * happened; this side keeps them and answers "who leads, since when".
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { startProcess, type Exited, type RunningProcess } from '../../test/support/process.js';
import { killOnExit } from './cleanup.js';
import { TIMING } from './electors.js';

/** The binary: $VNF_GO_ELECTOR_BIN when it exists, else built (or found in the cache) by bench/go-elector/build.sh. */
export function goElectorBin(): string {
  const given = process.env.VNF_GO_ELECTOR_BIN;
  if (given && existsSync(given)) return given;
  const out = execFileSync('bash', ['bench/go-elector/build.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const bin = out.trim().split('\n').pop() ?? '';
  process.env.VNF_GO_ELECTOR_BIN = bin;
  return bin;
}

/** The k8s.io/client-go version bench/go-elector/go.mod pins. */
export function clientGoVersion(): string {
  return /^\s*k8s\.io\/client-go (v[\w.-]+)$/m.exec(readFileSync('bench/go-elector/go.mod', 'utf8'))?.[1] ?? 'unknown';
}

export interface GoElectorEvent {
  /** Wall-clock milliseconds (Date.now() scale, microsecond precision) when it happened in the Go process. */
  readonly ts: number;
  readonly event: 'started' | 'newLeader' | 'startedLeading' | 'stoppedLeading' | 'signal' | 'exit';
  readonly identity: string;
  readonly leader?: string;
  readonly signal?: string;
}

export interface GoElectorOptions {
  readonly bin: string;
  readonly kubeconfig: string;
  readonly namespace: string;
  readonly lease: string;
  readonly identity: string;
}

export class GoElector {
  readonly identity: string;
  readonly process: RunningProcess;
  readonly events: GoElectorEvent[] = [];
  #partial = '';

  constructor(o: GoElectorOptions) {
    this.identity = o.identity;
    const ms = (v: number): string => `${v}ms`;
    this.process = startProcess(o.bin, [
      `--kubeconfig=${o.kubeconfig}`, `--namespace=${o.namespace}`, `--lease=${o.lease}`, `--identity=${o.identity}`,
      `--lease-duration=${ms(TIMING.leaseDurationMs)}`, `--renew-deadline=${ms(TIMING.renewDeadlineMs)}`, `--retry-period=${ms(TIMING.retryPeriodMs)}`,
    ], { PATH: process.env.PATH ?? '' });
    killOnExit(this.process.child);
    this.process.child.stdout?.on('data', (b: Buffer) => {
      const lines = (this.#partial + b.toString()).split('\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.events.push(JSON.parse(line) as GoElectorEvent);
    });
  }

  get pid(): number {
    return this.process.child.pid ?? -1;
  }

  /** When this member began its current term, or undefined if it does not lead (as far as it has said). */
  leadingSince(): number | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.event === 'startedLeading') return e.ts;
      if (e.event === 'stoppedLeading' || e.event === 'exit') return undefined;
    }
    return undefined;
  }

  kill(signal: 'SIGKILL' | 'SIGTERM'): void {
    this.process.child.kill(signal);
  }

  async exited(timeoutMs = 15_000): Promise<Exited> {
    return this.process.exited(timeoutMs);
  }

  /** The last lines it wrote, for error messages. */
  tail(): string {
    return `${this.process.stdout().slice(-1500)}${this.process.stderr().slice(-1500)}`;
  }
}

/** A kubeconfig for the go-elector: `server` with a bearer token, TLS checked against `caPath` (none for plain http). */
export function writeGoKubeconfig(path: string, server: string, token: string, caPath?: string): string {
  const tls = caPath ? `    certificate-authority: ${caPath}\n` : '';
  writeFileSync(path, `apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster:
    server: ${server}
${tls}contexts:
- name: bench
  context: {cluster: bench, user: bench}
current-context: bench
users:
- name: bench
  user:
    token: ${token}
`);
  return path;
}
