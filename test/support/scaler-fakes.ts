import { NotLeaderError } from '../../agent/election/errors.js';
import type { Fence } from '../../agent/election/leadership.js';
import type { DrainClient, PodAnnotations, PodReading } from '../../agent/scaling/scale-in.js';
import { DRAINING_ANNOTATION, type PodFacts } from '../../agent/membership/state.js';
import type { EventSink, ScaleReading, ScaleTarget, StatusPatcher } from '../../agent/scaling/scaler-ports.js';
import type { DecisionOutcome, DrainResult, ScalingMetricsSink, WriteDirection, WriteResult } from '../../agent/scaling/metrics.js';
import type { Decision } from '../../agent/scaling/types.js';
import type { VnfCluster, VnfClusterStatus } from '../../agent/model/vnfcluster.js';
import type { Scheduler, ScheduleState } from '../../agent/schedule/scheduler.js';

/**
 * Fakes of the scaler's ports. Each one bites: a call nobody scripted fails
 * the test, and every call is recorded so a test can pin the exact sequence.
 */

/** elector.fence() as the test wants it: leading or not, in a term. */
export class FakeFence {
  leading = true;
  /** The pod this fence's elector runs in. */
  identity = 'leader';
  term = 1;
  validForMs = 5_000;
  calls = 0;
  #controller = new AbortController();

  readonly fence = (): Fence => {
    this.calls++;
    if (!this.leading) throw new NotLeaderError('this elector does not hold the lease');
    return { identity: this.identity, version: '1', term: this.term, validForMs: this.validForMs, signal: this.#controller.signal };
  };

  /** Leadership ends: fence() throws and the term's signal aborts. */
  lose(): void {
    this.leading = false;
    this.#controller.abort(new NotLeaderError('lost'));
    this.#controller = new AbortController();
  }
}

export class ConflictError extends Error {
  readonly status = 409;
  constructor() {
    super('Operation cannot be fulfilled: the object has been modified');
  }
}

export type WriteStep = 'ok' | Error;

/** The scale subresource: reads what the test set; writes follow a script. */
export class FakeScaleTarget implements ScaleTarget {
  replicas: number;
  version = 'v1';
  reads = 0;
  writes: { replicas: number; version: string; signal: AbortSignal | undefined }[] = [];
  #script: WriteStep[] = [];
  #readable: boolean;

  constructor(replicas: number, o: { readable?: boolean } = {}) {
    this.replicas = replicas;
    this.#readable = o.readable ?? true;
  }

  expectWrites(...steps: WriteStep[]): void {
    this.#script.push(...steps);
  }

  get pendingWrites(): number {
    return this.#script.length;
  }

  async read(): Promise<ScaleReading> {
    if (!this.#readable) throw new Error('unexpected scale read');
    this.reads++;
    return { replicas: this.replicas, version: this.version };
  }

  async write(replicas: number, version: string, signal?: AbortSignal): Promise<ScaleReading> {
    this.writes.push({ replicas, version, signal });
    const step = this.#script.shift();
    if (step === undefined) throw new Error(`unexpected scale write to ${replicas}`);
    if (step !== 'ok') throw step;
    this.replicas = replicas;
    this.version = `v${Number(this.version.slice(1)) + 1}`;
    return { replicas, version: this.version };
  }
}

/**
 * The pods' annotations as the API server keeps them: every pod has a
 * resourceVersion, a read returns it, and a write lands only at that version
 * (a 409 ConflictError otherwise), exactly like the conditional merge patch.
 * The pods themselves come from `source` (the test's pod list); what was
 * written is kept here. It bites: with `allowed` false any call fails, and
 * `interfere` lets someone else change a pod between our read and our write.
 */
export class FakeAnnotator implements PodAnnotations {
  /** Every write that was sent, with the version it was conditional on. */
  calls: { pod: string; annotations: Record<string, string | null>; version: string }[] = [];
  reads: string[] = [];
  allowed = true;
  readonly #versions = new Map<string, number>();
  readonly #annotations = new Map<string, Record<string, string>>();
  readonly #interference: { pod: string; change: () => void }[] = [];

  constructor(private readonly source: () => readonly PodFacts[] = () => []) {}

  /** Before the next write to `pod` lands, someone else changes it (`change` edits the test's pod list). */
  interfere(pod: string, change: () => void = () => undefined): void {
    this.#interference.push({ pod, change });
  }

  async read(pod: string): Promise<PodReading | undefined> {
    if (!this.allowed) throw new Error(`unexpected read of pod ${pod}`);
    this.reads.push(pod);
    const facts = this.source().find((p) => p.name === pod);
    if (!facts) return undefined;
    const annotations = { ...(this.#annotations.get(pod) ?? {}) };
    if (facts.drainingAnnotation) annotations[DRAINING_ANNOTATION] = 'true';
    return { facts: { ...facts, drainingAnnotation: annotations[DRAINING_ANNOTATION] === 'true' }, annotations, version: this.#version(pod) };
  }

  async annotate(pod: string, annotations: Record<string, string | null>, version: string): Promise<void> {
    if (!this.allowed) throw new Error(`unexpected annotation of ${pod}`);
    this.calls.push({ pod, annotations, version });
    const i = this.#interference.findIndex((x) => x.pod === pod);
    if (i >= 0) {
      this.#interference.splice(i, 1)[0]!.change();
      this.#bump(pod);
    }
    if (typeof version !== 'string' || version !== this.#version(pod)) throw new ConflictError();
    const next = { ...(this.#annotations.get(pod) ?? {}) };
    for (const [k, v] of Object.entries(annotations)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    this.#annotations.set(pod, next);
    this.#bump(pod);
  }

  #version(pod: string): string {
    return `${pod}@${this.#versions.get(pod) ?? 0}`;
  }

  #bump(pod: string): void {
    this.#versions.set(pod, (this.#versions.get(pod) ?? 0) + 1);
  }
}

/** A victim's drain routes: start and settled answer from scripts. */
export class FakeDrains implements DrainClient {
  calls: string[] = [];
  starts: (true | Error)[] = [];
  settles: (boolean | Error)[] = [];

  async start(ip: string): Promise<void> {
    this.calls.push(`POST ${ip}`);
    const step = this.starts.shift();
    if (step === undefined) throw new Error(`unexpected POST /drain to ${ip}`);
    if (step instanceof Error) throw step;
  }

  async settled(ip: string): Promise<boolean> {
    this.calls.push(`GET ${ip}`);
    const step = this.settles.shift();
    if (step === undefined) throw new Error(`unexpected GET /drain to ${ip}`);
    if (step instanceof Error) throw step;
    return step;
  }
}

export class FakeEvents implements EventSink {
  recorded: { kind: string; name: string; reason: string; note: string }[] = [];

  async record(event: Parameters<EventSink['record']>[0]): Promise<void> {
    this.recorded.push({ kind: event.regarding.kind, name: event.regarding.name, reason: event.reason, note: event.note });
  }
}

export class FakeStatus implements StatusPatcher {
  patches: { name: string; status: Partial<VnfClusterStatus>; version: string }[] = [];
  failures: Error[] = [];

  async patchStatus(name: string, status: Partial<VnfClusterStatus>, version: string): Promise<VnfCluster> {
    this.patches.push({ name, status, version });
    const failure = this.failures.shift();
    if (failure) throw failure;
    return { metadata: { name, resourceVersion: `${version}+1` }, status } as unknown as VnfCluster;
  }
}

export function decision(direction: Decision['direction'], current: number, replicas: number): Decision {
  return {
    replicas,
    nextStep: replicas < current ? current - 1 : replicas,
    direction,
    reason: `test decision ${direction} from ${current} to ${replicas}`,
    inputs: { currentReplicas: current, averageUtilization: 0.2, targetUtilization: 0.8, usageRatio: 0.25, recommendation: replicas, freshSamples: current, missingSamples: 0, unreadyMembers: 0, overloadedMembers: [], floor: 0 },
  };
}

/** The scaling metrics as calls, in order, so a test pins exactly what was counted. */
export class RecordingScalingMetrics implements ScalingMetricsSink {
  calls: string[] = [];

  decided(outcome: DecisionOutcome): void {
    this.calls.push(`decided ${outcome}`);
  }
  replicas(cluster: string, current: number, desired: number): void {
    this.calls.push(`replicas ${cluster} ${current}->${desired}`);
  }
  scaleWritten(direction: WriteDirection, result: WriteResult): void {
    this.calls.push(`write ${direction} ${result}`);
  }
  drainFinished(seconds: number, result: DrainResult): void {
    this.calls.push(`drain ${result} ${seconds}s`);
  }
  stoppedLeading(): void {
    this.calls.push('stopped leading');
  }
}

/** No schedule windows open; counts load() calls so a test can see the spec reached it. */
export class QuietScheduler implements Scheduler {
  loads = 0;
  load(): readonly [] {
    this.loads++;
    return [];
  }
  stateAt(): ScheduleState {
    return { floors: [], openMaintenanceWindows: [], open: [], problems: [] };
  }
  onEvent(): () => void {
    return () => undefined;
  }
  stop(): void {}
}
