import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InjectError } from './errors.js';
import { injectManifests, type InjectOptions } from './inject.js';

export const INJECT_USAGE = `Usage: vnf-agent inject -f FILE [flags]

Adds the vnf-agent sidecar to every Deployment (apps/v1) of a manifest and prints the
result, like istioctl kube-inject. Other objects pass through unchanged; a Deployment that
already has a vnf-agent container is left as it is. Nothing is printed on error (exit 2).

  vnf-agent inject -f sip.yaml | kubectl apply -f -

Flags:
  -f, --filename FILE         manifest to read; - reads stdin (required)
      --cluster NAME          VnfCluster of the pods (default: each Deployment's name)
      --image IMAGE           sidecar image (default: vnf-agent:<this version>)
      --sip-port PORT         port of the SIP server (default: first port of the first container, else 5060)
      --http-port PORT        sidecar HTTP port for probes and drain (default 8686)
      --token-secret NAME     Secret with the bearer token under key "token" (default vnf-agent-token)
      --service-account NAME  set on pods that use the default ServiceAccount (default vnf-agent)
      --drain-timeout SECONDS longest drain; sets terminationGracePeriodSeconds (default 60)
      --native true|false     true (default): a native sidecar under initContainers, with
                              restartPolicy Always and a startupProbe (Kubernetes 1.29+);
                              false: an ordinary container, for older clusters
  -h, --help                  show this help`;

export interface InjectIo {
  readonly readStdin: () => string;
  readonly version: string;
}

export type InjectOutcome = { readonly code: 0; readonly stdout: string } | { readonly code: 2; readonly stderr: string };

/** Runs `vnf-agent inject` on its arguments without touching the process: main.ts writes the outcome. */
export function runInject(args: readonly string[], io: InjectIo): InjectOutcome {
  try {
    const { values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        filename: { type: 'string', short: 'f' },
        cluster: { type: 'string' },
        image: { type: 'string' },
        'sip-port': { type: 'string' },
        'http-port': { type: 'string' },
        'token-secret': { type: 'string' },
        'service-account': { type: 'string' },
        'drain-timeout': { type: 'string' },
        native: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) return { code: 0, stdout: `${INJECT_USAGE}\n` };
    if (values.filename === undefined) throw new InjectError('-f FILE is required (- reads stdin)');
    const options: InjectOptions = {
      cluster: values.cluster,
      image: values.image ?? `vnf-agent:${io.version}`,
      sipPort: values['sip-port'] === undefined ? undefined : integer('--sip-port', values['sip-port'], 1, 65535),
      httpPort: integer('--http-port', values['http-port'] ?? '8686', 1, 65535),
      tokenSecret: values['token-secret'] ?? 'vnf-agent-token',
      serviceAccount: values['service-account'] ?? 'vnf-agent',
      drainTimeoutSeconds: integer('--drain-timeout', values['drain-timeout'] ?? '60', 0, 3600),
      shutdownTimeoutSeconds: 10,
      native: boolean('--native', values.native ?? 'true'),
    };
    const text = values.filename === '-' ? io.readStdin() : readInput(values.filename);
    return { code: 0, stdout: injectManifests(text, options) };
  } catch (err) {
    // Bad input or flags are the user's to fix (exit 2); anything else is a bug and propagates.
    const usage = err instanceof InjectError || (err as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS');
    if (!usage) throw err;
    return { code: 2, stderr: `vnf-agent inject: ${(err as Error).message}\n` };
  }
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new InjectError(`${flag} must be an integer from ${min} to ${max} (got ${JSON.stringify(text)})`);
  return value;
}

function boolean(flag: string, text: string): boolean {
  if (text !== 'true' && text !== 'false') throw new InjectError(`${flag} must be true or false (got ${JSON.stringify(text)})`);
  return text === 'true';
}

function readInput(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new InjectError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
