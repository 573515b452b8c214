import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

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
