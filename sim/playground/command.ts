import { parseArgs } from 'node:util';
import { systemClock } from '../../agent/clock/clock.js';
import { isProfileKind } from '../load/profiles.js';
import { startPlayground } from './playground.js';
import { DEFAULT_SETTINGS, type PlaygroundSettings } from './settings.js';

const EXIT_USAGE = 2;

export const LOCAL_USAGE = `Usage: vnf-agent local [--port PORT] [--profile NAME] [--sip sim|kamailio] [--load builtin|sipp]

Runs a whole Sprout/Bono cluster on this machine with a live dashboard: the
stand-in Kubernetes API server (in-process), VnfClusters sprout (2..6 replicas)
and bono (1, upstream sprout), their Deployments, and for every pod the real
vnf-agent sidecar (this checkout's dist/agent/main.js) plus a SIP server on
the pod's own 127.0.0.x address: SIMULATED by default, real Kamailio with
--sip kamailio; a load generator (or SIPp) sends calls through Bono. Ctrl-C stops everything and removes the temp dir.

Flags:
  --port PORT          dashboard port on 127.0.0.1 (default ${DEFAULT_SETTINGS.port}; 0 picks a free one)
  --profile NAME       load profile at start: constant, step, ramp, daily, spike (default ${DEFAULT_SETTINGS.profile})
  --sprout-cps N       calls per second one simulated Sprout serves (default ${DEFAULT_SETTINGS.sproutCallsPerSecond})
  --hold-ms MS         call duration (default ${DEFAULT_SETTINGS.holdMs})
  --sip sim|kamailio   each pod's SIP server: the simulation (default) or real Kamailio
                       (/usr/sbin/kamailio; apt-get install kamailio kamailio-extra-modules)
  --load builtin|sipp  who places the calls: the built-in UAC (default) or SIPp
                       (apt-get install sip-tester), its rate following the profile
  --log-level LEVEL    the sidecars' log level (default ${DEFAULT_SETTINGS.sidecarLogLevel}); logs go to the temp dir
  -h, --help           show this help`;

function parse(args: readonly string[]): PlaygroundSettings | { help: true } | { error: string } {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' }, profile: { type: 'string' }, 'sprout-cps': { type: 'string' }, 'hold-ms': { type: 'string' },
        sip: { type: 'string' }, load: { type: 'string' }, 'log-level': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    return { error: (err as Error).message };
  }
  if (v.help) return { help: true };
  const errors: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    if (v[name] === undefined) return fallback;
    const n = Number(v[name]);
    if (!Number.isInteger(n) || n < min || n > max) errors.push(`--${name} must be an integer in ${min}..${max} (got ${String(v[name])})`);
    return n;
  };
  const port = int('port', DEFAULT_SETTINGS.port, 0, 65535);
  const cps = int('sprout-cps', DEFAULT_SETTINGS.sproutCallsPerSecond, 1, 1000);
  const holdMs = int('hold-ms', DEFAULT_SETTINGS.holdMs, 100, 600_000);
  const profile = v.profile ?? DEFAULT_SETTINGS.profile;
  if (!isProfileKind(profile)) errors.push(`--profile must be one of constant, step, ramp, daily, spike (got ${String(profile)})`);
  const sip = v.sip ?? DEFAULT_SETTINGS.sip;
  if (sip !== 'sim' && sip !== 'kamailio') errors.push(`--sip must be sim or kamailio (got ${String(sip)})`);
  const load = v.load ?? DEFAULT_SETTINGS.load;
  if (load !== 'builtin' && load !== 'sipp') errors.push(`--load must be builtin or sipp (got ${String(load)})`);
  if (errors.length > 0) return { error: errors.join('; ') };
  return {
    ...DEFAULT_SETTINGS, port, sproutCallsPerSecond: cps, holdMs, profile: profile as PlaygroundSettings['profile'], sip: sip as PlaygroundSettings['sip'], load: load as PlaygroundSettings['load'],
    sidecarLogLevel: typeof v['log-level'] === 'string' ? v['log-level'] : DEFAULT_SETTINGS.sidecarLogLevel,
  };
}

/** `vnf-agent local`: start the playground, serve until SIGINT/SIGTERM/SIGHUP, stop everything. */
export async function runLocalCommand(args: readonly string[]): Promise<number> {
  const parsed = parse(args);
  if ('help' in parsed) {
    process.stdout.write(`${LOCAL_USAGE}\n`);
    return 0;
  }
  if ('error' in parsed) {
    process.stderr.write(`vnf-agent local: ${parsed.error}\n\n${LOCAL_USAGE}\n`);
    return EXIT_USAGE;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let stopRequested: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stopRequested ??= signal;
    wake?.();
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  const playground = await startPlayground(parsed, systemClock, say);
  if (!stopRequested) await new Promise<void>((resolve) => (wake = resolve));
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
  say(`Stopping the playground (${stopRequested}); Ctrl-C again to kill at once`);
  const again = () => {
    playground.kill();
    process.exit(130);
  };
  process.once('SIGINT', again).once('SIGTERM', again);
  await playground.stop();
  say('Playground stopped; no processes or temp files left behind');
  return 0;
}
