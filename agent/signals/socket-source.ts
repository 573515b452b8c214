import { join } from 'node:path';
import type { Clock } from '../clock/clock.js';
import { CounterWindow } from './counters.js';
import { TCP_ESTABLISHED, TCP_LISTEN, parseSocketTable, type SocketRow } from './proc-net.js';
import type { SignalReading, SignalSource } from './sample.js';

/** Reads one file; resolves undefined when it does not exist (IPv6 off leaves no udp6). */
export type ReadText = (path: string, signal: AbortSignal) => Promise<string | undefined>;

export interface SocketSourceOptions {
  /** The SIP ports to watch (Sprout: 5052,5054; Bono: 5060,5058). */
  readonly ports: readonly number[];
  /** Usually /proc/net; the sidecar shares the SIP server's network namespace, so its sockets are here. */
  readonly procNetDir: string;
  readonly readText: ReadText;
  readonly clock: Clock;
}

/**
 * `socket`: load the kernel sees before the SIP server does. A UDP receive
 * queue that grows means the server is not keeping up; drops mean requests
 * were lost (overload). TCP: established connections and the accept queue.
 */
export class SocketSource implements SignalSource {
  readonly name = 'socket';
  readonly #options: SocketSourceOptions;
  readonly #drops = new CounterWindow();

  constructor(options: SocketSourceOptions) {
    this.#options = options;
  }

  async read(signal: AbortSignal): Promise<SignalReading> {
    const udp = await this.#table(['udp', 'udp6'], 'udp', signal);
    const tcp = await this.#table(['tcp', 'tcp6'], 'tcp', signal);
    if (typeof udp === 'string' || typeof tcp === 'string') return { status: 'malformed', raw: {}, reason: [udp, tcp].filter((x) => typeof x === 'string').join('; ') };
    const ports = new Set(this.#options.ports);
    const udpRows = udp.filter((r) => ports.has(r.localPort));
    const tcpRows = tcp.filter((r) => ports.has(r.localPort));
    const listeners = tcpRows.filter((r) => r.state === TCP_LISTEN);
    const portList = [...ports].join(',');
    if (udpRows.length === 0 && listeners.length === 0) {
      return { status: 'missing', raw: {}, reason: `no UDP socket or TCP listener on port ${portList}` };
    }
    const dropsTotal = sum(udpRows.map((r) => r.drops ?? 0));
    const drops = udpRows.length > 0 ? this.#drops.observe('drops', dropsTotal, this.#options.clock.nowMs()) : undefined;
    const raw: Record<string, number> = {
      udpSockets: udpRows.length,
      tcpListeners: listeners.length,
      tcpEstablished: tcpRows.filter((r) => r.state === TCP_ESTABLISHED).length,
      tcpListenBacklog: sum(listeners.map((r) => r.rxQueue)),
    };
    if (udpRows.length > 0) {
      raw.udpRxQueueBytes = sum(udpRows.map((r) => r.rxQueue));
      raw.udpDropsTotal = dropsTotal;
    }
    if (drops !== undefined) raw.udpDrops = drops.delta;
    const overload = drops !== undefined && drops.delta > 0 ? `${drops.delta} UDP datagrams dropped on port ${portList}` : undefined;
    return overload === undefined ? { status: 'ok', raw } : { status: 'ok', raw, overload };
  }

  /** Rows of all tables of one kind, or why they cannot be trusted. */
  async #table(files: string[], kind: 'udp' | 'tcp', signal: AbortSignal): Promise<SocketRow[] | string> {
    const rows: SocketRow[] = [];
    for (const file of files) {
      const path = join(this.#options.procNetDir, file);
      const text = await this.#options.readText(path, signal);
      if (text === undefined) continue;
      const table = parseSocketTable(text, kind);
      if (!table.ok) return `${path}: ${table.reason}`;
      rows.push(...table.rows);
    }
    return rows;
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
