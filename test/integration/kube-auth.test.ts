import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { systemClock } from '../../agent/clock/clock.js';
import { makeKubeApi } from '../../agent/kube/client.js';
import { deleteNamespace, freshNamespace, kubeConfigFrom } from '../support/kube.js';
import { issueClientCert } from '../support/pki.js';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';

/**
 * The auth modes KubeConfig provides, through the agent's request layer
 * (agent/kube/request.ts), against the real kube-apiserver: the server's own
 * SelfSubjectReview says who each call was authenticated as.
 */
interface UserInfo {
  username: string;
  groups?: string[];
}

async function whoAmI(kc: KubeConfig): Promise<UserInfo> {
  const review = await makeKubeApi(kc, systemClock).create<{ status: { userInfo: UserInfo } }>(
    '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    { timeoutMs: 5_000 },
  );
  return review.status.userInfo;
}

describe('request layer auth modes against the real kube-apiserver', { timeout: 180_000 }, () => {
  let admin: KubeConfig;
  let kubeconfigPath: string;
  let ns: string;
  let dir: string;
  const token = async (sa: string): Promise<string> => {
    const core = admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: sa } } }).catch(() => undefined);
    const t = await core.createNamespacedServiceAccountToken({ name: sa, namespace: ns, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    return t.status?.token ?? '';
  };
  const saUser = (sa: string): string => `system:serviceaccount:${ns}:${sa}`;

  before(async () => {
    kubeconfigPath = await sharedKubeconfig();
    admin = kubeConfigFrom(kubeconfigPath);
    ns = await freshNamespace(admin, 'auth');
    dir = mkdtempSync(join(tmpdir(), 'vnf-auth-'));
  });
  after(async () => {
    await deleteNamespace(admin, ns);
    rmSync(dir, { recursive: true, force: true });
    await stopOwnControlPlane();
  });

  test('in-cluster ServiceAccount token: a token file rewritten while running is picked up (client-node re-reads it after 60 s)', async () => {
    const [first, second] = [await token('rotate-a'), await token('rotate-b')];
    const saDir = join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(saDir, { recursive: true });
    writeFileSync(join(saDir, 'ca.crt'), readFileSync(admin.getCurrentCluster()!.caFile!));
    writeFileSync(join(saDir, 'namespace'), ns);
    writeFileSync(join(saDir, 'token'), first);
    const server = new URL(admin.getCurrentCluster()!.server);
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = server.hostname;
    process.env.KUBERNETES_SERVICE_PORT = server.port;
    const kc = new KubeConfig();
    try {
      kc.loadFromCluster(dir);
    } finally {
      process.env.KUBERNETES_SERVICE_HOST = saved.host;
      process.env.KUBERNETES_SERVICE_PORT = saved.port;
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    }
    assert.equal((await whoAmI(kc)).username, saUser('rotate-a'));
    // The kubelet rewrites the projected token in place; every call in between must still succeed.
    writeFileSync(join(saDir, 'token'), second);
    const deadline = performance.now() + 90_000;
    let seen = saUser('rotate-a');
    while (seen !== saUser('rotate-b') && performance.now() < deadline) {
      await delay(2_000);
      seen = (await whoAmI(kc)).username;
    }
    assert.equal(seen, saUser('rotate-b'), 'the rewritten token is used within 90 s');
  });

  test('exec plugin: the credential a command prints is what the calls carry', async () => {
    const credential = join(dir, 'exec-token');
    writeFileSync(credential, await token('exec-sa'));
    const plugin = join(dir, 'plugin.mjs');
    writeFileSync(plugin, `import { readFileSync } from 'node:fs';
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: readFileSync(${JSON.stringify(credential)}, 'utf8') } }));
`);
    const cluster = admin.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: cluster.server, caFile: cluster.caFile }],
      users: [{ name: 'exec', exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], interactiveMode: 'Never' } }],
      contexts: [{ name: 'c', cluster: 'c', user: 'exec' }],
      currentContext: 'c',
    });
    assert.equal((await whoAmI(kc)).username, saUser('exec-sa'));
  });

  test('client certificate signed by the API server’s client CA: the user is the certificate’s CN, the groups its O', async () => {
    const { cert, key } = issueClientCert(dirname(kubeconfigPath), 'vnf-cert-user', ['vnf-test']);
    const cluster = admin.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: cluster.server, caFile: cluster.caFile }],
      users: [{ name: 'cert', certFile: cert, keyFile: key }],
      contexts: [{ name: 'c', cluster: 'c', user: 'cert' }],
      currentContext: 'c',
    });
    const user = await whoAmI(kc);
    assert.equal(user.username, 'vnf-cert-user');
    assert.ok(user.groups?.includes('vnf-test'), JSON.stringify(user));
  });

  test('a call with no valid credential is a 401 KubeError-mappable Status, not a hang', async () => {
    const cluster = admin.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: cluster.server, caFile: cluster.caFile }],
      users: [{ name: 'bad', token: 'not-a-token' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'bad' }],
      currentContext: 'c',
    });
    await assert.rejects(whoAmI(kc), (err: { code?: number; body?: string }) => err.code === 401 && /Unauthorized/.test(err.body ?? ''));
  });
});
