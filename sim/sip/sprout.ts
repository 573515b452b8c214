import { randomBytes } from 'node:crypto';
import type { Clock } from '../../agent/clock/clock.js';
import { CallProcessor, type CapacitySettings } from './call-processor.js';
import { header, responseTo, toTag, type SipMessage } from './message.js';

export type Send = (text: string, host: string, port: number) => void;

interface Pending {
  readonly request: SipMessage;
  readonly host: string;
  readonly port: number;
}

const RETRY_AFTER_OVERLOAD: [string, string][] = [['Retry-After', '0']];

/**
 * A simulated Sprout as a UAS: it answers calls itself (there is no callee
 * behind it). OPTIONS jump the queue and are always answered, as Sprout
 * queues them at high priority "so monit doesn't kill Sprout"; new INVITEs go
 * through the CallProcessor and are rejected statelessly with
 * 503 + Retry-After: 0 when the bucket is empty, the queue wait is too long or
 * the call cap is reached; ACK is absorbed; BYE ends the call.
 */
export class SproutUas {
  readonly processor: CallProcessor;
  readonly #pending = new Map<string, Pending>();
  /** Established calls by Call-ID, with when they were answered. */
  readonly #dialogs = new Map<string, number>();
  #optionsAnswered = 0;
  #lastSweepMs = 0;
  readonly #stopped = new AbortController();

  constructor(
    capacity: CapacitySettings,
    private readonly clock: Clock,
    private readonly send: Send,
    /** A call whose BYE never came (its Bono died) is forgotten after this long. */
    private readonly maxCallAgeMs = 120_000,
  ) {
    this.processor = new CallProcessor(capacity, clock.nowMs());
  }

  get optionsAnswered(): number {
    return this.#optionsAnswered;
  }

  /** Cancels the service timers (the server is closing). */
  stop(): void {
    this.#stopped.abort();
  }

  handle(msg: SipMessage, host: string, port: number): void {
    if (!msg.method) return;
    const callId = header(msg, 'call-id') ?? '';
    const reply = (status: number, reason: string, extra: [string, string][] = [], tag?: string) => this.send(responseTo(msg, status, reason, extra, tag), host, port);
    switch (msg.method) {
      case 'OPTIONS':
        this.#optionsAnswered++;
        return reply(200, 'OK', [['Allow', 'INVITE, ACK, BYE, OPTIONS'], ['Server', 'vnf-agent simulated Sprout']]);
      case 'ACK':
        return;
      case 'BYE':
        if (!this.#dialogs.delete(callId)) return reply(481, 'Call/Transaction Does Not Exist');
        this.processor.endCall();
        return reply(200, 'OK');
      case 'INVITE':
        return this.#invite(msg, callId, host, port);
      default:
        return reply(501, 'Not Implemented');
    }
  }

  #invite(msg: SipMessage, callId: string, host: string, port: number): void {
    if (toTag(msg) !== undefined) return this.send(responseTo(msg, 200, 'OK'), host, port); // re-INVITE: accept as is
    if (this.#pending.has(callId) || this.#dialogs.has(callId)) return; // retransmission
    this.#sweep();
    const verdict = this.processor.arrive(callId, this.clock.nowMs());
    if (verdict !== 'accepted') {
      const reason = verdict === 'rejected-calls' ? 'Service Unavailable (call limit)' : 'Service Unavailable';
      return this.send(responseTo(msg, 503, reason, RETRY_AFTER_OVERLOAD), host, port);
    }
    this.#pending.set(callId, { request: msg, host, port });
    this.send(responseTo(msg, 100, 'Trying'), host, port);
    this.#pump();
  }

  #pump(): void {
    const { started, expired } = this.processor.pump(this.clock.nowMs());
    for (const id of expired) {
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      if (p) this.send(responseTo(p.request, 503, 'Service Unavailable (queue timeout)', RETRY_AFTER_OVERLOAD), p.host, p.port);
    }
    for (const job of started) {
      void this.clock.sleep(Math.max(0, job.doneAtMs - this.clock.nowMs()), this.#stopped.signal).then(() => this.#answer(job.id), () => undefined);
    }
    // Queued requests may expire while every worker is busy: look again when the oldest would.
    if (this.processor.queueLength > 0 && started.length === 0) void this.clock.sleep(50, this.#stopped.signal).then(() => this.#pump(), () => undefined);
  }

  #answer(callId: string): void {
    const p = this.#pending.get(callId);
    this.#pending.delete(callId);
    if (p && this.processor.finish(callId, this.clock.nowMs())) {
      const tag = randomBytes(4).toString('hex');
      this.#dialogs.set(callId, this.clock.nowMs());
      const contact: [string, string] = ['Contact', `<sip:sprout@${p.request.uri?.replace(/^sip:[^@]*@/, '') ?? ''}>`];
      this.send(responseTo(p.request, 200, 'OK', [contact], tag), p.host, p.port);
    }
    this.#pump();
  }

  #sweep(): void {
    const now = this.clock.nowMs();
    if (now - this.#lastSweepMs < 1_000) return;
    this.#lastSweepMs = now;
    for (const [id, answeredAt] of this.#dialogs) {
      if (now - answeredAt < this.maxCallAgeMs) continue;
      this.#dialogs.delete(id);
      this.processor.endCall();
    }
  }
}
