import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One container's process: output to its log file, stopped like the kubelet stops containers. */
export interface ChildHandle {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly exited: Promise<ChildExit>;
  running(): boolean;
  paused(): boolean;
  /** SIGTERM, then SIGKILL when still alive after `graceMs`; a paused process is resumed first. */
  stop(graceMs: number): Promise<ChildExit>;
  /** SIGSTOP now, SIGCONT after `ms` (a frozen process: no renewals, no answers). */
  pause(ms: number): void;
  /** SIGKILL at once (the playground is going away fast). */
  kill(): void;
}

export function spawnChild(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): ChildHandle {
  const fd = openSync(logFile, 'a');
  // detached: Ctrl-C in the terminal reaches only the playground, which then stops pods in order.
  const child = spawn(command, [...args], { env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  let alive = child.pid !== undefined;
  let frozen = false;
  let resumeTimer: NodeJS.Timeout | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      alive = false;
      if (resumeTimer) clearTimeout(resumeTimer);
      resolve({ code, signal });
    });
    child.once('error', () => {
      alive = false;
      resolve({ code: null, signal: null });
    });
  });
  // The whole process group: Kamailio forks its workers, and they must go with it.
  const signal = (sig: NodeJS.Signals) => {
    if (!alive || child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      child.kill(sig);
    }
  };
  const resume = () => {
    if (resumeTimer) clearTimeout(resumeTimer);
    resumeTimer = undefined;
    if (frozen) signal('SIGCONT');
    frozen = false;
  };
  return {
    name,
    pid: child.pid ?? -1,
    logFile,
    exited,
    running: () => alive,
    paused: () => frozen,
    async stop(graceMs) {
      resume();
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
    pause(ms) {
      if (!alive) return;
      signal('SIGSTOP');
      frozen = true;
      if (resumeTimer) clearTimeout(resumeTimer);
      resumeTimer = setTimeout(resume, ms);
    },
    kill() {
      resume();
      signal('SIGKILL');
    },
  };
}
