import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { machine } from '../../bench/lib/report.js';
import { inviteCount } from '../e2e/sip-cluster.js';
import { controlPlaneBinDir } from '../support/controlplane.js';
import { kubeConfigFrom } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { startSippUac } from '../support/sipp.js';
import { startRealCluster, type RealCluster } from './cluster.js';
import { containerPid, podRpc } from './pod-process.js';
import { UAC_WITH_ROUTES } from '../chart/kamailio-pod.js';
import { Phones } from '../support/sip-phones.js';
import { bindingsIn, type Binding } from '../support/registrar.js';
import { DRAINING_ANNOTATION } from '../../agent/membership/state.js';

const NS = 'sip';
const BONO = 'sip-vnf-agent-bono';
const BONO_PORT = 5060;
/** The node's address on the bridge: kube-proxy serves node ports here only, and SIPp sends from it. */
const NODE = '10.244.0.1';
const SPROUT_PORT = 5054;
/** Registered clients spread over the Bonos before the scale-in. */
const CLIENTS = 30;
/** How long the call held through each Bono lasts, so the leaving one has a call in flight when its drain starts. */
const CALL_HOLD_MS = 5_000;
/** The leaving Bono's drain minimum (spec.drainMinimumSeconds): its clients' re-registration interval here. */
const DRAIN_MINIMUM_S = 25;

const ready = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const nodePortOf = (s: V1Service | undefined): number => s?.spec?.ports?.find((p) => p.protocol === 'UDP')?.nodePort ?? 0;

/**
 * More than one Bono, as the README says to run it: the chart with
 * bono.vnfCluster.exposure NodePort on a real kubelet, kube-proxy and
 * containerd. Each Bono pod gets its own NodePort Service; SIPp calls each
 * Bono at its own address (node address and node port), the calls are
 * answered, only that Bono relays them, and its Record-Route carries that
 * address. Figures go to VNF_REALNODE_BONO_FIGURES when set.
 */
describe('real node: each Bono at its own address (exposure NodePort)', { timeout: 30 * 60_000 }, () => {
  let cluster: RealCluster;
  let core: CoreV1Api;
  const dir = mkdtempSync(join(tmpdir(), 'vnf-bono-'));
  const figures: Record<string, unknown> = {};
  const seen = new Map<string, { created: number; address?: number; ready?: number }>();
  const tool = (name: 'helm' | 'kubectl', args: string[], timeoutMs?: number): Promise<string> => cluster.tool(name, args, timeoutMs);
  const allBonos = async (): Promise<V1Pod[]> => (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=bono' })).items;
  const bonos = async (): Promise<V1Pod[]> => (await allBonos()).filter((p) => !p.metadata?.deletionTimestamp);
  const services = async (): Promise<V1Service[]> => (await core.listNamespacedService({ namespace: NS, labelSelector: 'vnf-agent.dev/member' })).items;
  const members = async (): Promise<{ pod: string; publicAddress?: string }[]> =>
    (JSON.parse(await tool('kubectl', ['-n', NS, 'get', 'vnfcluster', BONO, '-o', 'json'])) as { status?: { members?: { pod: string; publicAddress?: string }[] } }).status?.members ?? [];
  const patchPolicy = (spec: Record<string, unknown>): Promise<string> => tool('kubectl', ['-n', NS, 'patch', 'vnfcluster', BONO, '--type', 'merge', '-p', JSON.stringify({ spec })]);
  const sproutBindings = async (): Promise<Binding[]> => {
    const sprouts = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/component=sprout' })).items;
    return bindingsIn(await Promise.all(sprouts.map(async (p) => podRpc(await containerPid(cluster.node, p, 'sip'), SPROUT_PORT, 'ul.dump'))));
  };
  const bonoInvites = async (p: V1Pod): Promise<number> => inviteCount(await podRpc(await containerPid(cluster.node, p, 'sip'), BONO_PORT, 'stats.get_statistics', ['core:']));

  /** Waits until `count` Bonos are Ready, each with its Service and its node address in status; records when each got there. */
  async function addressed(count: number): Promise<{ pod: V1Pod; address: string; nodePort: number }[]> {
    return eventually(async () => {
      const [pods, svcs, listed] = await Promise.all([bonos(), services(), members()]);
      const now = performance.now();
      const out = [];
      for (const pod of pods) {
        const name = pod.metadata?.name ?? '';
        const entry = seen.get(name) ?? { created: now - (Date.now() - new Date(pod.metadata?.creationTimestamp ?? Date.now()).getTime()) };
        const nodePort = nodePortOf(svcs.find((s) => s.metadata?.name === name));
        const address = listed.find((m) => m.pod === name)?.publicAddress;
        if (entry.address === undefined && nodePort > 0 && address === `${NODE}:${nodePort}`) entry.address = now;
        if (entry.ready === undefined && ready(pod)) entry.ready = now;
        seen.set(name, entry);
        if (entry.address !== undefined && entry.ready !== undefined) out.push({ pod, address: address ?? '', nodePort });
      }
      return pods.length === count && out.length === count ? out : undefined;
    }, 240_000, `${count} Bonos Ready, each with its own address\n${cluster.logs()}`, 250);
  }

  /**
   * Calls through each Bono's own address, from SIPp's uac (ignores Record-Route) and from a client that
   * follows it as a phone does: all answered and ended, relayed by that Bono alone, record-routed with that address.
   */
  async function callEach(label: string, list: { pod: V1Pod; address: string; nodePort: number }[]): Promise<void> {
    const scenario = join(dir, 'uac-routes.xml');
    writeFileSync(scenario, UAC_WITH_ROUTES);
    const escaped = (a: string): string => a.replace(/\./g, '\\.');
    for (const target of list) {
      const before = await Promise.all(list.map((b) => bonoInvites(b.pod)));
      for (const [kind, scenarioFile] of [['uac', undefined], ['routes', scenario]] as const) {
        const file = (what: string): string => join(dir, `${label}-${target.nodePort}-${kind}-${what}.log`);
        const sipp = await startSippUac({
          target: target.address, localHost: NODE, calls: 5, rate: 10, holdMs: 200, errorFile: file('errors'), messageFile: file('messages'), ...(scenarioFile ? { scenarioFile } : {}),
        });
        const { code, stdout } = await sipp.exited(90_000);
        assert.equal(code, 0, `${kind} calls through ${target.address}: ${stdout.slice(-1500)}`);
        const messages = readFileSync(file('messages'), 'utf8');
        assert.match(messages, new RegExp(`^Record-Route: <sip:${escaped(target.address)};`, 'm'), `${kind}: Record-Route carries the Bono's own address`);
        if (scenarioFile) assert.match(messages, new RegExp(`^Route: <sip:${escaped(target.address)};`, 'm'), 'the client routed its ACK and BYE by it');
      }
      const got = (await Promise.all(list.map((b) => bonoInvites(b.pod)))).map((n, i) => n - (before[i] ?? 0));
      assert.deepEqual(got, list.map((b) => (b === target ? 10 : 0)), `INVITEs per Bono for ${target.address}`);
    }
  }

  before(async () => {
    Object.assign(figures, { machine: machine() });
    cluster = await startRealCluster({ binDir: controlPlaneBinDir() });
    core = kubeConfigFrom(cluster.kubeconfigPath).makeApiClient(CoreV1Api);
  });

  after(async () => {
    const spans = [...seen.values()].filter((e) => e.address !== undefined && e.ready !== undefined);
    Object.assign(figures, {
      podCreatedToAddressS: spans.map((e) => Math.round((e.address ?? 0) - e.created) / 1000),
      addressToReadyS: spans.map((e) => Math.round((e.ready ?? 0) - (e.address ?? 0)) / 1000),
    });
    process.stdout.write(`real-node bono figures: ${JSON.stringify(figures)}\n`);
    if (process.env.VNF_REALNODE_BONO_FIGURES) writeFileSync(process.env.VNF_REALNODE_BONO_FIGURES, `${JSON.stringify(figures, null, 2)}\n`);
    await cluster?.stop();
  });

  test('two Bonos: each has its own NodePort Service and address, and calls through each address are answered', async () => {
    await tool('helm', ['install', 'sip', 'charts/vnf-agent', '-n', NS, '--create-namespace',
      '--set', 'bono.vnfCluster.exposure.type=NodePort', '--set', 'bono.vnfCluster.minReplicas=2', '--set', 'bono.vnfCluster.maxReplicas=3']);
    const two = await addressed(2);
    assert.equal(new Set(two.map((b) => b.nodePort)).size, 2, 'two node ports');
    await callEach('two', two);
  });

  test('three Bonos: a raised floor adds one with its own address, and calls through each of the three are answered', async () => {
    await patchPolicy({ minReplicas: 3 });
    const three = await addressed(3);
    assert.equal(new Set(three.map((b) => b.nodePort)).size, 3, 'three node ports');
    await callEach('three', three);
  });

  test('scale-in: the leaving Bono drains for its drain minimum, turns registrations away to the others while its calls end, keeps its Service through its drain, and the Service goes with the pod', async () => {
    const three = await addressed(3);
    const addresses = three.map((b) => b.address);
    const phones = new Phones({ localHost: NODE, expiresS: 120, dir });
    await phones.register(Array.from({ length: CLIENTS }, (_, i) => `phone${i}`), addresses, 'before-scale-in');
    assert.equal((await sproutBindings()).length, CLIENTS, 'one binding per client at the Sprouts');
    // A call up through each Bono: whichever leaves has one in flight when its drain starts.
    const calls = await Promise.all(three.map((b, i) => startSippUac({ target: b.address, localHost: NODE, calls: 1, rate: 1, holdMs: CALL_HOLD_MS, errorFile: join(dir, `hold-${i}-errors.log`) })));

    const known = new Set((await bonos()).map((p) => p.metadata?.name));
    await patchPolicy({ minReplicas: 2, maxReplicas: 2, drainMinimumSeconds: DRAIN_MINIMUM_S });
    // The leader drains its victim first (the pod is marked) and deletes it only once drained.
    const leaving = await eventually(async () => (await allBonos()).find((p) => p.metadata?.annotations?.[DRAINING_ANNOTATION] !== undefined && known.has(p.metadata.name)), 120_000, 'a Bono draining', 100);
    const drainSeenAt = performance.now();
    const name = leaving.metadata?.name ?? '';
    const leavingAt = three.find((b) => b.pod.metadata?.name === name)?.address ?? '';
    const podIp = leaving.status?.podIP ?? '';
    const clientsThere = [...phones.proxies().values()].filter((a) => a === leavingAt).length;
    // Its sidecar tells its Kamailio once the drain starts (drainNotice); the clients' next refresh is refused there.
    await eventually(async () => (JSON.stringify(await podRpc(await containerPid(cluster.node, leaving, 'sip'), BONO_PORT, 'pv.shvGet', ['draining'])).includes('"value":1') ? true : undefined),
      30_000, `${name}'s Kamailio told it is leaving`, 200);
    await phones.refresh(addresses, 'during-drain');
    assert.deepEqual(phones.moved, { refused: clientsThere, lost: 0 }, `the ${clientsThere} clients of ${name} refused there and registered through another Bono`);
    const moved = await sproutBindings();
    assert.equal(moved.length, CLIENTS, 'still one binding per client');
    assert.equal(moved.filter((b) => b.path.includes(`${podIp}:`)).length, 0, `no binding left through ${name} (${podIp}) while it drains`);
    assert.ok((await services()).some((s) => s.metadata?.name === name), `${name}'s Service is kept while it drains`);

    await eventually(async () => ((await allBonos()).find((p) => p.metadata?.name === name)?.metadata?.deletionTimestamp ? true : undefined), 180_000, `${name} deleted after its drain`, 250);
    const drainedS = (performance.now() - drainSeenAt) / 1000;
    assert.ok(drainedS >= DRAIN_MINIMUM_S - 5, `${name} drained for its drain minimum (${DRAIN_MINIMUM_S} s), though idle after ${CALL_HOLD_MS / 1000} s: ${drainedS} s`);
    figures.leavingBonoDrainS = Math.round(drainedS * 10) / 10;
    await eventually(async () => ((await allBonos()).some((p) => p.metadata?.name === name) ? undefined : true), 60_000, `${name} gone`, 250);
    await eventually(async () => ((await services()).some((s) => s.metadata?.name === name) ? undefined : true), 60_000, `${name}'s Service gone`, 250);
    for (const [i, sipp] of calls.entries()) {
      const { code, stdout } = await sipp.exited(CALL_HOLD_MS + 60_000);
      assert.equal(code, 0, `the call held through Bono ${three[i]?.address} ended normally\n${stdout.slice(-1_000)}`);
    }
    const two = await addressed(2);
    // One re-registration period after the drain: every client refreshes where it is now, and none had to move again.
    await phones.refresh(two.map((b) => b.address), 'after-scale-in');
    assert.deepEqual(phones.moved, { refused: clientsThere, lost: 0 }, 'no client was still registered through the gone Bono');
    const after = await sproutBindings();
    assert.equal(after.length, CLIENTS, 'one binding per client after the re-registration period');
    assert.equal(after.filter((b) => b.path.includes(`${podIp}:`)).length, 0, `0 registered clients left behind on ${leavingAt}`);
    figures.registrationsMovedFromLeavingBono = clientsThere;
    await callEach('after-scale-in', two);
  });
});
