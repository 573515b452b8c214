import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The first `relative` path found walking up from this file (works from sim/ and from dist/sim/). */
export function findUp(relative: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

export interface PlaygroundFiles {
  /** The built sidecar: the same file the container runs. */
  readonly sidecarMain: string;
  readonly crd: string;
  readonly dashboardAssets: string;
  readonly chartDir: string;
}

/** Everything the playground needs from the checkout, or one error naming what is missing. */
export function locateFiles(): PlaygroundFiles {
  const sidecarMain = findUp('dist/agent/main.js');
  const crd = findUp('charts/vnf-agent/crds/vnfclusters.yaml');
  const index = findUp('sim/dashboard/index.html');
  let chartDir: string | undefined;
  try {
    chartDir = dirname(createRequire(import.meta.url).resolve('uplot'));
  } catch {
    chartDir = undefined;
  }
  const missing = [
    sidecarMain ? '' : 'dist/agent/main.js (run npm run build)',
    crd ? '' : 'charts/vnf-agent/crds/vnfclusters.yaml',
    index ? '' : 'sim/dashboard/index.html',
    chartDir ? '' : 'node_modules/uplot (run npm ci)',
  ].filter((m) => m !== '');
  if (missing.length > 0) throw new Error(`vnf-agent local needs a built checkout; missing: ${missing.join(', ')}`);
  return { sidecarMain: sidecarMain!, crd: crd!, dashboardAssets: dirname(index!), chartDir: chartDir! };
}
