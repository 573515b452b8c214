/**
 * Which node flags the image runs the sidecar with, by measurement:
 *   node --import tsx bench/node-flags.ts [--rounds N] [--seconds S] [--out FILE]
 * (after npm run build). Each variant is an idle sidecar probing a local SIP
 * responder, as in the footprint benchmark; all variants of a round run at
 * once, so they share the machine's state. RSS is sampled every second for
 * `seconds` after 5 s of settling; cold start is spawn to the first answer on
 * /readyz, measured one variant at a time. The tsc build without flags is
 * what the image ran before the bundle.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_PATH, COMPILE_CACHE_DIR, SIDECAR_ENV, SIDECAR_NODE_FLAGS } from '../scripts/sidecar-launch.js';
import { AGENT_BIN, eventually, freePort, startAgent, type AgentLaunch } from '../test/support/process.js';
import { SipResponder } from '../test/support/sip-responder.js';
import { sampleTogether } from './lib/together.js';
import { cpuSeconds } from './lib/proc.js';
import { killOnExit } from './lib/cleanup.js';
import { summarize } from './lib/stats.js';
import { machine, machineLine } from './lib/report.js';

interface Variant {
  readonly name: string;
  readonly launch: AgentLaunch;
  readonly env?: Record<string, string>;
}

const semi = '--max-semi-space-size=1';
// Variants measured in the first run (bench/results/node-flags.json at cbe0684) and not kept: --max-semi-space-size=1 alone
// (98.6 MiB) and --optimize-for-size alone (96.4 MiB); both together are the baseline here.
const size = '--optimize-for-size';
const VARIANTS: readonly Variant[] = [
  { name: 'tsc build, no flags (before)', launch: { script: AGENT_BIN, nodeFlags: [] } },
  { name: 'bundle, no flags', launch: { script: BUNDLE_PATH, nodeFlags: [] } },
  { name: `bundle, ${semi} ${size}`, launch: { script: BUNDLE_PATH, nodeFlags: [semi, size] } },
  { name: `bundle, ${semi} ${size} --lite-mode`, launch: { script: BUNDLE_PATH, nodeFlags: [semi, size, '--lite-mode'] } },
  { name: `bundle, ${semi} ${size}, MALLOC_ARENA_MAX=2`, launch: { script: BUNDLE_PATH, nodeFlags: [semi, size] }, env: { MALLOC_ARENA_MAX: '2' } },
  { name: `bundle, ${semi} ${size} --lite-mode, MALLOC_ARENA_MAX=2`, launch: { script: BUNDLE_PATH, nodeFlags: [semi, size, '--lite-mode'] }, env: { MALLOC_ARENA_MAX: '2' } },
  {
    name: `bundle, ${semi} ${size} --lite-mode --single-threaded --v8-pool-size=1, MALLOC_ARENA_MAX=2`,
    launch: { script: BUNDLE_PATH, nodeFlags: [semi, size, '--lite-mode', '--single-threaded', '--v8-pool-size=1'] }, env: { MALLOC_ARENA_MAX: '2' },
  },
  // What the image ran before its compile cache: the flags above and glibc's trim threshold fixed at its default.
  { name: `bundle, ${semi} ${size} --lite-mode, MALLOC_TRIM_THRESHOLD_=131072 (before the compile cache)`, launch: { script: BUNDLE_PATH, nodeFlags: [semi, size, '--lite-mode'] }, env: { MALLOC_TRIM_THRESHOLD_: '131072' } },
  // What the image runs (scripts/sidecar-launch.ts): the same with the compile cache npm run bundle filled, as the image's is.
  { name: `bundle, ${semi} ${size} --lite-mode, MALLOC_TRIM_THRESHOLD_=131072, NODE_COMPILE_CACHE=${COMPILE_CACHE_DIR} (shipped)`, launch: { script: BUNDLE_PATH, nodeFlags: SIDECAR_NODE_FLAGS }, env: { ...SIDECAR_ENV } },
  // The compile cache is warm from the second start on (a pod's restarts; the image could ship it warm).
  { name: `bundle, ${semi} ${size}, NODE_COMPILE_CACHE`, launch: { script: BUNDLE_PATH, nodeFlags: [semi, size] }, env: { NODE_COMPILE_CACHE: join(tmpdir(), `vnf-compile-cache-${process.pid}`) } },
];

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '2' }, seconds: { type: 'string', default: '15' }, starts: { type: 'string', default: '3' }, out: { type: 'string', default: 'bench/results/node-flags.json' } },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const starts = Number(values.starts);

const sipEnv = (port: number): Record<string, string> => ({
  VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(port), VNF_AGENT_SIGNAL_SOURCES: 'sip-options',
  VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp', VNF_AGENT_LOG_LEVEL: 'info',
});

async function start(v: Variant, sipPort: number, name: string): Promise<{ port: number; process: ReturnType<typeof startAgent>; coldMs: number; coldCpuMs: number }> {
  const port = await freePort();
  const began = performance.now();
  const child = startAgent(['run'], { ...sipEnv(sipPort), VNF_AGENT_POD_NAME: name, VNF_AGENT_HTTP_HOST: '127.0.0.1', VNF_AGENT_HTTP_PORT: String(port), ...v.env }, v.launch);
  killOnExit(child.child);
  const coldMs = await eventually(
    async () => ((await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(500) }).then(() => true, () => false)) ? performance.now() - began : undefined),
    60_000, `${v.name} did not answer /readyz`, 5,
  );
  // The CPU the process had used by its first answer: what a loaded machine inflates least.
  return { port, process: child, coldMs, coldCpuMs: cpuSeconds(child.child.pid!) * 1000 };
}

const host = machine();
const sip = new SipResponder();
await sip.start();
const together = await sampleTogether(VARIANTS.length, rounds, seconds, async () => (await Promise.all(VARIANTS.map((v, i) => start(v, sip.port, `flags-${i}`)))).map((p) => p.process));
const results = VARIANTS.map((v, i) => ({ name: v.name, flags: v.launch.nodeFlags, script: v.launch.script, env: v.env ?? {}, rss: together.rss[i]!, cpu: together.cpu[i]!, coldStartMs: [] as number[], coldStartCpuMs: [] as number[] }));
process.stderr.write(`cold starts: ${starts} per variant, one at a time\n`);
for (let s = 0; s < starts; s++) {
  for (const [i, v] of VARIANTS.entries()) {
    const p = await start(v, sip.port, `cold-${i}`);
    results[i]!.coldStartMs.push(p.coldMs);
    results[i]!.coldStartCpuMs.push(p.coldCpuMs);
    p.process.child.kill('SIGKILL');
    await p.process.exited(5_000).catch(() => undefined);
  }
}
sip.stop();

const cell = (xs: number[], digits = 1): string => {
  const s = summarize(xs);
  return `${s.median.toFixed(digits)} (${s.low.toFixed(digits)}–${s.high.toFixed(digits)})`;
};
process.stdout.write(`\nnode flags, idle sidecar: ${machineLine(host)}\n\n| variant | RSS MiB | CPU ms/s | cold start ms | its CPU, ms |\n|:--|--:|--:|--:|--:|\n`);
for (const r of results) process.stdout.write(`| ${r.name} | ${cell(r.rss)} | ${cell(r.cpu)} | ${cell(r.coldStartMs, 0)} | ${cell(r.coldStartCpuMs, 0)} |\n`);
writeFileSync(values.out, `${JSON.stringify({ machine: host, settings: { rounds, seconds, starts }, variants: results }, null, 2)}\n`);
process.stderr.write(`wrote ${values.out}\n`);
process.exit(0);
