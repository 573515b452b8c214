import type { ScaleReply } from '../../agent/http/routes/scale.js';
import { httpScaleForwarder, type ScaleForwarder } from '../../agent/http/scale-relay.js';
import { scaleDesk } from './scale-desk.js';
import { fixture, type Fixture } from './server-fixture.js';

/**
 * A follower and its leader, as two sidecars of one cluster: the leader's
 * server listens on a real loopback port, and the follower's /scale goes
 * through the real ScaleDesk and the sidecar's own forwarder
 * (httpScaleForwarder) to it, over HTTP, exactly as agent/run-cluster.ts
 * wires them. Fuzzed requests sent to the follower thus reach the forwarding
 * code, and the leader can be asked the same directly to compare.
 */
export interface ForwardPair {
  readonly follower: Fixture;
  readonly leader: Fixture;
  /** Forwards the follower made (each one an HTTP exchange with the leader). */
  readonly forwarded: () => number;
  close(): Promise<void>;
}

/** Counts what passes through, so a fuzz run can prove it reached the forwarder at all. */
function counting(inner: ScaleForwarder): ScaleForwarder & { calls: number } {
  const counter = {
    calls: 0,
    forward(...args: Parameters<ScaleForwarder['forward']>): Promise<ScaleReply> {
      counter.calls++;
      return inner.forward(...args);
    },
  };
  return counter;
}

interface FollowerOptions {
  readonly token: string;
  readonly level?: string;
  readonly timeoutMs?: number;
  /** The sidecar's own forwarder (httpScaleForwarder) unless given. */
  readonly forwarder?: ScaleForwarder;
}

/** Sidecar sprout-0, whose elector says sprout-1 leads at `address`; counts its forwards. */
export function follower(address: { ip: string; port: number }, o: FollowerOptions): { fixture: Fixture; forwarded: () => number } {
  const timeoutMs = o.timeoutMs ?? 5_000;
  const forwarder = counting(o.forwarder ?? httpScaleForwarder(timeoutMs));
  const desk = scaleDesk({ pod: 'sprout-0', leader: 'sprout-1', leaderAddress: address, forwarder, timeoutMs });
  const fixture_ = fixture({ token: o.token, ...(o.level ? { level: o.level } : {}), pod: 'sprout-0', scale: { desk, isLeader: false } });
  return { fixture: fixture_, forwarded: () => forwarder.calls };
}

export async function forwardPair(o: FollowerOptions): Promise<ForwardPair> {
  // Every forwarded request reaches the leader from the follower's one address, so its
  // per-IP limit for mutating routes would answer most of them 429 and hide the rest.
  const leader = fixture({ token: o.token, ...(o.level ? { level: o.level } : {}), pod: 'sprout-1', perMinute: 1e9 });
  try {
    const address = new URL(await leader.app.listen({ host: '127.0.0.1', port: 0 }));
    const f = follower({ ip: address.hostname, port: Number(address.port) }, o);
    return {
      follower: f.fixture, leader, forwarded: f.forwarded,
      async close() {
        await Promise.all([f.fixture.close(), leader.close()]);
      },
    };
  } catch (err) {
    await leader.close();
    throw err;
  }
}
