import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { expand, resolveEnv } from './env.js';
import type { PodFiles } from './pod-files.js';

/** How an image runs on this machine: the simulated kubelet has no container runtime. */
export type ImageRunner = (container: V1Container, pod: V1Pod) => { command: string; args: string[]; env?: Record<string, string> };

export interface RunningContainer {
  readonly name: string;
  readonly child: ChildProcess;
  /** A native sidecar (init container with restartPolicy Always): stopped after the app containers. */
  readonly sidecar?: boolean;
}

/** Starts every app container of a pod whose image has a runner (init containers: see pod-start.ts). */
export function startContainers(pod: V1Pod, runners: Readonly<Record<string, ImageRunner>>, logDir: string, files?: PodFiles): RunningContainer[] {
  return (pod.spec?.containers ?? []).flatMap((c) => startContainer(pod, c, runners, logDir, files) ?? []);
}

/** Starts one container when its image has a runner; logs go to logDir/<pod>.<container>.log; `files` stands in for mounts. */
export function startContainer(pod: V1Pod, container: V1Container, runners: Readonly<Record<string, ImageRunner>>, logDir: string, files?: PodFiles): RunningContainer | undefined {
  const runner = runners[repository(container.image ?? '')];
  if (!runner) return undefined;
  // Only what the container says is seen through its mounts; the runner's own host paths are not.
  const localize = (text: string) => (files ? files.localize(container, text) : text);
  const env = { ...files?.env, ...Object.fromEntries(Object.entries(resolveEnv(pod, container)).map(([k, v]) => [k, localize(v)])) };
  const seen = (list: string[] | undefined) => list?.map((a) => localize(expand(a, env)));
  const spec = runner({ ...container, ...(container.command ? { command: seen(container.command) } : {}), ...(container.args ? { args: seen(container.args) } : {}) }, pod);
  const args = spec.args.map((a) => expand(a, env));
  // The container writes its log itself, as with a runtime: the file is opened here, before the
  // spawn, so nothing of ours touches logDir afterwards (an asynchronous open raced a test that
  // removed the dir once a short-lived container had exited: ENOENT after the test ended).
  const log = openSync(join(logDir, `${pod.metadata?.name ?? 'pod'}.${container.name}.log`), 'a');
  try {
    const child = spawn(spec.command, args, { env: { PATH: process.env.PATH ?? '', ...spec.env, ...env }, stdio: ['ignore', log, log] });
    return { name: container.name, child };
  } finally {
    closeSync(log); // the child holds its own copy
  }
}

/** `registry/name:tag` -> `name`: runners are chosen by image name, whatever the tag. */
export function repository(image: string): string {
  const withoutTag = image.replace(/@.*$/, '').replace(/:[^/:]+$/, '');
  return withoutTag.split('/').pop() ?? withoutTag;
}

/** SIGTERM, then SIGKILL after the grace period, like the kubelet. */
export async function stopContainers(running: readonly RunningContainer[], graceMs: number): Promise<void> {
  await Promise.all(
    running.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}
