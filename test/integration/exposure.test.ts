import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';
import { readAudit, type AuditEntry } from '../support/controlplane.js';
import { deleteNamespaceAndPods, freshNamespace, kubeConfigFrom, rawRequest } from '../support/kube.js';
import { eventually } from '../support/process.js';
import { createVnfCluster, sidecarIdentity } from '../support/sidecars.js';
import { removeScratchDir } from '../support/scratch.js';
import { MEMBER_LABEL } from '../../agent/exposure/ports.js';
import { bonoKamailioConfig } from '../../sim/kamailio/config.js';
import { httpExchange } from '../../agent/net/http.js';
import { VNF_GROUP, VNF_PLURAL, VNF_VERSION, type VnfCluster } from '../../agent/model/vnfcluster.js';

/**
 * spec.exposure on the real API server (and its garbage collector), with the
 * simulated kubelet running each pod's sidecar (hostIP 127.0.0.1): the leader
 * keeps one Service per member pod, each sidecar finds its own address and
 * publishes it, and Services follow spec changes and go after their pods.
 */
const AGENT_PORT = 8686;
const downward = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

describe('member Services (spec.exposure) on the real API server', { timeout: 240_000 }, () => {
  let kc: KubeConfig;
  let ns: string;
  let dir: string;
  let stopLb: (() => void) | undefined;
  const figures: Record<string, number[]> = { createdToAddressMs: [], createdToReadyMs: [] };

  const core = () => kc.makeApiClient(CoreV1Api);
  const custom = () => kc.makeApiClient(CustomObjectsApi);
  const pods = async (): Promise<V1Pod[]> => (await core().listNamespacedPod({ namespace: ns, labelSelector: 'app=bono' })).items;
  const services = async (): Promise<V1Service[]> => (await core().listNamespacedService({ namespace: ns, labelSelector: MEMBER_LABEL })).items;
  const cluster = async (): Promise<VnfCluster> =>
    (await custom().getNamespacedCustomObject({ group: VNF_GROUP, version: VNF_VERSION, plural: VNF_PLURAL, namespace: ns, name: 'bono' })) as VnfCluster;
  const patchExposure = (exposure: Record<string, unknown>) =>
    rawRequest(kc, 'PATCH', `/apis/${VNF_GROUP}/${VNF_VERSION}/namespaces/${ns}/${VNF_PLURAL}/bono`, { spec: { exposure } }, 'application/merge-patch+json');
  /** The address a pod's Kamailio record-routes with ($shv(public_address), JSON-RPC pv.shvGet). node:http: fetch refuses port 5060. */
  const shv = async (ip: string): Promise<string> => {
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'pv.shvGet', params: ['public_address'], id: 1 });
    const reply = await httpExchange(`http://${ip}:5060/RPC`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }, 2000);
    return JSON.stringify(JSON.parse(reply.body)).match(/"value":"([^"]*)"/)?.[1] ?? reply.body;
  };
  const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

  before(async () => {
    kc = kubeConfigFrom(await sharedKubeconfig());
    ns = await freshNamespace(kc, 'exposure');
    dir = mkdtempSync(join(tmpdir(), 'vnf-exposure-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'exposure-token\n');
    const listFile = join(dir, 'dispatcher.list');
    writeFileSync(listFile, '# no Sprouts here\n');
    const bonoCfg = join(dir, 'bono.cfg');
    writeFileSync(bonoCfg, bonoKamailioConfig(listFile));
    const runDir = join(dir, 'run');
    await createVnfCluster(kc, ns, 'bono', { role: 'bono', minReplicas: 1, maxReplicas: 3, paused: true, drainTimeoutSeconds: 3, exposure: { type: 'NodePort' } });
    const kubeconfig = await sidecarIdentity(kc, ns, 'bono', dir);
    // The rule the chart adds when exposure is on (charts/vnf-agent/templates/role.yaml).
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'services' }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'create', 'patch', 'delete'] }] } });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: { metadata: { name: 'services' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'services' }, subjects: [{ kind: 'ServiceAccount', name: 'bono', namespace: ns }] },
    });
    const env = [
      downward('VNF_AGENT_POD_NAME', 'metadata.name'), downward('VNF_AGENT_POD_NAMESPACE', 'metadata.namespace'), downward('VNF_AGENT_POD_IP', 'status.podIP'),
      { name: 'VNF_AGENT_CLUSTER', value: 'bono' }, { name: 'VNF_AGENT_HTTP_HOST', value: '$(VNF_AGENT_POD_IP)' }, { name: 'VNF_AGENT_SIP_PORT', value: '5060' },
      { name: 'VNF_AGENT_KUBECONFIG', value: kubeconfig }, { name: 'VNF_AGENT_TOKEN_FILE', value: tokenFile }, { name: 'VNF_AGENT_SIGNAL_SOURCES', value: 'sip-options' },
      { name: 'VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS', value: 'udp' },
      // The sidecar tells its Kamailio the address (JSON-RPC pv.shvSet), as the chart's Bono does.
      { name: 'VNF_AGENT_PUBLIC_ADDRESS_RELOAD', value: 'kamailio-rpc' },
      { name: 'VNF_AGENT_PUBLIC_ADDRESS_RELOAD_URL', value: 'http://$(VNF_AGENT_POD_IP):5060/RPC' },
    ];
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'bono', labels: { app: 'bono' } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'bono' } },
          template: {
            metadata: { labels: { app: 'bono' } },
            spec: {
              terminationGracePeriodSeconds: 30,
              containers: [{
                name: 'sip', image: 'busybox', command: ['sh', '-c'],
                args: [`mkdir -p ${runDir}/$(POD_NAME) && exec /usr/sbin/kamailio -f ${bonoCfg} -DD -E -m 32 -M 8 -Y ${runDir}/$(POD_NAME) -P ${runDir}/$(POD_NAME)/pid -l udp:$(POD_IP):5060 -l tcp:$(POD_IP):5060`],
                env: [downward('POD_NAME', 'metadata.name'), downward('POD_IP', 'status.podIP')],
              }, {
                name: 'vnf-agent', image: 'vnf-agent', args: ['run'], env,
                readinessProbe: { httpGet: { path: '/readyz', port: AGENT_PORT }, periodSeconds: 1 },
                lifecycle: { preStop: { httpGet: { path: '/drain?wait=true', port: AGENT_PORT } } },
              }],
            },
          },
        },
      },
    });
  });

  after(async () => {
    stopLb?.();
    await deleteNamespaceAndPods(kc, ns);
    await stopOwnControlPlane();
    removeScratchDir(dir);
    process.stdout.write(`# exposure figures: ${JSON.stringify(figures)}\n`);
  });

  test('NodePort: each member gets its own Service, owned by its pod and selecting only it, and its address in status', async () => {
    const seen = new Map<string, { created: number; address?: number; ready?: number }>();
    const members = await eventually(async () => {
      const [list, vc] = await Promise.all([pods(), cluster()]);
      const now = Date.now();
      for (const p of list) {
        const name = p.metadata?.name ?? '';
        const entry = seen.get(name) ?? { created: new Date(p.metadata?.creationTimestamp ?? now).getTime() };
        if (entry.address === undefined && vc.status?.members?.some((m) => m.pod === name && m.publicAddress)) entry.address = now;
        if (entry.ready === undefined && ready(p)) entry.ready = now;
        seen.set(name, entry);
      }
      const done = list.length === 2 && list.every((p) => { const e = seen.get(p.metadata?.name ?? ''); return e?.address !== undefined && e.ready !== undefined; });
      return done ? { list, vc } : undefined;
    }, 90_000, 'two Ready members with a public address in status', 100);
    for (const e of seen.values()) {
      figures.createdToAddressMs!.push((e.address ?? 0) - e.created);
      figures.createdToReadyMs!.push((e.ready ?? 0) - e.created);
    }
    const svcs = await services();
    assert.equal(svcs.length, 2);
    for (const p of members.list) {
      const name = p.metadata?.name ?? '';
      assert.equal(p.metadata?.labels?.[MEMBER_LABEL], name, 'the sidecar labelled its own pod');
      const s = svcs.find((x) => x.metadata?.name === name);
      assert.ok(s, `a Service named after ${name}`);
      assert.equal(s.spec?.type, 'NodePort');
      assert.deepEqual(s.spec?.selector, { [MEMBER_LABEL]: name });
      assert.deepEqual(s.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid]), [['Pod', name, p.metadata?.uid]]);
      assert.deepEqual(s.spec?.ports?.map((x) => `${x.name}/${x.port}/${x.protocol}`), ['sip-udp/5060/UDP', 'sip-tcp/5060/TCP']);
      const nodePort = s.spec?.ports?.[0]?.nodePort;
      assert.ok(nodePort && nodePort > 0);
      const member = members.vc.status?.members?.find((m) => m.pod === name);
      assert.equal(member?.publicAddress, `127.0.0.1:${nodePort}`, 'hostIP and the node port');
      assert.equal(await shv(p.status?.podIP ?? ''), `127.0.0.1:${nodePort}`, 'and its Kamailio was told');
    }
  });

  test('update: annotations and then the type follow the spec; for LoadBalancer a test-only controller plays the cloud and sets the ingress', async () => {
    assert.equal((await patchExposure({ annotations: { 'lb.example/internal': 'true' } })).status, 200);
    await eventually(async () => {
      const svcs = await services();
      return svcs.length === 2 && svcs.every((s) => s.metadata?.annotations?.['lb.example/internal'] === 'true') ? svcs : undefined;
    }, 30_000, 'the annotation on both Services');
    // No cloud here: this loop stands in for a cloud controller and gives each LoadBalancer Service an ingress IP.
    let n = 10;
    let running = true;
    stopLb = () => (running = false);
    void (async () => {
      while (running) {
        for (const s of await services().catch(() => [])) {
          if (s.spec?.type === 'LoadBalancer' && !s.status?.loadBalancer?.ingress?.length) {
            await rawRequest(kc, 'PATCH', `/api/v1/namespaces/${ns}/services/${s.metadata?.name}/status`, { status: { loadBalancer: { ingress: [{ ip: `198.51.100.${n++}` }] } } }, 'application/merge-patch+json');
          }
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    assert.equal((await patchExposure({ type: 'LoadBalancer' })).status, 200);
    const vc = await eventually(async () => {
      const v = await cluster();
      const addresses = v.status?.members?.map((m) => m.publicAddress ?? '') ?? [];
      return addresses.length === 2 && addresses.every((a) => /^198\.51\.100\.\d+:5060$/.test(a)) ? v : undefined;
    }, 60_000, 'both members at their load balancer ingress');
    const svcs = await services();
    for (const m of vc.status?.members ?? []) {
      const s = svcs.find((x) => x.metadata?.name === m.pod);
      assert.equal(s?.spec?.type, 'LoadBalancer');
      assert.equal(m.publicAddress, `${s?.status?.loadBalancer?.ingress?.[0]?.ip}:5060`);
      const ip = (await pods()).find((p) => p.metadata?.name === m.pod)?.status?.podIP ?? '';
      assert.equal(await shv(ip), m.publicAddress, 'its Kamailio record-routes the new address');
    }
    stopLb();
  });

  test('delete: a leaving member keeps its Service while it drains; it goes with the pod', async () => {
    const scaled = await rawRequest(kc, 'PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/bono/scale`, { spec: { replicas: 1 } }, 'application/merge-patch+json');
    assert.equal(scaled.status, 200, scaled.body);
    const leaving = await eventually(async () => (await pods()).find((p) => p.metadata?.deletionTimestamp), 30_000, 'a terminating pod');
    const name = leaving.metadata?.name ?? '';
    assert.ok((await services()).some((s) => s.metadata?.name === name), 'its Service is kept while it drains');
    await eventually(async () => ((await pods()).length === 1 ? true : undefined), 60_000, 'the pod to be gone');
    await eventually(async () => ((await services()).every((s) => s.metadata?.name !== name) ? true : undefined), 30_000, `the Service ${name} to be gone after its pod`);
    assert.equal((await services()).length, 1);
  });

  test('exposure None removes the member Services and the pod stays Ready', async () => {
    assert.equal((await patchExposure({ type: 'None' })).status, 200);
    await eventually(async () => ((await services()).length === 0 ? true : undefined), 30_000, 'no member Services');
    const list = await pods();
    assert.equal(list.length, 1);
    assert.ok(ready(list[0]!));
  });

  test('only the leader wrote the member Services: each write came from the pod whose Lease write preceded it (audit log, User-Agent)', async () => {
    // The sidecars' own writes (the test's load balancer stand-in writes Service status as admin).
    const audit = readAudit(await sharedKubeconfig())
      .filter((e) => e.objectRef?.namespace === ns && e.user.username === `system:serviceaccount:${ns}:bono` && (e.responseStatus?.code ?? 0) < 300);
    // The sidecars share the ServiceAccount; their User-Agent (vnf-agent/<version> (<pod>)) names the pod.
    const sender = (e: AuditEntry): string => /^vnf-agent\/\S+ \((.+)\)$/.exec(e.userAgent ?? '')?.[1] ?? `not a sidecar: ${e.userAgent}`;
    const leaseWrites = audit.filter((e) => e.objectRef?.resource === 'leases' && e.objectRef.name === 'bono-leader' && ['create', 'update'].includes(e.verb));
    const serviceWrites = audit.filter((e) => e.objectRef?.resource === 'services' && ['create', 'update', 'patch', 'delete'].includes(e.verb));
    assert.ok(serviceWrites.length >= 4, `the member Services were created, updated and deleted (${serviceWrites.length} writes)`);
    assert.ok(new Set(leaseWrites.map(sender)).size >= 1);
    for (const write of serviceWrites) {
      const at = new Date(write.requestReceivedTimestamp).getTime();
      const holder = leaseWrites.filter((l) => new Date(l.stageTimestamp).getTime() <= at).at(-1);
      assert.ok(holder, `a Lease write before ${write.verb} ${write.objectRef?.name}`);
      assert.match(sender(write), /^bono-/, 'the User-Agent names a pod');
      assert.equal(sender(write), sender(holder), `${write.verb} ${write.objectRef?.name}/${write.objectRef?.subresource ?? ''} at ${write.requestReceivedTimestamp} by the Lease's last writer`);
    }
  });
});
