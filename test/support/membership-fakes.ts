import type { FileSystem } from '../../agent/membership/writer.js';
import type { Reloader } from '../../agent/membership/reload.js';
import type { PodFacts } from '../../agent/membership/state.js';

/** Facts of a pod that was just created: no IP, not ready, not leaving; override what a case needs. */
export function pod(name: string, over: Partial<PodFacts> = {}): PodFacts {
  return { name, ip: '', ready: false, deleting: false, drainingAnnotation: false, createdAt: '2026-11-27T12:00:00Z', ...over };
}

type FsOp = 'readText' | 'writeNewSynced' | 'rename' | 'syncDir' | 'remove';

/**
 * An in-memory FileSystem under one directory. It bites: any path outside
 * `root`, or an operation a test did not allow, throws. `failNext(op, err)`
 * makes the next call of `op` fail once; `hangNext(op)` makes it never settle.
 */
export class MemoryFileSystem implements FileSystem {
  readonly files = new Map<string, string>();
  readonly calls: string[] = [];
  #failures = new Map<FsOp, Error>();
  #hangs = new Set<FsOp>();

  constructor(
    readonly root: string,
    private readonly allowed: ReadonlySet<FsOp> = new Set<FsOp>(['readText', 'writeNewSynced', 'rename', 'syncDir', 'remove']),
  ) {}

  failNext(op: FsOp, err: Error): void {
    this.#failures.set(op, err);
  }

  hangNext(op: FsOp): void {
    this.#hangs.add(op);
  }

  readText(path: string): Promise<string | undefined> {
    return this.#run('readText', path, () => this.files.get(path));
  }

  writeNewSynced(path: string, content: string): Promise<void> {
    return this.#run('writeNewSynced', path, () => {
      if (this.files.has(path)) throw new Error(`EEXIST: ${path}`);
      this.files.set(path, content);
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.#run('rename', `${from} -> ${to}`, () => {
      this.#inside(to);
      const content = this.files.get(from);
      if (content === undefined) throw new Error(`ENOENT: ${from}`);
      this.files.delete(from);
      this.files.set(to, content);
    });
  }

  syncDir(dir: string): Promise<void> {
    return this.#run('syncDir', dir, () => undefined, true);
  }

  remove(path: string): Promise<void> {
    return this.#run('remove', path, () => void this.files.delete(path));
  }

  async #run<T>(op: FsOp, target: string, effect: () => T, isDir = false): Promise<T> {
    this.calls.push(`${op} ${target}`);
    if (!this.allowed.has(op)) throw new Error(`unexpected ${op} ${target}`);
    if (!isDir) this.#inside(target.split(' -> ')[0] ?? target);
    else if (target !== this.root) throw new Error(`unexpected syncDir ${target}`);
    if (this.#hangs.delete(op)) await new Promise<never>(() => undefined);
    const failure = this.#failures.get(op);
    if (failure) {
      this.#failures.delete(op);
      throw failure;
    }
    return effect();
  }

  #inside(path: string): void {
    if (!path.startsWith(`${this.root}/`)) throw new Error(`unexpected path outside ${this.root}: ${path}`);
  }
}

export type ReloadStep = 'ok' | 'hang' | Error;

/**
 * A Reloader that follows a script, one step per call, and bites when called
 * more often than scripted. 'hang' settles only when the caller aborts.
 */
export class ScriptedReloader implements Reloader {
  readonly describe = 'scripted reload';
  calls = 0;
  #steps: ReloadStep[];

  constructor(steps: ReloadStep[] = []) {
    this.#steps = [...steps];
  }

  expect(...steps: ReloadStep[]): void {
    this.#steps.push(...steps);
  }

  get remaining(): number {
    return this.#steps.length;
  }

  reload(signal: AbortSignal): Promise<void> {
    this.calls += 1;
    const step = this.#steps.shift();
    if (step === undefined) return Promise.reject(new Error(`unexpected reload call #${this.calls}`));
    if (step === 'ok') return Promise.resolve();
    if (step === 'hang') {
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    }
    return Promise.reject(step);
  }
}
