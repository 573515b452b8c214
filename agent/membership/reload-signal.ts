import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Reloader } from './reload.js';

/** Processes visible to this container (the pod's, with shareProcessNamespace: true). */
export interface ProcessTable {
  /** Ids of processes whose name is `name` (comm, or the base name of argv[0]). */
  find(name: string, signal: AbortSignal): Promise<number[]>;
  kill(pid: number, signalName: NodeJS.Signals): void;
}

export type ReloadSignal = 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2';

/**
 * Sends a signal to every process with the given name, e.g. SIGHUP to
 * `sprout`. Finding none is a failure (the SIP server is not running yet, or
 * the pod does not share its process namespace), so it is retried.
 */
export function signalReloader(processes: ProcessTable, name: string, signalName: ReloadSignal): Reloader {
  return {
    describe: `${signalName} to process ${name}`,
    reload: async (signal) => {
      const pids = await processes.find(name, signal);
      if (pids.length === 0) throw new Error(`no process named ${name} (is shareProcessNamespace set on the pod?)`);
      for (const pid of pids) processes.kill(pid, signalName);
    },
  };
}

/** The real ProcessTable over /proc. Processes that exit while being read are skipped. */
export function procProcessTable(procRoot = '/proc', selfPid = process.pid): ProcessTable {
  return {
    async find(name, signal) {
      const entries = await readdir(procRoot);
      const found: number[] = [];
      for (const entry of entries) {
        signal.throwIfAborted();
        const pid = Number(entry);
        if (!Number.isInteger(pid) || pid === selfPid) continue;
        if (await processHasName(`${procRoot}/${entry}`, name, signal)) found.push(pid);
      }
      return found;
    },
    kill: (pid, signalName) => process.kill(pid, signalName),
  };
}

async function processHasName(dir: string, name: string, signal: AbortSignal): Promise<boolean> {
  try {
    // comm is truncated to 15 bytes by the kernel; argv[0] has the full name.
    const comm = (await readFile(`${dir}/comm`, { encoding: 'utf8', signal })).trim();
    if (comm === name) return true;
    const argv0 = (await readFile(`${dir}/cmdline`, { encoding: 'utf8', signal })).split('\0')[0] ?? '';
    return argv0 !== '' && basename(argv0) === name;
  } catch (err) {
    if (signal.aborted) throw err;
    return false; // exited meanwhile, or not ours to read
  }
}
