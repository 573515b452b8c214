import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { vnfClusterCrd } from '../agent/model/crd.js';

/** Writes the VnfCluster CRD generated from agent/model (run: npm run gen:crd). */
export const CRD_PATH = 'charts/vnf-agent/crds/vnfclusters.yaml';
export const CRD_HEADER = '# Generated from agent/model/vnfcluster.ts by `npm run gen:crd`. Do not edit by hand.\n';

export function renderCrd(): string {
  return CRD_HEADER + stringify(vnfClusterCrd(), { lineWidth: 0 });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(CRD_PATH, renderCrd());
  process.stdout.write(`wrote ${CRD_PATH}\n`);
}
