import { NotLeaderError } from '../../agent/election/errors.js';
import type { Fence } from '../../agent/election/leadership.js';
import type { DrainClient, PodAnnotations } from '../../agent/scaling/scale-in.js';
import type { EventSink, ScaleReading, ScaleTarget, StatusPatcher } from '../../agent/scaling/scaler-ports.js';
import type { DecisionOutcome, DrainResult, ScalingMetricsSink, WriteDirection, WriteResult } from '../../agent/scaling/metrics.js';
import type { Decision } from '../../agent/scaling/types.js';
import type { VnfCluster, VnfClusterStatus } from '../../agent/model/vnfcluster.js';

/**
 * Fakes of the scaler's ports. Each one bites: a call nobody scripted fails
 * the test, and every call is recorded so a test can pin the exact sequence.
 */

/** elector.fence() as the test wants it: leading or not, in a term. */
export class FakeFence {
  leading = true;
  term = 1;
  validForMs = 5_000;
  calls = 0;
  #controller = new AbortController();

  readonly fence = (): Fence => {
    this.calls++;
    if (!this.leading) throw new NotLeaderError('this elector does not hold the lease');
    return { identity: 'leader', version: '1', term: this.term, validForMs: this.validForMs, signal: this.#controller.signal };
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

export class FakeAnnotator implements PodAnnotations {
  calls: { pod: string; annotations: Record<string, string | null> }[] = [];
  allowed = true;

  async annotate(pod: string, annotations: Record<string, string | null>): Promise<void> {
    if (!this.allowed) throw new Error(`unexpected annotation of ${pod}`);
    this.calls.push({ pod, annotations });
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
