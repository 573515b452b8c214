import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoordinationV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { machine } from '../../bench/lib/report.js';
import { dispatcherIps, inviteCount } from '../e2e/sip-cluster.js';
import { controlPlaneBinDir } from '../support/controlplane.js';
import { kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { startSippUac, type Sipp } from '../support/sipp.js';
import { startRealCluster, type RealCluster } from './cluster.js';
import { containerPid, podRpc, processUid, rootReadOnly } from './pod-process.js';
import { imageChecks } from './image-checks.js';

const run = promisify(execFile);
const NS = 'sip';
const PREFIX = 'sip-vnf-agent';
const [SPROUT_PORT, BONO_PORT] = [5054, 5060];
const SIP = 'sip';
const SIDECAR = 'vnf-agent';
/** Where SIPp sends from: the bridge's own address, which every pod reaches. */
const SIPP_HOST = '10.244.0.1';

const ready = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const seconds = (from: number): number => Math.round(performance.now() - from) / 1000;
const sysctl = (key: string): string => readFileSync(`/proc/sys/${key}`, 'utf8').trim();
const NETWORK_SYSCTLS = ['net/ipv4/ip_forward', 'net/ipv4/conf/all/route_localnet'];

/**
 * The chart exactly as the README deploys it (`helm install sip charts/vnf-agent
 * -n sip --create-namespace`, default values), on a real kubelet and containerd
 * running the images built from this repository: the pods, the sidecars'
 * elections, Service routing and DNS (`helm test`), calls through Bono, scaling
 * both ways with the preStop drain, and the kubelet restarting what is killed.
 * The tests run in order on one release. Figures are printed, and written as
 * JSON to VNF_REALNODE_CHART_FIGURES when set (bench/results/realnode-chart.json).
 */
describe('real node: the chart as the README deploys it', { timeout: 20 * 60_000 }, () => {
  let cluster: RealCluster;
  let stopped = false;
  let kc: KubeConfig;
  let core: CoreV1Api;
  const dir = mkdtempSync(join(tmpdir(), 'vnf-chart-'));
  const figures: Record<string, unknown> = {};
  const tool = (name: 'helm' | 'kubectl', args: string[], timeoutMs?: number): Promise<string> => cluster.tool(name, args, timeoutMs);
  const pods = async (component: string): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace: NS, labelSelector: `app.kubernetes.io/component=${component}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const vnfCluster = async (component: string): Promise<{ status?: { leader?: string } }> =>
    JSON.parse(await tool('kubectl', ['-n', NS, 'get', 'vnfcluster', `${PREFIX}-${component}`, '-o', 'json'])) as { status?: { leader?: string } };
  const patchPolicy = (component: string, spec: Record<string, unknown>): Promise<string> =>
    tool('kubectl', ['-n', NS, 'patch', 'vnfcluster', `${PREFIX}-${component}`, '--type', 'merge', '-p', JSON.stringify({ spec })]);
  const bonoPid = async (): Promise<number> => {
    const [bono] = await pods('bono');
    return bono ? containerPid(cluster.node, bono, SIP) : 0;
  };
  const routedSprouts = async (): Promise<string[]> => dispatcherIps(await podRpc(await bonoPid(), BONO_PORT, 'dispatcher.list'));
  const invites = async (p: V1Pod): Promise<number> => inviteCount(await podRpc(await containerPid(cluster.node, p, SIP), SPROUT_PORT, 'stats.get_statistics', ['core:']));
  const calls = async (name: string, load: { calls: number; rate: number; holdMs: number }): Promise<Sipp> => {
    const service = await core.readNamespacedService({ name: `${PREFIX}-bono`, namespace: NS });
    return startSippUac({ target: `${service.spec?.clusterIP}:${BONO_PORT}`, localHost: SIPP_HOST, errorFile: join(dir, `${name}-errors.log`), ...load });
  };
  const failedCalls = (stdout: string): number => Number(/Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(stdout)?.[1] ?? NaN);

  const sysctlsBefore = NETWORK_SYSCTLS.map(sysctl);

  before(async () => {
    // The machine and commit as the run starts (a tree edited while it runs must not turn it "dirty").
    Object.assign(figures, { machine: machine() });
    cluster = await startRealCluster({ binDir: controlPlaneBinDir() });
    Object.assign(figures, cluster.startMs);
    kc = kubeConfigFrom(cluster.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
  });

  after(async () => {
    const result = { ...figures };
    process.stdout.write(`real-node chart figures: ${JSON.stringify(result)}\n`);
    if (process.env.VNF_REALNODE_CHART_FIGURES) writeFileSync(process.env.VNF_REALNODE_CHART_FIGURES, `${JSON.stringify(result, null, 2)}\n`);
    if (!stopped) await cluster?.stop();
  });

  imageChecks(() => ({ kc, node: cluster.node, images: cluster.images }));

  test('helm install with the defaults: every pod Ready, both VnfClusters led, helm test passes', async () => {
    const t0 = performance.now();
    await tool('helm', ['install', 'sip', 'charts/vnf-agent', '-n', NS, '--create-namespace']);
    await eventually(async () => {
      const all = [...(await pods('sprout')), ...(await pods('bono'))];
      return all.length === 3 && all.every(ready) ? true : undefined;
    }, 180_000, `2 Sprouts and 1 Bono Ready\n${cluster.logs()}`, 250);
    figures.installToAllReadyS = seconds(t0);
    await eventually(async () => ((await vnfCluster('sprout')).status?.leader && (await vnfCluster('bono')).status?.leader ? true : undefined), 60_000, 'both leaders', 250);
    figures.installToBothLeadersS = seconds(t0);
    const out = await tool('helm', ['test', 'sip', '-n', NS, '--timeout', '120s'], 150_000);
    assert.match(out, /Phase:\s+Succeeded/);
  });

  test('every container runs as the chart\'s non-root user on a read-only root filesystem', async () => {
    for (const p of [...(await pods('sprout')), ...(await pods('bono'))]) {
      for (const container of [SIP, SIDECAR]) {
        const pid = await containerPid(cluster.node, p, container);
        assert.ok(pid > 0, `${p.metadata?.name}/${container} runs`);
        assert.equal(processUid(pid), '65532', `${p.metadata?.name}/${container} user`);
        assert.equal(rootReadOnly(pid), true, `${p.metadata?.name}/${container} root read-only`);
      }
    }
  });

  test('SIPp calls through Bono\'s Service are answered by both Sprouts', async () => {
    const sprouts = await pods('sprout');
    const before = await Promise.all(sprouts.map(invites));
    const sipp = await calls('through-bono', { calls: 40, rate: 10, holdMs: 500 });
    const { code, stdout } = await sipp.exited(90_000);
    assert.equal(code, 0, stdout.slice(-2000));
    const got = (await Promise.all(sprouts.map(invites))).map((n, i) => n - (before[i] ?? 0));
    assert.equal(got.reduce((a, b) => a + b, 0), 40, `INVITEs per Sprout ${got.join()}`);
    assert.ok(got.every((n) => n > 0), `both Sprouts answered (${got.join()})`);
  });

  test('scale-out: a raised floor in the VnfCluster makes a real pod that Bono routes calls to', async () => {
    const known = new Set((await pods('sprout')).map((p) => p.metadata?.name));
    const t0 = performance.now();
    await patchPolicy('sprout', { minReplicas: 3 });
    const added = await eventually(async () => (await pods('sprout')).find((p) => !known.has(p.metadata?.name) && ready(p)), 120_000, `a third Sprout Ready\n${cluster.logs()}`, 250);
    figures.policyToNewSproutReadyS = seconds(t0);
    const ip = added.status?.podIP ?? '';
    await eventually(async () => ((await routedSprouts()).includes(ip) ? true : undefined), 30_000, `Bono routing to ${ip}`, 250);
    figures.policyToNewSproutRoutedS = seconds(t0);
    const sipp = await calls('scale-out', { calls: 30, rate: 10, holdMs: 500 });
    assert.equal((await sipp.exited(90_000)).code, 0);
    assert.ok((await invites(added)) > 0, 'the new Sprout answered calls');
  });

  test('scale-in: the leaving Sprout drains its calls in preStop, and no call fails', async () => {
    const sipp = await calls('scale-in', { calls: 60, rate: 5, holdMs: 8000 });
    await eventually(async () => ((await Promise.all((await pods('sprout')).map(invites))).every((n) => n > 0) ? true : undefined), 30_000, 'calls on every Sprout', 250);
    const known = new Set((await pods('sprout')).map((p) => p.metadata?.name));
    const t0 = performance.now();
    await patchPolicy('sprout', { minReplicas: 2, maxReplicas: 2 });
    await eventually(async () => ((await pods('sprout')).length === 2 ? true : undefined), 120_000, 'a Sprout leaving', 250);
    const all = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=sprout' })).items;
    const leaving = all.find((p) => p.metadata?.deletionTimestamp && known.has(p.metadata.name));
    await eventually(async () => ((await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=sprout' })).items.length === 2 ? true : undefined),
      150_000, `${leaving?.metadata?.name} gone after its drain`, 250);
    figures.scaleInPolicyToPodGoneS = seconds(t0);
    const { code, stdout } = await sipp.exited(120_000);
    figures.scaleInFailedCalls = failedCalls(stdout);
    assert.equal(figures.scaleInFailedCalls, 0, stdout.slice(-2000));
    assert.equal(code, 0);
  });

  test('an idle pod\'s preStop drain ends at once: deletion to gone', async () => {
    const [victim] = await pods('sprout');
    const name = victim?.metadata?.name ?? '';
    const t0 = performance.now();
    await core.deleteNamespacedPod({ name, namespace: NS });
    await eventually(async () => core.readNamespacedPod({ name, namespace: NS }).then(() => undefined, (e: { code?: number }) => (e.code === 404 ? true : undefined)),
      90_000, `${name} gone`, 100);
    figures.idlePodDeleteToGoneS = seconds(t0);
    await eventually(async () => {
      const now = await pods('sprout');
      return now.length === 2 && now.every(ready) ? true : undefined;
    }, 120_000, 'two Sprouts Ready again', 250);
  });

  test('killing the leading sidecar: the kubelet restarts it and the cluster has a leader again, three times', async () => {
    const leases = kc.makeApiClient(CoordinationV1Api);
    const readLease = (): ReturnType<CoordinationV1Api['readNamespacedLease']> => leases.readNamespacedLease({ name: `${PREFIX}-sprout-leader`, namespace: NS });
    const restarts = (p: V1Pod): number => p.status?.initContainerStatuses?.find((c) => c.name === SIDECAR)?.restartCount ?? 0;
    const rounds: { seconds: number; byStandby: boolean }[] = [];
    for (let round = 0; round < 3; round++) {
      const holder = (await readLease()).spec?.holderIdentity ?? '';
      const leader = await core.readNamespacedPod({ name: holder, namespace: NS });
      const restartsBefore = restarts(leader);
      const killedAt = new Date();
      const t0 = performance.now();
      process.kill(await containerPid(cluster.node, leader, SIDECAR), 'SIGKILL');
      const lease = await eventually(async () => {
        const l = await readLease();
        return l.spec?.holderIdentity && new Date(l.spec.renewTime ?? 0) > killedAt ? l : undefined;
      }, 60_000, `round ${round}: the Lease renewed after the kill`, 50);
      rounds.push({ seconds: seconds(t0), byStandby: lease.spec?.holderIdentity !== holder });
      await eventually(async () => {
        const p = await core.readNamespacedPod({ name: holder, namespace: NS });
        return restarts(p) > restartsBefore && ready(p) ? true : undefined;
      }, 90_000, `round ${round}: ${holder}'s sidecar restarted and the pod Ready`, 250);
    }
    const sorted = rounds.map((r) => r.seconds).sort((a, b) => a - b);
    figures.sidecarKillToLeaderS = sorted[1] ?? NaN;
    figures.sidecarKillToLeaderAllS = rounds.map((r) => `${r.seconds}${r.byStandby ? ' (standby)' : ' (restarted in place)'}`).join(', ');
  });

  test('a crashing Kamailio: the pod turns NotReady and leaves Bono\'s dispatcher set within seconds, then returns', async () => {
    const [victim] = await pods('sprout');
    const name = victim?.metadata?.name ?? '';
    const ip = victim?.status?.podIP ?? '';
    assert.ok((await routedSprouts()).includes(ip));
    const sipStatus = async (): Promise<{ restarts: number; running: boolean; pid: number }> => {
      const p = await core.readNamespacedPod({ name, namespace: NS });
      const c = p.status?.containerStatuses?.find((s) => s.name === SIP);
      return { restarts: c?.restartCount ?? 0, running: Boolean(c?.state?.running), pid: await containerPid(cluster.node, p, SIP) };
    };
    // The kubelet restarts a crashed container at once the first time: killed once, Kamailio is back
    // within about a second, which may be before any peer looks. Killed again right after that restart,
    // it stays down through the kubelet's crash back-off (10 s), as a Kamailio that keeps crashing does.
    const first = await sipStatus();
    const t0 = performance.now();
    process.kill(first.pid, 'SIGKILL');
    const restarted = await eventually(async () => {
      const now = await sipStatus();
      return now.restarts > first.restarts && now.running && now.pid > 0 ? now : undefined;
    }, 30_000, `${name}'s Kamailio restarted`, 50);
    process.kill(restarted.pid, 'SIGKILL');
    await eventually(async () => (ready(await core.readNamespacedPod({ name, namespace: NS })) ? undefined : true), 10_000, `${name} NotReady`, 50);
    figures.kamailioCrashToNotReadyS = seconds(t0);
    await eventually(async () => ((await routedSprouts()).includes(ip) ? undefined : true), 20_000, `${ip} out of Bono's dispatcher set`, 50);
    figures.kamailioCrashToUnroutedS = seconds(t0);
    await eventually(async () => ((await routedSprouts()).includes(ip) ? true : undefined), 90_000, `${ip} routed again after the back-off`, 250);
    figures.kamailioCrashToRoutedAgainS = seconds(t0);
  });

  test('metrics-server reports every container\'s CPU and memory, and the real HorizontalPodAutoscaler scales on them', async () => {
    // The sidecars' memory as the kubelet measures it (working set), in the pods the chart runs.
    const podCount = (await pods('sprout')).length + (await pods('bono')).length;
    const sidecarMiB = await eventually(async () => {
      const out = await tool('kubectl', ['top', 'pod', '-n', NS, '--containers', '--no-headers']).catch(() => '');
      const rows = out.split('\n').filter((l) => l.split(/\s+/)[1] === SIDECAR).map((l) => Number(/(\d+)Mi/.exec(l)?.[1]));
      return rows.length === podCount ? rows : undefined;
    }, 120_000, `kubectl top with all ${podCount} sidecars\n${cluster.logs()}`, 1000);
    assert.ok(sidecarMiB.every((m) => m > 0), sidecarMiB.join());
    figures.sidecarWorkingSetMiBMax = Math.max(...sidecarMiB);

    // The anchor of the scaling benchmarks: kube-controller-manager's HPA on metrics-server's CPU.
    const curl = cluster.images.find((i) => i.name.includes('curl'))?.name ?? '';
    await tool('kubectl', ['create', 'namespace', 'hpa']);
    await tool('kubectl', ['-n', 'hpa', 'create', 'deployment', 'burn', `--image=${curl}`, '--', '/bin/sh', '-c', 'while :; do :; done']);
    await tool('kubectl', ['-n', 'hpa', 'patch', 'deployment', 'burn', '--type', 'json', '-p', JSON.stringify([
      { op: 'add', path: '/spec/template/spec/containers/0/resources', value: { requests: { cpu: '20m' }, limits: { cpu: '200m' } } },
      { op: 'add', path: '/spec/template/spec/containers/0/imagePullPolicy', value: 'Never' },
      { op: 'add', path: '/spec/template/spec/terminationGracePeriodSeconds', value: 1 },
    ])]);
    const t0 = performance.now();
    await tool('kubectl', ['-n', 'hpa', 'autoscale', 'deployment', 'burn', '--cpu=50%', '--min=1', '--max=2']);
    await eventually(async () => (Number(await tool('kubectl', ['-n', 'hpa', 'get', 'deployment', 'burn', '-o', 'jsonpath={.spec.replicas}'])) === 2 ? true : undefined),
      180_000, 'the HPA scaling burn to 2', 1000).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await tool('kubectl', ['-n', 'hpa', 'describe', 'hpa', 'burn']).catch((d: Error) => d.message)}\n${cluster.logs()}`);
    });
    figures.hpaCreateToScaleUpS = seconds(t0);
    await tool('kubectl', ['delete', 'namespace', 'hpa', '--wait=false']);
  });

  test('stopping the cluster removes kube-proxy\'s rules and leaves the network settings as they were', async () => {
    stopped = true;
    await cluster.stop();
    const rules = (await run('iptables-save', [], { timeout: 10_000 })).stdout;
    assert.deepEqual(rules.split('\n').filter((l) => l.includes('KUBE-')), []);
    assert.deepEqual(NETWORK_SYSCTLS.map(sysctl), sysctlsBefore, NETWORK_SYSCTLS.join(', '));
  });
});
