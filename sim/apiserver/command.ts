import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startApiServer } from './index.js';

const EXIT_USAGE = 2;

export const APISERVER_USAGE = `Usage: vnf-agent apiserver [--listen HOST:PORT] [--kubeconfig FILE] [--crd FILE]... [--no-crds]

Runs the embedded stand-in Kubernetes API server alone (plain HTTP, in memory),
with its Deployment controller and simulated kubelet (pods get 127.0.0.x IPs).
For the local playground and fast tests; not a production API server.

Flags:
  --listen HOST:PORT  where to listen (default 127.0.0.1:6443; port 0 picks a free one)
  --kubeconfig FILE   write a kubeconfig pointing at the server to FILE
  --crd FILE          install the CRDs in FILE at start (repeatable; default: the chart's VnfCluster CRD)
  --no-crds           install no CRDs at start
  -h, --help          show this help

Fault injection at run time: PUT /sim/faults {"latencyMs":200,"errorRate":0.1,"partition":{"token":"x"}};
DELETE /sim/faults clears it. See sim/apiserver/README.md.`;

/** The chart's CRD, found by walking up from this file (works from sim/ and from dist/sim/). */
function chartCrd(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'charts', 'vnf-agent', 'crds', 'vnfclusters.yaml');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

interface Parsed {
  readonly host: string;
  readonly port: number;
  readonly kubeconfig: string | undefined;
  readonly crds: string[];
}

function parse(args: readonly string[]): Parsed | { help: true } | { error: string } {
  let values: { listen?: string; kubeconfig?: string; crd?: string[]; 'no-crds'?: boolean; help?: boolean };
  try {
    values = parseArgs({
      args: [...args],
      options: { listen: { type: 'string' }, kubeconfig: { type: 'string' }, crd: { type: 'string', multiple: true }, 'no-crds': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return { error: (err as Error).message };
  }
  if (values.help) return { help: true };
  const listen = values.listen ?? '127.0.0.1:6443';
  const m = listen.match(/^\[?([^\]]*?)\]?:(\d+)$/);
  const port = m ? Number(m[2]) : NaN;
  if (!m || m[1] === '' || port > 65535) return { error: `--listen must be HOST:PORT (got ${JSON.stringify(listen)})` };
  const crds = values['no-crds'] ? [] : (values.crd ?? [chartCrd()].filter((f) => f !== undefined)).map((f) => resolve(f));
  const missing = crds.find((f) => !existsSync(f));
  if (missing) return { error: `--crd: no such file ${missing}` };
  return { host: m[1]!, port, kubeconfig: values.kubeconfig, crds };
}

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  });
}

/** `vnf-agent apiserver`: start, write the kubeconfig, serve until SIGTERM/SIGINT. Returns the exit code. */
export async function runApiServerCommand(args: readonly string[]): Promise<number> {
  const parsed = parse(args);
  if ('help' in parsed) {
    process.stdout.write(`${APISERVER_USAGE}\n`);
    return 0;
  }
  if ('error' in parsed) {
    process.stderr.write(`vnf-agent apiserver: ${parsed.error}\n\n${APISERVER_USAGE}\n`);
    return EXIT_USAGE;
  }
  const stopped = nextStopSignal();
  const server = await startApiServer({ host: parsed.host, port: parsed.port, crdFiles: parsed.crds });
  if (parsed.kubeconfig) writeFileSync(parsed.kubeconfig, server.kubeconfig(), { mode: 0o600 });
  const where = parsed.kubeconfig ? ` (kubeconfig ${resolve(parsed.kubeconfig)})` : '';
  process.stdout.write(`vnf-agent apiserver listening on ${server.url}${where}\n`);
  const signal = await stopped;
  await server.close();
  process.stdout.write(`vnf-agent apiserver stopped (${signal})\n`);
  return 0;
}
