import { setTimeout as delay } from 'node:timers/promises';
import type { SidecarStatus } from '../support/sidecars.js';
import type { ChaosCluster, ChaosMember } from './harness.js';

/** What one sidecar said about its lease, and when (wall-clock ms, comparable with audit timestamps). */
export interface BeliefSample {
  readonly pod: string;
  readonly pid: number;
  /** The answer was computed between sentAt and at. */
  readonly sentAt: number;
  readonly at: number;
  readonly isLeader: boolean;
  readonly leader: string | null;
  readonly lastRenewAgeMs: number | null;
}

export interface ReadyProblem {
  readonly pod: string;
  readonly at: number;
  readonly status: number | 'no answer';
  /** The failing checks as /readyz named them (`sip: timeout ...`), so a violation says why. */
  readonly why: string;
}

const STATUS_EVERY_MS = 100;
const READY_EVERY_MS = 500;
const REPLICAS_EVERY_MS = 500;
/** Just after SIGCONT a process works through its backlog; an unanswered probe then is the freeze, not the API. */
const RESUME_GRACE_MS = 3_000;

/** A member's /status, undefined when it does not answer in time. */
export async function memberStatus(m: ChaosMember, timeoutMs = 1_000): Promise<SidecarStatus | undefined> {
  try {
    const res = await fetch(`${m.url()}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? ((await res.json()) as SidecarStatus) : undefined;
  } catch {
    return undefined;
  }
}

async function readyz(m: ChaosMember): Promise<{ status: number | 'no answer'; why: string }> {
  try {
    const res = await fetch(`${m.url()}/readyz`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json().catch(() => ({}))) as { checks?: { name: string; ok: boolean; reason?: string }[] };
    const why = (body.checks ?? []).filter((c) => !c.ok).map((c) => `${c.name}: ${c.reason ?? '?'}`).join('; ');
    return { status: res.status, why };
  } catch (err) {
    return { status: 'no answer', why: (err as Error).message };
  }
}

/**
 * Polls every sidecar's /status (~100 ms) and /readyz (~500 ms) directly, not
 * through its proxy, and the Deployment's replicas through the admin client:
 * the evidence the invariants are judged on besides the audit log.
 */
export class Observer {
  readonly timeline: BeliefSample[] = [];
  readonly readyProblems: ReadyProblem[] = [];
  /** Single failed /readyz polls followed by a 200: reported, not violations. */
  readonly readyBlips: ReadyProblem[] = [];
  readonly replicas: { at: number; replicas: number | undefined }[] = [];
  #running = true;
  #loops: Promise<void>[] = [];

  constructor(private readonly cluster: ChaosCluster) {}

  start(): void {
    this.#loops = [...this.cluster.members.map((m) => this.#beliefs(m)), ...this.cluster.members.map((m) => this.#ready(m)), this.#replicas()];
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  /** The latest belief of `pod` computed no later than `at`. */
  beliefBefore(pod: string, at: number): BeliefSample | undefined {
    for (let i = this.timeline.length - 1; i >= 0; i--) {
      const s = this.timeline[i];
      if (s && s.pod === pod && s.at <= at) return s;
    }
    return undefined;
  }

  /** The pod leading now according to the freshest samples, if any. */
  currentLeader(): string | undefined {
    const fresh = this.timeline.slice(-30).filter((s) => Date.now() - s.at < 1_000 && s.isLeader);
    return fresh.at(-1)?.pod;
  }

  async #beliefs(m: ChaosMember): Promise<void> {
    while (this.#running) {
      if (m.state === 'running') {
        const sentAt = Date.now();
        const pid = m.pid();
        const s = await memberStatus(m);
        if (s) this.timeline.push({ pod: m.name, pid, sentAt, at: Date.now(), isLeader: s.isLeader, leader: s.leader, lastRenewAgeMs: s.lastRenewAgeMs });
      }
      await delay(STATUS_EVERY_MS);
    }
  }

  /**
   * A 503 counts when the next poll (~500 ms later) fails too: the kubelet
   * acts only on consecutive failures (the chart: 2 × 5 s), and a single lost
   * OPTIONS while this busy test process answers SIP late is not the API
   * server's doing. Single blips are kept apart and reported.
   */
  async #ready(m: ChaosMember): Promise<void> {
    let warmPid = -1;
    let pending: ReadyProblem | undefined;
    while (this.#running) {
      await delay(READY_EVERY_MS);
      if (m.state !== 'running') {
        pending = undefined;
        continue;
      }
      const pid = m.pid();
      const since = m.since;
      const { status, why } = await readyz(m);
      // A fresh process is judged from its first 200 on (its first SIP sample takes a moment).
      if (status === 200) warmPid = pid;
      const stillSame = m.state === 'running' && m.since === since && m.pid() === pid;
      const excused = status === 'no answer' && performance.now() - m.since < RESUME_GRACE_MS;
      if (status !== 200 && warmPid === pid && stillSame && !excused) {
        if (pending) this.readyProblems.push(pending);
        pending = { pod: m.name, at: Date.now(), status, why };
      } else {
        if (pending) this.readyBlips.push(pending);
        pending = undefined;
      }
    }
    if (pending) this.readyProblems.push(pending);
  }

  async #replicas(): Promise<void> {
    while (this.#running) {
      const replicas = await this.cluster.replicas().catch(() => undefined);
      if (replicas !== undefined) this.replicas.push({ at: Date.now(), replicas });
      await delay(REPLICAS_EVERY_MS);
    }
  }
}
