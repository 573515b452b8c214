import {
  LockConflictError,
  LockNotFoundError,
  type LeaderRecord,
  type LeaseLock,
  type VersionedRecord,
} from '../../agent/election/lock.js';

export type LockOp = 'get' | 'create' | 'update' | 'watch';

/** One call the elector made, stamped with the monotonic time it was made at. */
export interface LockCall {
  readonly op: LockOp;
  readonly atMs: number;
  readonly record?: LeaderRecord;
  readonly version?: string;
}

/** What a scripted call answers: a record, an error to reject with, or a hang until the caller aborts. */
export type Reply = VersionedRecord | Error | 'hang';

export interface ScriptStep {
  readonly op: Exclude<LockOp, 'watch'>;
  readonly reply: Reply | ((call: LockCall) => Reply);
}

/** A record with defaults for the fields a test does not care about. */
export function leaseRecord(over: Partial<LeaderRecord> = {}): LeaderRecord {
  return {
    holderIdentity: 'sprout-b',
    leaseDurationSeconds: 8,
    acquireTime: new Date('2026-11-27T11:00:00.000Z'),
    renewTime: new Date('2026-11-27T11:59:59.000Z'),
    leaseTransitions: 3,
    ...over,
  };
}

export function versioned(version: string, over: Partial<LeaderRecord> = {}): VersionedRecord {
  return { version, record: leaseRecord(over) };
}

/**
 * A LeaseLock that answers only what the test scripted, in order. Any other
 * call is recorded as unexpected and rejected; `assertDone()` then fails the
 * test (the elector's loop swallows errors by design, so the bite is checked
 * there, not thrown into the loop). Watch is allowed only when asked for.
 */
export class ScriptedLeaseLock implements LeaseLock {
  readonly calls: LockCall[] = [];
  readonly unexpected: string[] = [];
  readonly #steps: ScriptStep[];
  readonly #allowWatch: boolean;
  readonly #nowMs: () => number;
  readonly #watchers = new Set<(seen: VersionedRecord | undefined) => void>();

  constructor(steps: ScriptStep[], options: { allowWatch?: boolean; nowMs?: () => number } = {}) {
    this.#steps = [...steps];
    this.#allowWatch = options.allowWatch ?? false;
    this.#nowMs = options.nowMs ?? (() => 0);
  }

  /** Appends steps, for tests that script in phases. */
  script(...steps: ScriptStep[]): void {
    this.#steps.push(...steps);
  }

  get remaining(): number {
    return this.#steps.length;
  }

  /** Every scripted step was used and nothing else was called. */
  assertDone(): void {
    if (this.unexpected.length > 0) throw new Error(`unexpected lock calls: ${this.unexpected.join('; ')}`);
    if (this.#steps.length > 0) throw new Error(`scripted lock calls never made: ${this.#steps.map((s) => s.op).join(', ')}`);
  }

  /** Delivers a watch event to the elector, as the API server's watch would. */
  emit(seen: VersionedRecord | undefined): void {
    for (const watcher of this.#watchers) watcher(seen);
  }

  describe(): string {
    return 'test/sprout-leader';
  }

  get(signal?: AbortSignal): Promise<VersionedRecord> {
    return this.#answer({ op: 'get', atMs: this.#nowMs() }, signal);
  }

  create(record: LeaderRecord, signal?: AbortSignal): Promise<VersionedRecord> {
    return this.#answer({ op: 'create', atMs: this.#nowMs(), record }, signal);
  }

  update(record: LeaderRecord, version: string, signal?: AbortSignal): Promise<VersionedRecord> {
    return this.#answer({ op: 'update', atMs: this.#nowMs(), record, version }, signal);
  }

  watch(onChange: (current: VersionedRecord | undefined) => void): () => void {
    this.calls.push({ op: 'watch', atMs: this.#nowMs() });
    if (!this.#allowWatch) this.unexpected.push('watch (not allowed in this test)');
    this.#watchers.add(onChange);
    return () => this.#watchers.delete(onChange);
  }

  #answer(call: LockCall, signal?: AbortSignal): Promise<VersionedRecord> {
    this.calls.push(call);
    const step = this.#steps[0];
    if (!step || step.op !== call.op) {
      this.unexpected.push(`${call.op} at ${call.atMs}ms (next scripted: ${step?.op ?? 'nothing'})`);
      return Promise.reject(new Error(`unexpected lock call: ${call.op}`));
    }
    this.#steps.shift();
    const reply = typeof step.reply === 'function' ? step.reply(call) : step.reply;
    if (reply === 'hang') return hang(signal);
    return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
  }
}

/** Never answers; rejects only when the caller gives up. */
function hang(signal?: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(new Error('aborted by caller')), { once: true });
  });
}

/**
 * An in-memory compare-and-set lock shared by several electors, like one
 * Lease in the API server: every write must carry the current version (else
 * 409), versions increase, watchers hear every change (asynchronously, like a
 * watch stream). Each elector gets its own handle, which a test can cut off
 * (`partitioned`: calls hang until their timeout and watch events are lost).
 */
export class MemoryLeaseStore {
  readonly counts = { get: 0, create: 0, update: 0 };
  #current: VersionedRecord | undefined;
  #nextVersion = 1;
  readonly #watchers = new Set<(seen: VersionedRecord | undefined) => void>();

  read(): VersionedRecord | undefined {
    return this.#current;
  }

  /** Writes a record directly, bypassing versions (hand-written state for a test). */
  seed(record: LeaderRecord): VersionedRecord {
    return this.#store(record);
  }

  handle(): MemoryLeaseHandle {
    return new MemoryLeaseHandle(this);
  }

  watch(onChange: (current: VersionedRecord | undefined) => void): () => void {
    this.#watchers.add(onChange);
    return () => this.#watchers.delete(onChange);
  }

  get(): VersionedRecord {
    this.counts.get++;
    if (!this.#current) throw new LockNotFoundError();
    return this.#current;
  }

  create(record: LeaderRecord): VersionedRecord {
    this.counts.create++;
    if (this.#current) throw new LockConflictError('lease already exists');
    return this.#store(record);
  }

  update(record: LeaderRecord, version: string): VersionedRecord {
    this.counts.update++;
    if (!this.#current) throw new LockNotFoundError();
    if (this.#current.version !== version) throw new LockConflictError();
    return this.#store(record);
  }

  #store(record: LeaderRecord): VersionedRecord {
    const stored: VersionedRecord = { version: String(this.#nextVersion++), record: { ...record } };
    this.#current = stored;
    for (const watcher of this.#watchers) queueMicrotask(() => watcher(stored));
    return stored;
  }
}

export class MemoryLeaseHandle implements LeaseLock {
  /** While true, calls hang until the caller's signal aborts, and watch events are dropped. */
  partitioned = false;
  readonly #store: MemoryLeaseStore;

  constructor(store: MemoryLeaseStore) {
    this.#store = store;
  }

  describe(): string {
    return 'memory/sprout-leader';
  }

  get(signal?: AbortSignal): Promise<VersionedRecord> {
    return this.#run(() => this.#store.get(), signal);
  }

  create(record: LeaderRecord, signal?: AbortSignal): Promise<VersionedRecord> {
    return this.#run(() => this.#store.create(record), signal);
  }

  update(record: LeaderRecord, version: string, signal?: AbortSignal): Promise<VersionedRecord> {
    return this.#run(() => this.#store.update(record, version), signal);
  }

  watch(onChange: (current: VersionedRecord | undefined) => void): () => void {
    return this.#store.watch((seen) => {
      if (!this.partitioned) onChange(seen);
    });
  }

  #run(op: () => VersionedRecord, signal?: AbortSignal): Promise<VersionedRecord> {
    if (this.partitioned) return hang(signal);
    try {
      return Promise.resolve(op());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
