import { after } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../../sim/apiserver/index.js';
import { conformanceSuite } from '../conformance/suite.js';

let server: ApiServer | undefined;
const dir = mkdtempSync(join(tmpdir(), 'vnf-sim-conformance-'));

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

// The same suite the real kube-apiserver passes. The CRD is installed by the
// suite itself, as on the real server; a short history window stands in for
// etcd compaction so the 410 Expired case does not wait five minutes.
conformanceSuite('the stand-in API server (sim/)', async () => {
  server = await startApiServer({ historyWindowMs: 3000 });
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, server.kubeconfig());
  return { kubeconfigPath };
});
