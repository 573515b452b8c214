import { randomBytes } from 'node:crypto';
import type { V1Container, V1ContainerStateTerminated, V1ContainerStatus } from '@kubernetes/client-node';

interface Instance {
  readonly id: string;
  readonly startedAt: string;
  readonly restartCount: number;
  terminated: V1ContainerStateTerminated | undefined;
  readonly last: V1ContainerStateTerminated | undefined;
}

/** The kubelet's restart backoff: the first restart at the next sync, then 10 s doubling up to 5 minutes. */
export function restartDelayMs(restartCount: number): number {
  return restartCount === 0 ? 1_000 : Math.min(10_000 * 2 ** (restartCount - 1), 300_000);
}

/** Whether the kubelet starts an exited container again: native sidecars always, app containers by the pod's restartPolicy. */
export function restarts(podPolicy: string | undefined, container: V1Container, sidecar: boolean, exitCode: number | null): boolean {
  if (sidecar) return true;
  const policy = podPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/**
 * The instances of a pod's containers, as a kubelet reports them: each start
 * gets a new containerID, a restart counts in restartCount and moves the
 * previous instance's end to lastState, and an exit is reported as
 * state.terminated (with the exit code, or 137 for SIGKILL) until the next start.
 */
export class ContainerInstances {
  readonly #byName = new Map<string, Instance>();

  started(name: string): void {
    const previous = this.#byName.get(name);
    this.#byName.set(name, {
      id: `sim://${randomBytes(16).toString('hex')}`,
      startedAt: new Date().toISOString(),
      restartCount: previous ? previous.restartCount + 1 : 0,
      terminated: undefined,
      last: previous?.terminated,
    });
  }

  exited(name: string, code: number | null, signal: NodeJS.Signals | null): void {
    const instance = this.#byName.get(name);
    if (!instance || instance.terminated) return;
    const exitCode = code ?? (signal === 'SIGKILL' ? 137 : 143);
    instance.terminated = {
      containerID: instance.id, exitCode, ...(signal ? { signal: signalNumber(signal) } : {}),
      reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: new Date(instance.startedAt), finishedAt: new Date(),
    };
  }

  restartCount(name: string): number {
    return this.#byName.get(name)?.restartCount ?? 0;
  }

  /** The status of a container this kubelet ran; undefined for one it never started. */
  status(c: V1Container, ready: boolean): V1ContainerStatus | undefined {
    const i = this.#byName.get(c.name);
    if (!i) return undefined;
    return {
      name: c.name, image: c.image ?? '', imageID: '', containerID: i.id, restartCount: i.restartCount,
      ready: ready && !i.terminated, started: !i.terminated,
      state: i.terminated ? { terminated: i.terminated } : { running: { startedAt: new Date(i.startedAt) } },
      lastState: i.last ? { terminated: i.last } : {},
    };
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 0;
}
