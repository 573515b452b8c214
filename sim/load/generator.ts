import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { Clock } from '../../agent/clock/clock.js';
import { cseqMethod, header, parseSip, toTag } from '../sip/message.js';
import type { LoadCounters, LoadDriver } from './driver.js';
import { offeredRate, type LoadProfile } from './profiles.js';

interface Call {
  readonly callId: string;
  readonly fromTag: string;
  readonly startedMs: number;
  toHeader?: string;
  answered: boolean;
  /** When to hang up (answered calls). */
  byeAtMs?: number;
  byeSent?: boolean;
}

export interface LoadGeneratorOptions {
  readonly clock: Clock;
  /** How long an answered call lasts before its BYE. */
  readonly holdMs: number;
  /** An INVITE without a final answer for this long counts as timed out. */
  readonly answerTimeoutMs?: number;
  readonly tickMs?: number;
}

/**
 * A SIP UAC on 127.0.0.1 that offers calls to Bono at the profile's rate:
 * INVITE, wait for the final answer, ACK a 200 and send BYE after the hold
 * time; 503s and timeouts are counted. Only ever sends to the target set by
 * the playground (a pod IP on loopback).
 */
export class LoadGenerator implements LoadDriver {
  readonly kind = 'builtin';
  readonly counters: LoadCounters = { attempts: 0, answered: 0, rejected503: 0, failedOther: 0, timeouts: 0, completed: 0 };
  readonly #socket: Socket = createSocket('udp4');
  readonly #calls = new Map<string, Call>();
  #profile: LoadProfile;
  #profileSinceMs: number;
  #target: { host: string; port: number } | undefined;
  #credit = 0;
  #localPort = 0;
  readonly #stop = new AbortController();

  constructor(
    private readonly o: LoadGeneratorOptions,
    profile: LoadProfile,
  ) {
    this.#profile = profile;
    this.#profileSinceMs = o.clock.nowMs();
  }

  get profile(): LoadProfile {
    return this.#profile;
  }

  get activeCalls(): number {
    return this.#calls.size;
  }

  /** Calls per second offered now. */
  currentRate(): number {
    return offeredRate(this.#profile, (this.o.clock.nowMs() - this.#profileSinceMs) / 1000);
  }

  setProfile(profile: LoadProfile): void {
    this.#profile = profile;
    this.#profileSinceMs = this.o.clock.nowMs();
  }

  setTarget(target: { host: string; port: number } | undefined): void {
    this.#target = target;
  }

  async start(): Promise<void> {
    this.#socket.on('message', (buf) => this.#onMessage(buf.toString('utf8')));
    this.#socket.bind(0, '127.0.0.1');
    await once(this.#socket, 'listening');
    this.#localPort = this.#socket.address().port;
    void this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  async #run(): Promise<void> {
    const tick = this.o.tickMs ?? 100;
    while (!this.#stop.signal.aborted) {
      this.#credit += (this.currentRate() * tick) / 1000;
      for (; this.#credit >= 1; this.#credit--) this.#invite();
      this.#hangUp();
      this.#expire();
      await this.o.clock.sleep(tick, this.#stop.signal).catch(() => undefined);
    }
  }

  #invite(): void {
    const target = this.#target;
    if (!target) return;
    const call: Call = { callId: `${randomBytes(8).toString('hex')}@playground`, fromTag: randomBytes(4).toString('hex'), startedMs: this.o.clock.nowMs(), answered: false };
    this.#calls.set(call.callId, call);
    this.counters.attempts++;
    this.#send('INVITE', call, `<sip:callee@${target.host}>`);
  }

  #send(method: string, call: Call, to: string): void {
    const target = this.#target;
    if (!target || this.#stop.signal.aborted) return;
    const uri = `sip:callee@${target.host}:${target.port}`;
    const text = [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.#localPort};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:caller@127.0.0.1>;tag=${call.fromTag}`,
      `To: ${to}`,
      `Call-ID: ${call.callId}`,
      `CSeq: ${method === 'BYE' ? 2 : 1} ${method}`,
      `Contact: <sip:caller@127.0.0.1:${this.#localPort}>`,
      'User-Agent: vnf-agent playground load generator (simulated callers)',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.#socket.send(text, target.port, target.host);
  }

  #onMessage(text: string): void {
    const msg = parseSip(text);
    if (!msg || msg.status === undefined) return;
    const call = this.#calls.get(header(msg, 'call-id') ?? '');
    if (!call || msg.status < 200) return;
    if (cseqMethod(msg) === 'BYE') {
      this.#calls.delete(call.callId);
      this.counters.completed++;
      return;
    }
    if (call.answered) return; // a retransmitted 200
    if (msg.status >= 300) {
      this.#calls.delete(call.callId);
      if (msg.status === 503) this.counters.rejected503++;
      else this.counters.failedOther++;
      return;
    }
    call.answered = true;
    call.toHeader = header(msg, 'to');
    this.counters.answered++;
    if (toTag(msg) === undefined) return;
    this.#send('ACK', call, call.toHeader ?? '');
    call.byeAtMs = this.o.clock.nowMs() + this.o.holdMs;
  }

  /** BYE for every call whose hold time is over (checked each tick: no timer per call). */
  #hangUp(): void {
    const now = this.o.clock.nowMs();
    for (const call of this.#calls.values()) {
      if (call.byeSent || call.byeAtMs === undefined || now < call.byeAtMs) continue;
      call.byeSent = true;
      this.#send('BYE', call, call.toHeader ?? '');
    }
  }

  #expire(): void {
    const now = this.o.clock.nowMs();
    const timeout = this.o.answerTimeoutMs ?? 8_000;
    for (const call of this.#calls.values()) {
      const limit = call.answered ? this.o.holdMs + timeout : timeout;
      if (now - call.startedMs < limit) continue;
      this.#calls.delete(call.callId);
      if (!call.answered) this.counters.timeouts++;
    }
  }
}
