import { setTimeout as delay } from 'node:timers/promises';
import type { ChaosCluster, ChaosMember } from './harness.js';
import type { Observer } from './observe.js';
import { FAULT_KINDS, TIMED_FAULTS, type FaultDraw, type FaultKind } from './schedule.js';

export interface InjectedFault {
  readonly at: number;
  readonly kind: FaultKind;
  readonly pod: string;
  readonly wasLeader: boolean;
  readonly durationMs: number;
}

/**
 * Fires the seeded schedule against the cluster. Timed faults end by
 * themselves after their duration; healAll() ends every one still active
 * (SIGCONT, heal the partition, no latency, restart the dead).
 */
export class Injector {
  readonly injected: InjectedFault[] = [];
  skipped = 0;
  readonly #healers = new Map<ChaosMember, () => Promise<void>>();
  readonly #pending = new Set<Promise<void>>();
  #cancel = new AbortController();

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly observer: Observer,
  ) {}

  async run(plan: readonly FaultDraw[]): Promise<void> {
    const t0 = performance.now();
    for (const draw of plan) {
      const wait = t0 + draw.atMs - performance.now();
      if (wait > 0) await delay(wait);
      this.#fire(draw);
    }
  }

  byKind(): Record<FaultKind, number> {
    const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
    for (const f of this.injected) counts[f.kind]++;
    return counts;
  }

  async healAll(): Promise<void> {
    this.#cancel.abort();
    this.#cancel = new AbortController();
    await Promise.all([...this.#healers.entries()].map(([m, heal]) => this.#end(m, heal)));
    await Promise.all(this.#pending);
  }

  #target(draw: FaultDraw): ChaosMember | undefined {
    const members = this.cluster.members;
    const leader = this.observer.currentLeader();
    const first = draw.target === 'leader' ? members.findIndex((m) => m.name === leader) : draw.target;
    const start = first < 0 ? 0 : first;
    const timed = TIMED_FAULTS.has(draw.kind);
    // The drawn sidecar, or the next one free for this kind of fault.
    for (let i = 0; i < members.length; i++) {
      const m = members[(start + i) % members.length];
      if (!m || m.state === 'killed') continue;
      if (timed ? !m.busy : m.state === 'running' || m.state === 'stopped') return m;
    }
    return undefined;
  }

  #fire(draw: FaultDraw): void {
    const m = this.#target(draw);
    if (!m) {
      this.skipped++;
      return;
    }
    this.injected.push({ at: Date.now(), kind: draw.kind, pod: m.name, wasLeader: this.observer.currentLeader() === m.name, durationMs: draw.durationMs });
    switch (draw.kind) {
      case 'reset':
        m.proxy.reset();
        return;
      case 'freeze':
        m.proxy.freeze();
        return;
      case 'latency':
        m.proxy.latencyMs = draw.latencyMs;
        return this.#timed(m, draw.durationMs, async () => void (m.proxy.latencyMs = 0));
      case 'partition':
        m.proxy.partition();
        return this.#timed(m, draw.durationMs, async () => m.proxy.heal());
      case 'sigstop':
        this.cluster.stop(m);
        return this.#timed(m, draw.durationMs, async () => this.cluster.cont(m));
      case 'sigkill':
        this.cluster.kill(m);
        return this.#timed(m, draw.durationMs, async () => this.cluster.restart(m));
    }
  }

  #timed(m: ChaosMember, durationMs: number, heal: () => Promise<void>): void {
    m.busy = true;
    this.#healers.set(m, heal);
    const signal = this.#cancel.signal;
    const ending = delay(durationMs, undefined, { signal }).then(
      () => this.#end(m, heal),
      () => undefined, // healAll() took over
    );
    this.#pending.add(ending);
    void ending.finally(() => this.#pending.delete(ending));
  }

  async #end(m: ChaosMember, heal: () => Promise<void>): Promise<void> {
    if (this.#healers.get(m) !== heal) return;
    this.#healers.delete(m);
    await heal();
    m.busy = false;
  }
}
