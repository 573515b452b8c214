import net from 'node:net';
import { buildOptions } from './message.js';
import { SipStreamFramer } from './framing.js';
import { ResponseMatcher, abortedOutcome, answered, type ProbeCounters, type ProbeOutcome, type ProberOptions, type SipProber } from './prober.js';

/**
 * OPTIONS over a fresh TCP connection per probe, as Clearwater's poll-sip does:
 * it also proves the server still accepts connections. TCP is reliable, so no
 * retransmits; the stream is framed by Content-Length and a framing error
 * counts as malformed and ends the probe.
 */
export class TcpProber implements SipProber {
  readonly transport = 'tcp' as const;
  readonly #options: ProberOptions;
  readonly #matcher = new ResponseMatcher();
  readonly #open = new Set<net.Socket>();

  constructor(options: ProberOptions) {
    this.#options = options;
  }

  counters(): ProbeCounters {
    return this.#matcher.counters();
  }

  probe(signal: AbortSignal): Promise<ProbeOutcome> {
    if (signal.aborted) return Promise.resolve(abortedOutcome('tcp'));
    const { targetHost, targetPort, localHost, timeoutMs, clock } = this.#options;
    const startedAt = clock.nowMs();
    const socket = net.connect({ host: targetHost, port: targetPort, localAddress: localHost });
    this.#open.add(socket);
    const framer = new SipStreamFramer();
    return new Promise<ProbeOutcome>((resolve) => {
      let done = false;
      const onAbort = (): void => settle(abortedOutcome('tcp'));
      const timer = setTimeout(() => settle({ kind: 'timeout', transport: 'tcp', afterMs: timeoutMs }), timeoutMs);
      const settle = (outcome: ProbeOutcome): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        this.#open.delete(socket);
        resolve(outcome);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let request: ReturnType<typeof buildOptions> | undefined;
      socket.once('connect', () => {
        request = buildOptions({ transport: 'tcp', targetHost, targetPort, localHost, localPort: socket.localPort ?? 0 });
        socket.write(request.text);
      });
      socket.on('data', (chunk: Buffer) => {
        const framed = framer.push(chunk);
        for (const text of framed.messages) {
          const result = this.#matcher.match(text, request);
          if (result !== undefined && result !== 'provisional') {
            settle(answered('tcp', result, clock.nowMs() - startedAt, 0));
            return;
          }
        }
        if (framed.error !== undefined) {
          this.#matcher.malformed++;
          settle({ kind: 'malformed', transport: 'tcp', reason: framed.error });
        }
      });
      socket.on('error', (err: NodeJS.ErrnoException) => settle({ kind: 'error', transport: 'tcp', reason: err.code ?? err.message }));
      socket.on('close', () => settle({ kind: 'error', transport: 'tcp', reason: 'connection closed before an answer' }));
    });
  }

  close(): Promise<void> {
    for (const socket of this.#open) socket.destroy();
    this.#open.clear();
    return Promise.resolve();
  }
}
