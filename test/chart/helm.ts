import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { controlPlaneBinDir } from '../support/controlplane.js';

const run = promisify(execFile);

export const CHART = 'charts/vnf-agent';
export const CONSUMER = 'charts/examples/consumer';

/** A Kubernetes object as rendered; tests read into it loosely. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown }; [k: string]: unknown };

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** helm's own state (cache, repositories) in a temp dir, so tests never touch ~/.config/helm. */
const helmHome = mkdtempSync(join(tmpdir(), 'vnf-helm-'));
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(helmHome, 'cache'),
  HELM_CONFIG_HOME: join(helmHome, 'config'),
  HELM_DATA_HOME: join(helmHome, 'data'),
};

/** Runs the real helm (built by test/controlplane/build.sh); never throws on a non-zero exit. */
export async function helm(...args: string[]): Promise<Ran> {
  const bin = join(controlPlaneBinDir(), 'helm');
  return run(bin, args, { env: helmEnv, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );
}

/** Runs kubectl (built with the control plane) against a kubeconfig; never throws on a non-zero exit. */
export async function kubectl(kubeconfig: string, args: string[], stdin?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(join(controlPlaneBinDir(), 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

/** `helm template` of the chart; fails the test with helm's message when rendering fails. */
export async function template(chart: string, args: string[] = [], release = 'sip'): Promise<string> {
  const r = await helm('template', release, chart, ...args);
  if (r.code !== 0) throw new Error(`helm template ${chart} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

export function objects(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((o): o is Manifest => o !== null);
}

export function find(list: readonly Manifest[], kind: string, name: string): Manifest {
  const found = list.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${list.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/**
 * The consumer example, with its file:// dependency built, in a temp copy that
 * keeps the charts' relative layout: `helm dependency build` writes charts/
 * and Chart.lock, which must not land in the repository.
 */
export async function builtConsumer(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'vnf-consumer-'));
  cpSync(CHART, join(root, CHART), { recursive: true });
  cpSync(CONSUMER, join(root, CONSUMER), { recursive: true });
  const dir = join(root, CONSUMER);
  const r = await helm('dependency', 'build', dir);
  if (r.code !== 0) throw new Error(`helm dependency build failed:\n${r.stderr}`);
  return dir;
}
