import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kamailioRpc, type KamailioRpc } from '../../agent/membership/kamailio-rpc.js';
import { eventually, freePort, startProcess, type RunningProcess } from './process.js';

export const KAMAILIO_BIN = '/usr/sbin/kamailio';
export const KAMAILIO_MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules';

export interface DispatcherKamailio {
  readonly dir: string;
  readonly listFile: string;
  readonly rpcUrl: string;
  readonly rpc: KamailioRpc;
  /** Destinations Kamailio holds now, as `setid uri duid` strings, sorted. */
  destinations(): Promise<string[]>;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * A Kamailio config with only what peer registration needs: the dispatcher
 * module reading `listFile`, and jsonrpcs served over xhttp on a loopback TCP
 * port (Kamailio speaks HTTP on its TCP SIP sockets). `reloadDelta` is the
 * dispatcher's reload rate limit in seconds (Kamailio's default is 5).
 */
export function dispatcherConfig(o: { sipPort: number; httpPort: number; listFile: string; reloadDelta: number }): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
tcp_accept_no_cl=yes
listen=udp:127.0.0.1:${o.sipPort}
listen=tcp:127.0.0.1:${o.httpPort}
mpath="${KAMAILIO_MODULES}"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xhttp.so"
loadmodule "jsonrpcs.so"
loadmodule "dispatcher.so"
modparam("jsonrpcs", "transport", 1)
modparam("dispatcher", "list_file", "${o.listFile}")
modparam("dispatcher", "reload_delta", ${o.reloadDelta})
request_route {
  sl_send_reply("404", "Not here");
  exit;
}
event_route[xhttp:request] {
  if (src_ip != 127.0.0.1) { xhttp_reply("403", "Forbidden", "text/plain", "loopback only\\n"); exit; }
  if ($hu =~ "^/RPC") { jsonrpc_dispatch(); exit; }
  xhttp_reply("404", "Not Found", "text/plain", "no such path\\n");
}
`;
}

/**
 * Starts Kamailio in the foreground (-DD -E) with its pid file and runtime
 * dir in a fresh temp dir, so parallel instances never clash, after
 * validating the config with `kamailio -c`. `writeList` must create the list
 * file first: the dispatcher module refuses to start without it.
 */
export async function startDispatcherKamailio(writeList: (listFile: string) => Promise<void>, reloadDelta = 1): Promise<DispatcherKamailio> {
  const dir = await mkdtemp(join(tmpdir(), 'membership-kamailio-'));
  const listFile = join(dir, 'dispatcher.list');
  const cfg = join(dir, 'kamailio.cfg');
  await writeList(listFile);
  const httpPort = await freePort();
  await writeFile(cfg, dispatcherConfig({ sipPort: await freePort(), httpPort, listFile, reloadDelta }));
  const check = spawnSync(KAMAILIO_BIN, ['-c', '-f', cfg], { encoding: 'utf8', timeout: 15_000 });
  if (check.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`kamailio -c rejected the config:\n${check.stderr}`);
  }
  const proc = startProcess(KAMAILIO_BIN, ['-f', cfg, '-DD', '-E', '-P', join(dir, 'kamailio.pid'), '-Y', dir, '-m', '32', '-M', '4'], process.env);
  const rpcUrl = `http://127.0.0.1:${httpPort}/RPC`;
  const rpc = kamailioRpc(rpcUrl);
  const kamailio: DispatcherKamailio = {
    dir,
    listFile,
    rpcUrl,
    rpc,
    destinations: async () => parseDestinations(await rpc.call('dispatcher.list', [], AbortSignal.timeout(2_000)).catch(noSets)),
    stderr: proc.stderr,
    stop: () => stop(proc, dir),
  };
  try {
    await eventually(() => rpc.call('core.version', [], AbortSignal.timeout(1_000)), 10_000, 'Kamailio to answer JSON-RPC');
  } catch (err) {
    await kamailio.stop();
    throw new Error(`${(err as Error).message}\nkamailio stderr:\n${proc.stderr()}`, { cause: err });
  }
  return kamailio;
}

async function stop(proc: RunningProcess, dir: string): Promise<void> {
  try {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited(5_000); // SIGKILLs and throws if Kamailio ignores SIGTERM
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An empty dispatcher answers dispatcher.list with the error "No Destination Sets". */
function noSets(err: unknown): undefined {
  if (err instanceof Error && err.message.endsWith('No Destination Sets')) return undefined;
  throw err;
}

interface DispatcherList {
  RECORDS?: { SET: { ID: number; TARGETS?: { DEST: { URI: string; ATTRS?: { DUID?: string } } }[] } }[];
}

function parseDestinations(result: unknown): string[] {
  const records = (result as DispatcherList | undefined)?.RECORDS ?? [];
  return records
    .flatMap((r) => (r.SET.TARGETS ?? []).map((t) => `${r.SET.ID} ${t.DEST.URI} ${t.DEST.ATTRS?.DUID ?? ''}`))
    .sort();
}
