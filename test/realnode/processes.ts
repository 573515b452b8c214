import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * The real node's processes (containerd, the kubelet, the addons) run detached
 * from the test's output: each writes to its own log file, whose tail goes
 * into failure messages.
 */
export function spawnLogged(bin: string, args: string[], logPath: string): ChildProcess {
  const fd = openSync(logPath, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

export function tail(path: string, chars = 4000): string {
  return existsSync(path) ? readFileSync(path, 'utf8').slice(-chars) : '';
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  if (await Promise.race([exited.then(() => false), delay(graceMs).then(() => true)])) {
    child.kill('SIGKILL');
    await exited;
  }
}
