import dgram from 'node:dgram';
import { once } from 'node:events';
import { isIPv6 } from 'node:net';
import { buildOptions, type BuiltRequest } from './message.js';
import { ResponseMatcher, abortedOutcome, answered, type ProbeCounters, type ProbeOutcome, type ProberOptions, type SipProber } from './prober.js';

/** RFC 3261 17.1.2.2 timers: E starts at T1 and doubles up to T2. */
export const T1_MS = 500;
export const T2_MS = 4000;

interface InFlight {
  readonly request: BuiltRequest;
  readonly settle: (outcome: ProbeOutcome) => void;
  readonly sentAt: number;
  retransmits: number;
}

/**
 * OPTIONS over UDP from one long-lived socket bound to the pod IP. UDP has no
 * transaction layer underneath, so this retransmits on timer E (T1, 2·T1, …
 * capped at T2) until the answer or the timeout. Every datagram that arrives is
 * parsed; garbage and foreign messages are counted, never fatal.
 */
export class UdpProber implements SipProber {
  readonly transport = 'udp' as const;
  readonly #options: ProberOptions;
  readonly #matcher = new ResponseMatcher();
  #socket: Promise<dgram.Socket> | undefined;
  #inFlight: InFlight | undefined;

  constructor(options: ProberOptions) {
    this.#options = options;
  }

  counters(): ProbeCounters {
    return this.#matcher.counters();
  }

  /** The local port, for tests that talk to the probe socket directly. */
  async localPort(): Promise<number> {
    return (await this.#open()).address().port;
  }

  async probe(signal: AbortSignal): Promise<ProbeOutcome> {
    if (this.#inFlight) return { kind: 'error', transport: 'udp', reason: 'a probe is already in flight' };
    let socket: dgram.Socket;
    try {
      socket = await this.#open();
    } catch (err) {
      this.#socket = undefined;
      return { kind: 'error', transport: 'udp', reason: `cannot bind probe socket: ${(err as Error).message}` };
    }
    if (signal.aborted) return abortedOutcome('udp');
    const { localHost, targetHost, targetPort, timeoutMs, clock } = this.#options;
    const request = buildOptions({ transport: 'udp', targetHost, targetPort, localHost, localPort: socket.address().port });
    return new Promise<ProbeOutcome>((resolve) => {
      const timers = new Set<NodeJS.Timeout>();
      const onAbort = (): void => settle(abortedOutcome('udp'));
      const settle = (outcome: ProbeOutcome): void => {
        if (this.#inFlight?.request !== request) return;
        this.#inFlight = undefined;
        for (const t of timers) clearTimeout(t);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const inFlight: InFlight = { request, settle, sentAt: clock.nowMs(), retransmits: 0 };
      this.#inFlight = inFlight;
      signal.addEventListener('abort', onAbort, { once: true });
      timers.add(setTimeout(() => settle({ kind: 'timeout', transport: 'udp', afterMs: timeoutMs }), timeoutMs));
      const send = (interval: number): void => {
        socket.send(request.text, targetPort, targetHost, (err) => {
          if (err) settle({ kind: 'error', transport: 'udp', reason: `send failed: ${err.message}` });
        });
        timers.add(
          setTimeout(() => {
            inFlight.retransmits++;
            send(Math.min(interval * 2, T2_MS));
          }, interval),
        );
      };
      send(T1_MS);
    });
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#inFlight?.settle(abortedOutcome('udp'));
    if (socket) (await socket.catch(() => undefined))?.close();
  }

  #open(): Promise<dgram.Socket> {
    this.#socket ??= this.#bind();
    return this.#socket;
  }

  async #bind(): Promise<dgram.Socket> {
    const host = this.#options.localHost;
    const socket = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    socket.on('message', (data) => this.#onDatagram(data));
    // A socket error (e.g. ICMP on some kernels) must not kill the agent: drop the socket, the next probe binds anew.
    socket.on('error', (err) => {
      this.#inFlight?.settle({ kind: 'error', transport: 'udp', reason: err.message });
      if (this.#socket) this.#socket = undefined;
      socket.close();
    });
    socket.bind(0, host);
    await once(socket, 'listening');
    socket.unref();
    return socket;
  }

  #onDatagram(data: Buffer): void {
    const inFlight = this.#inFlight;
    const result = this.#matcher.match(data.toString('utf8'), inFlight?.request);
    if (result === undefined || result === 'provisional' || inFlight === undefined) return;
    inFlight.settle(answered('udp', result, this.#options.clock.nowMs() - inFlight.sentAt, inFlight.retransmits));
  }
}
