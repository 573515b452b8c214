import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { V1Container, V1Pod, V1Probe } from '@kubernetes/client-node';
import type { RunningContainer } from './runner.js';
import { isSidecar } from './probes.js';

export interface PodStartDeps {
  /** Starts a container; undefined when its image has no runner (the simulated kubelet runs nothing for it). */
  start(container: V1Container): RunningContainer | undefined;
  /** One try of a probe against the pod. */
  probe(probe: V1Probe): Promise<boolean>;
  /** The pod is being deleted: start nothing more. */
  stopping(): boolean;
  /** How often a startup probe is tried; shorter than the probe's own period, to keep tests fast. */
  readonly probeEveryMs: number;
}

/**
 * The kubelet's start order, as far as the simulation goes: init containers
 * one after another, then the app containers. A regular init container must
 * exit 0 before the next starts. A native sidecar (restartPolicy Always) keeps
 * running, and the next container starts once its startupProbe passed (at
 * once without one). Returns why the app containers were not started, or
 * undefined once they were. Unlike the kubelet, nothing is retried or
 * restarted: a failed init container or a startup probe that never passes
 * within failureThreshold x periodSeconds leaves the pod without app containers.
 */
export async function startInOrder(pod: V1Pod, deps: PodStartDeps): Promise<string | undefined> {
  for (const c of pod.spec?.initContainers ?? []) {
    if (deps.stopping()) return 'the pod is being deleted';
    const running = deps.start(c);
    // No runner: nothing runs, so nothing can be waited for (the pod's other images decide).
    if (!running) continue;
    const failed = isSidecar(c) ? await startedUp(c, running, deps) : await completed(c, running);
    if (failed) return failed;
  }
  if (deps.stopping()) return 'the pod is being deleted';
  for (const c of pod.spec?.containers ?? []) deps.start(c);
  return undefined;
}

async function completed(c: V1Container, running: RunningContainer): Promise<string | undefined> {
  const code = running.child.exitCode ?? (running.child.signalCode === null ? ((await once(running.child, 'exit')) as [number | null])[0] : null);
  return code === 0 ? undefined : `init container ${c.name} failed (exit ${code ?? running.child.signalCode})`;
}

async function startedUp(c: V1Container, running: RunningContainer, deps: PodStartDeps): Promise<string | undefined> {
  const probe = c.startupProbe;
  if (!probe?.httpGet) return undefined;
  const limitMs = (probe.failureThreshold ?? 3) * (probe.periodSeconds ?? 10) * 1000;
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    if (deps.stopping()) return 'the pod is being deleted';
    if (running.child.exitCode !== null || running.child.signalCode !== null) return `sidecar ${c.name} exited before its startup probe passed`;
    if (await deps.probe(probe)) return undefined;
    await delay(deps.probeEveryMs);
  }
  return `startup probe of ${c.name} (${probe.httpGet.path ?? '/'}) did not pass within ${limitMs} ms`;
}
