import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { httpExchange } from '../../agent/net/http.js';
import { KAMAILIO_BIN } from '../../sim/kamailio/config.js';
import type { Manifest } from './helm.js';

/**
 * A chart workload's Kamailio run on this machine as its pod would run it:
 * the rendered config and arguments, with the pod's addresses and mounts
 * mapped to loopback addresses and folders of a scratch directory.
 */
export interface PodAddresses {
  /** Stands in for $(MY_POD_IP). */
  readonly podIp: string;
  /** Stands in for the pod's own 127.0.0.1 (shared by its containers only). */
  readonly localIp: string;
}

type Container = { name: string; args?: string[]; env?: { name: string; value?: string }[] };
type PodSpec = { containers: Container[]; initContainers?: Container[] };

export const podSpecOf = (d: Manifest): PodSpec => (d.spec as { template: { spec: PodSpec } }).template.spec;

/** The vnf-agent container wherever the layout puts it (containers or initContainers). */
export function sidecarEnv(d: Manifest): Record<string, string> {
  const spec = podSpecOf(d);
  const sidecar = [...(spec.initContainers ?? []), ...spec.containers].find((c) => c.name === 'vnf-agent');
  return Object.fromEntries((sidecar?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value ?? '']));
}

/** What the pod's containers see, rewritten for this machine (the simulated kubelet's rule for mounts). */
export function localizer(dir: string, a: PodAddresses): (text: string) => string {
  // /tmp first: the scratch directory is under /tmp itself.
  return (text) =>
    text
      .replace(/^\/tmp(?=\/|$)/, `${dir}/tmp`)
      .replaceAll('$(MY_POD_IP)', a.podIp)
      .replaceAll('127.0.0.1', a.localIp)
      .replaceAll('/etc/sip/', `${dir}/etc/`)
      .replaceAll('/var/run/vnf-agent/', `${dir}/shared/`);
}

export interface RunningKamailio {
  readonly rpcUrl: string;
  stderr(): string;
  stop(): Promise<void>;
}

/** `kamailio -c -f`: the config parses and every module it loads initializes its parameters. */
export function checkConfig(file: string): { ok: boolean; output: string } {
  const r = spawnSync(KAMAILIO_BIN, ['-c', '-f', file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** Starts Kamailio with the workload's rendered args and config; resolves once its JSON-RPC answers. */
export async function startChartKamailio(dir: string, args: readonly string[], config: string, sipPort: number, a: PodAddresses): Promise<RunningKamailio> {
  const local = localizer(dir, a);
  for (const sub of ['etc', 'tmp', 'shared']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'etc', 'kamailio.cfg'), local(config));
  // -m/-M: less shared and private memory than the defaults, enough for a few calls.
  const child = spawn(KAMAILIO_BIN, [...args.map(local), '-m', '64', '-M', '8'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid ?? 0), signal);
    } catch {
      /* already gone */
    }
  };
  const running: RunningKamailio = {
    rpcUrl: `http://${a.localIp}:${sipPort}/RPC`,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        group('SIGTERM');
        await Promise.race([once(child, 'exit'), delay(5_000)]);
      }
      // Workers that outlive the main process would keep stderr open.
      group('SIGKILL');
      child.stderr?.destroy();
    },
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if ((await rpc(running.rpcUrl, 'core.version').catch(() => undefined)) !== undefined) return running;
    await delay(50);
  }
  await running.stop();
  throw new Error(`kamailio (${args.map(local).join(' ')}) did not answer JSON-RPC at ${running.rpcUrl}:\n${stderr}`);
}

/** One JSON-RPC call; node:http, since fetch refuses port 5060. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const body = JSON.stringify({ jsonrpc: '2.0', method, ...(params.length > 0 ? { params } : {}), id: 1 });
  const reply = await httpExchange(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }, 2_000);
  if (reply.status !== 200) throw new Error(`${method}: HTTP ${reply.status}`);
  return (JSON.parse(reply.body) as { result?: unknown }).result;
}

/** dialog:active_dialogs (5.6 answers a single statistic's name with nothing, so ask for the group). */
export async function activeDialogs(url: string): Promise<number> {
  const result = await rpc(url, 'stats.get_statistics', ['dialog:']);
  const line = (Array.isArray(result) ? (result as unknown[]) : []).find((l): l is string => typeof l === 'string' && l.startsWith('dialog:active_dialogs '));
  if (line === undefined) throw new Error(`no dialog:active_dialogs in ${JSON.stringify(result)}`);
  return Number(line.split('=')[1]);
}

/**
 * Loopback addresses for one test run whose SIP ports are free: the chart's
 * ports are fixed (5054, 5060), so the addresses move instead.
 */
export async function freeAddresses(count: number, ports: readonly number[]): Promise<string[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const net = `127.${150 + ((process.pid + attempt) % 100)}.77`;
    const hosts = Array.from({ length: count }, (_, i) => `${net}.${i + 2}`);
    const free = await Promise.all(hosts.flatMap((h) => ports.map((p) => canBind(h, p))));
    if (free.every(Boolean)) return hosts;
  }
  throw new Error(`no loopback range with ports ${ports.join(', ')} free`);
}

async function canBind(host: string, port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** SIPp's uac, but ACK and BYE follow the Record-Route set as a real phone's do (Route headers). */
export const UAC_WITH_ROUTES = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac that honours Record-Route">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: [service] <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="100" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
`;
