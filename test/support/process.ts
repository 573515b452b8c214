import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { BUNDLE_PATH, SIDECAR_ENV, SIDECAR_NODE_FLAGS } from '../../scripts/sidecar-launch.js';

export const AGENT_BIN = 'dist/agent/main.js';

export interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI to completion with a clean environment plus `env`. */
export async function runAgent(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000, launch: AgentLaunch = TSC_BUILD): Promise<Exited> {
  const child = startAgent(args, env, launch);
  return child.exited(timeoutMs);
}

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  exited(timeoutMs?: number): Promise<Exited>;
}

/** How the agent is started: the tsc build (most tests) or the shipped bundle with the image's node flags. */
export interface AgentLaunch {
  readonly script: string;
  readonly nodeFlags: readonly string[];
  /** Environment the launch sets under the caller's (the image's ENV). */
  readonly env?: Readonly<Record<string, string>>;
}
export const TSC_BUILD: AgentLaunch = { script: AGENT_BIN, nodeFlags: [] };
/** The sidecar as the image runs it (npm run build writes the bundle). */
export const SHIPPED: AgentLaunch = { script: BUNDLE_PATH, nodeFlags: SIDECAR_NODE_FLAGS, env: SIDECAR_ENV };

export function startAgent(args: string[], env: Record<string, string> = {}, launch: AgentLaunch = TSC_BUILD): RunningProcess {
  return startProcess(process.execPath, [...launch.nodeFlags, launch.script, ...args], cleanEnv({ ...launch.env, ...env }));
}

export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const done = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async exited(timeoutMs = 15_000) {
      const cancel = new AbortController();
      const timer = delay(timeoutMs, undefined, { signal: cancel.signal }).then(() => 'timeout' as const, () => 'cancelled' as const);
      const result = await Promise.race([done, timer]);
      cancel.abort();
      if (result === 'timeout' || result === 'cancelled') {
        child.kill('SIGKILL');
        throw new Error(`process did not exit within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`);
      }
      const [code, signal] = result;
      return { code, signal, stdout: out, stderr: err };
    },
  };
}

/** The environment minus any VNF_AGENT_* the developer may have exported. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VNF_AGENT_')) env[k] = v;
  return { ...env, ...extra };
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls `check` until it returns a value or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string, intervalMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  while (performance.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await delay(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopChild(child: ChildProcess | undefined, graceMs = 5000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  if (await Promise.race([exited.then(() => false), delay(graceMs).then(() => true)])) {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Polls `check` until it holds, while `child` (the server it asks about) is
 * alive; throws with the child's log tail when it exits or the time is up.
 */
export async function waitWhileAlive(what: string, child: ChildProcess, check: () => Promise<boolean>, logTail: () => string, timeoutMs: number, intervalMs = 250): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${logTail()}`);
    if (await check().catch(() => false)) return;
    await delay(intervalMs);
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms:\n${logTail()}`);
}
