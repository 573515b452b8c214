import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENT_CA, makeClientCa, makeFrontProxy } from './pki.js';
import { freePort, stopChild, waitWhileAlive } from './process.js';

/**
 * The real Kubernetes control plane the integration tests run against: etcd,
 * kube-apiserver (RBAC, TokenRequest, generated serving certs) and
 * kube-controller-manager (Deployment, ReplicaSet, GC, namespace and
 * ServiceAccount controllers), built from Go modules by test/controlplane/build.sh.
 * Processes and the temp dir are always cleaned up, also when a test fails or
 * the runner is interrupted.
 */
export interface ControlPlane {
  readonly dir: string;
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly caPath: string;
  readonly adminToken: string;
  /** Stops the API server process only (etcd keeps the data), for outage tests. */
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  stop(): Promise<void>;
}

/** The binaries' folder: from test/run.sh, or built (or found in the cache) now. */
export function controlPlaneBinDir(): string {
  const given = process.env.VNF_CONTROLPLANE_BIN;
  if (given && ['kube-apiserver', 'kubectl', 'helm'].every((b) => existsSync(join(given, b)))) return given;
  const out = execFileSync('bash', ['test/controlplane/build.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = out.trim().split('\n').pop() ?? '';
  process.env.VNF_CONTROLPLANE_BIN = dir;
  return dir;
}

/** kubectl built with the control plane (test/controlplane/build.sh), same version as the API server. */
export function kubectlBin(): string {
  return join(controlPlaneBinDir(), 'kubectl');
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let hooked = false;

/** Kills every child and removes temp dirs when this process exits for any reason. */
function hookCleanup(): void {
  if (hooked) return;
  hooked = true;
  const cleanup = (): void => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

function launch(name: string, bin: string, args: string[], logDir: string): ChildProcess {
  const logPath = join(logDir, `${name}.log`);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (b: Buffer): void => {
    log += b.toString();
    if (log.length > 2_000_000) log = log.slice(-1_000_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  child.on('exit', () => {
    live.delete(child);
    try {
      writeFileSync(logPath, log);
    } catch {
      // the temp dir may already be gone during cleanup
    }
  });
  live.add(child);
  (child as ChildProcess & { logTail?: () => string }).logTail = () => log.slice(-4000);
  return child;
}

function logTail(child: ChildProcess): string {
  return (child as ChildProcess & { logTail?: () => string }).logTail?.() ?? '';
}

function httpsGet(url: string, ca: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** `n` different free ports: two calls to freePort() may hand out the same one. */
async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/**
 * The controller manager runs for a whole test run, and every pod of every
 * test comes from it: if it exits, the run would wait out every deadline with
 * no pods and no clue. It is started again (it has no leader election here, so
 * a new one simply resumes), and its last log lines go to stderr as evidence.
 */
function superviseControllerManager(start: () => ChildProcess): { stop(): Promise<void> } {
  let stopping = false;
  let child = start();
  const watch = (c: ChildProcess): void => {
    c.once('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`controlplane: kube-controller-manager exited (code ${code}, signal ${signal}); starting it again. Its last log:\n${logTail(c)}\n`);
      setTimeout(() => {
        if (stopping) return;
        child = start();
        watch(child);
      }, 1000);
    });
  };
  watch(child);
  return {
    async stop() {
      stopping = true;
      await stopChild(child);
    },
  };
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [create, update, patch, delete]
- level: None
`;

export interface AuditEntry {
  readonly verb: string;
  readonly user: { username: string };
  readonly userAgent?: string;
  readonly objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  readonly responseStatus?: { code?: number };
  readonly requestReceivedTimestamp: string;
  readonly stageTimestamp: string;
}

/** The audited writes so far; the log sits beside the kubeconfig. */
export function readAudit(kubeconfigPath: string): AuditEntry[] {
  const path = join(kubeconfigPath, '..', 'audit.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AuditEntry);
}

export function kubeconfigYaml(server: string, caPath: string, token: string, user = 'admin'): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: vnf-test
  cluster:
    server: ${server}
    certificate-authority: ${caPath}
users:
- name: ${user}
  user:
    token: ${token}
contexts:
- name: vnf-test
  context:
    cluster: vnf-test
    user: ${user}
    namespace: default
current-context: vnf-test
`;
}

/**
 * `address` binds and advertises the API server on an address other than
 * loopback (the real node's bridge address, which its pods reach). `forRealNode`
 * runs it as a cluster with a real kubelet needs: the `kubernetes` Service's
 * endpoints kept by the API server, ServiceAccount token volumes in pods, and
 * every default controller (EndpointSlices for kube-proxy and CoreDNS, the
 * kube-root-ca.crt publisher, the HPA). The shared control plane leaves these
 * off: the simulated kubelet needs none of them.
 */
export interface ControlPlaneOptions {
  readonly address?: string;
  readonly forRealNode?: boolean;
}

export async function startControlPlane(o: ControlPlaneOptions = {}): Promise<ControlPlane> {
  hookCleanup();
  const bin = controlPlaneBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'vnf-cp-'));
  dirs.add(dir);
  mkdirSync(join(dir, 'pki'));
  const adminToken = randomBytes(16).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'sec1', format: 'pem' }));
  // Every write is audited (who, what, when, result): tests prove from it that no stale leader wrote.
  writeFileSync(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
  // A CA the API server trusts for client certificates, so the auth-mode tests can present one (issueClientCert).
  makeClientCa(dir);

  const [etcdPort, etcdPeer, apiPort, kcmPort] = await distinctFreePorts(4);
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcd = launch('etcd', join(bin, 'etcd'), [
    `--data-dir=${join(dir, 'etcd')}`, `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`, '--unsafe-no-fsync', '--log-level=warn',
  ], dir);
  await waitWhileAlive('etcd', etcd, async () => (await fetch(`${etcdUrl}/health`)).ok, () => logTail(etcd), 20_000, 200);

  const address = o.address ?? '127.0.0.1';
  const server = `https://${address}:${apiPort}`;
  const caPath = join(dir, 'pki', 'apiserver.crt');
  const apiArgs = [
    `--etcd-servers=${etcdUrl}`, `--bind-address=${address}`, `--advertise-address=${address}`, `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, 'pki')}`, '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${join(dir, 'sa.key')}`, `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.0.0.0/24', '--authorization-mode=RBAC', `--token-auth-file=${join(dir, 'tokens.csv')}`,
    `--client-ca-file=${join(dir, 'pki', CLIENT_CA)}.crt`,
    ...(o.forRealNode ? ['--kubelet-preferred-address-types=InternalIP', ...makeFrontProxy(dir)] : ['--endpoint-reconciler-type=none', '--disable-admission-plugins=ServiceAccount']),
    '--allow-privileged=true',
    '--profiling=false', '--v=1',
    // Pods bypass the watch cache and etcd compacts every 5 s, so a watch that
    // resumes from an old resourceVersion really gets 410 Expired, as it does in
    // a busy production cluster; the sidecar must survive exactly that.
    '--watch-cache-sizes=pods#0', '--etcd-compaction-interval=5s',
    `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`, `--audit-log-path=${join(dir, 'audit.log')}`, '--audit-log-format=json', '--audit-log-mode=blocking', ...(process.env.VNF_TEST_APISERVER_FLAGS ?? '').split(' ').filter(Boolean),
  ];
  let api = launch('kube-apiserver', join(bin, 'kube-apiserver'), apiArgs, dir);
  const apiReady = async (): Promise<boolean> =>
    existsSync(caPath) && (await httpsGet(`${server}/readyz`, readFileSync(caPath, 'utf8'), adminToken)).status === 200;
  await waitWhileAlive('kube-apiserver', api, apiReady, () => logTail(api), 60_000, 200);

  const kubeconfigPath = join(dir, 'admin.kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml(server, caPath, adminToken));
  const kcm = superviseControllerManager(() => launch('kube-controller-manager', join(bin, 'kube-controller-manager'), [
    `--kubeconfig=${kubeconfigPath}`, '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`,
    ...(o.forRealNode
      ? ['--controllers=*', `--root-ca-file=${caPath}`, `--service-account-private-key-file=${join(dir, 'sa.key')}`, '--horizontal-pod-autoscaler-sync-period=5s']
      : ['--controllers=deployment-controller,replicaset-controller,garbage-collector-controller,namespace-controller,serviceaccount-controller']),
    '--concurrent-deployment-syncs=5', '--concurrent-replicaset-syncs=5', '--v=1',
  ], dir));

  return {
    dir,
    server,
    kubeconfigPath,
    caPath,
    adminToken,
    async stopApiServer() {
      await stopChild(api);
    },
    async startApiServer() {
      api = launch('kube-apiserver', join(bin, 'kube-apiserver'), apiArgs, dir);
      await waitWhileAlive('kube-apiserver', api, apiReady, () => logTail(api), 60_000, 200);
    },
    async stop() {
      await kcm.stop();
      await stopChild(api);
      await stopChild(etcd);
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}
