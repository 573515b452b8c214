/**
 * The footprint steps side by side: the sidecar bundle as built at each of
 * the given commits, all started at once as idle sidecars probing a local SIP
 * responder (as in the footprint benchmark), so every step sees the same
 * machine at the same moment:
 *   node --import tsx bench/footprint-steps.ts [--rounds N] [--seconds S] [--starts N] [--out FILE]
 * Each commit's agent/ and scripts/ are taken with `git archive` into a
 * scratch directory beside this checkout's node_modules and bundled there
 * with that commit's own scripts/bundle.ts. RSS is sampled every second for
 * `seconds` after the probes' routes were first asked; CPU per 5 s window;
 * cold start is spawn to the first answer on /readyz with the CPU the
 * process had used by then, one variant at a time.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_PATH, SIDECAR_NODE_FLAGS } from '../scripts/sidecar-launch.js';
import { eventually, freePort, startAgent, type AgentLaunch } from '../test/support/process.js';
import { SipResponder } from '../test/support/sip-responder.js';
import { cpuSeconds } from './lib/proc.js';
import { sampleTogether } from './lib/together.js';
import { killOnExit } from './lib/cleanup.js';
import { summarize } from './lib/stats.js';
import { machine, machineLine } from './lib/report.js';

interface Step {
  readonly name: string;
  readonly commit: string;
  readonly env?: Record<string, string>;
}

const TRIM = { MALLOC_TRIM_THRESHOLD_: '131072' };
const STEPS: readonly Step[] = [
  { name: 'before: one bundle, client-node loaded at start (main)', commit: 'ac38a28' },
  { name: 'cluster side a chunk of its own; route schemas compiled at first use', commit: 'cb58b91' },
  { name: 'sip.js grammar bytecode decoded once', commit: '73d904d' },
  { name: 'MALLOC_TRIM_THRESHOLD_=131072', commit: '73d904d', env: TRIM },
  { name: 'node:https and node:tls required at first use (shipped)', commit: '819b393', env: TRIM },
  { name: 'shipped, with a warm NODE_COMPILE_CACHE (not used)', commit: '819b393', env: { ...TRIM, NODE_COMPILE_CACHE: 'compile-cache' } },
];

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '2' }, seconds: { type: 'string', default: '15' }, starts: { type: 'string', default: '8' }, out: { type: 'string', default: 'bench/results/footprint-steps.json' } },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const starts = Number(values.starts);

/** The bundle as `commit` built it, in its own scratch directory (returned). */
function bundleAt(commit: string, scratch: string): string {
  const dir = join(scratch, commit);
  mkdirSync(dir, { recursive: true });
  execFileSync('bash', ['-c', `git archive ${commit} agent scripts package.json tsconfig.json | tar -x -C ${dir}`]);
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/bundle.ts'], { cwd: dir, stdio: 'ignore' });
  return dir;
}

const sipEnv = (port: number): Record<string, string> => ({
  VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(port), VNF_AGENT_SIGNAL_SOURCES: 'sip-options',
  VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp', VNF_AGENT_LOG_LEVEL: 'info',
});

async function start(launch: AgentLaunch, sipPort: number, name: string) {
  const port = await freePort();
  const began = performance.now();
  const child = startAgent(['run'], { ...sipEnv(sipPort), VNF_AGENT_POD_NAME: name, VNF_AGENT_HTTP_HOST: '127.0.0.1', VNF_AGENT_HTTP_PORT: String(port) }, launch);
  killOnExit(child.child);
  const url = (path: string): string => `http://127.0.0.1:${port}${path}`;
  const coldMs = await eventually(
    async () => ((await fetch(url('/readyz'), { signal: AbortSignal.timeout(500) }).then(() => true, () => false)) ? performance.now() - began : undefined),
    60_000, `${name} did not answer /readyz`, 5,
  );
  const coldCpuMs = cpuSeconds(child.child.pid!) * 1000;
  // As a kubelet would: the probe routes are asked (and their schemas compiled) before the window.
  await Promise.all(['/livez', '/startupz'].map((p) => fetch(url(p)).catch(() => undefined)));
  return { process: child, coldMs, coldCpuMs };
}

const host = machine();
const scratch = mkdtempSync(join(tmpdir(), 'vnf-steps-'));
const dirs = new Map<string, string>();
for (const s of STEPS) if (!dirs.has(s.commit)) dirs.set(s.commit, bundleAt(s.commit, scratch));
// Each bundle's path is absolute; a relative NODE_COMPILE_CACHE is made absolute beside it and warmed once.
const launches = STEPS.map((s) => {
  const dir = dirs.get(s.commit)!;
  const env = Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, k === 'NODE_COMPILE_CACHE' ? join(dir, v) : v]));
  return { launch: { script: join(dir, BUNDLE_PATH), nodeFlags: SIDECAR_NODE_FLAGS, env } satisfies AgentLaunch, env };
});
const sip = new SipResponder();
await sip.start();
for (const [i, l] of launches.entries()) {
  if (!l.env.NODE_COMPILE_CACHE) continue;
  const warm = await start(l.launch, sip.port, `warm-${i}`);
  warm.process.child.kill('SIGTERM');
  await warm.process.exited(15_000).catch(() => undefined);
}
const together = await sampleTogether(STEPS.length, rounds, seconds, async () => (await Promise.all(launches.map((l, i) => start(l.launch, sip.port, `steps-${i}`)))).map((p) => p.process));
const results = STEPS.map((s, i) => ({ ...s, rss: together.rss[i]!, cpu: together.cpu[i]!, coldStartMs: [] as number[], coldStartCpuMs: [] as number[] }));
process.stderr.write(`cold starts: ${starts} per variant, one at a time\n`);
for (let s = 0; s < starts; s++) {
  for (const [i, l] of launches.entries()) {
    const p = await start(l.launch, sip.port, `cold-${i}`);
    results[i]!.coldStartMs.push(p.coldMs);
    results[i]!.coldStartCpuMs.push(p.coldCpuMs);
    p.process.child.kill('SIGKILL');
    await p.process.exited(5_000).catch(() => undefined);
  }
}
sip.stop();
rmSync(scratch, { recursive: true, force: true });

const cell = (xs: number[], digits = 1): string => {
  const s = summarize(xs);
  return `${s.median.toFixed(digits)} (${s.low.toFixed(digits)}–${s.high.toFixed(digits)})`;
};
process.stdout.write(`\nfootprint steps, idle sidecar: ${machineLine(host)}\n\n| step | commit | RSS MiB | CPU ms/s | cold start ms | its CPU ms |\n|:--|:--|--:|--:|--:|--:|\n`);
for (const r of results) process.stdout.write(`| ${r.name} | ${r.commit} | ${cell(r.rss)} | ${cell(r.cpu)} | ${cell(r.coldStartMs, 0)} | ${cell(r.coldStartCpuMs, 0)} |\n`);
writeFileSync(values.out, `${JSON.stringify({ machine: host, settings: { rounds, seconds, starts, flags: SIDECAR_NODE_FLAGS }, steps: results }, null, 2)}\n`);
process.stderr.write(`wrote ${values.out}\n`);
process.exit(0);
