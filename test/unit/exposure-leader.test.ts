import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderServices } from '../../agent/exposure/leader-services.js';
import type { Exposure, VnfCluster } from '../../agent/model/vnfcluster.js';
import type { PodFacts } from '../../agent/membership/state.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeFence } from '../support/scaler-fakes.js';
import { FakeServices } from '../support/exposure-fakes.js';
import { pod } from '../support/membership-fakes.js';

function vc(exposure: Partial<Exposure> | null = {}): VnfCluster {
  return {
    apiVersion: 'vnf-agent.dev/v1alpha1', kind: 'VnfCluster', metadata: { name: 'bono', resourceVersion: '1' },
    spec: { targetRef: { name: 'bono' }, selector: { matchLabels: { app: 'bono' } }, ...(exposure ? { exposure: { type: 'NodePort', annotations: {}, ports: [], ...exposure } } : {}) } as unknown as VnfCluster['spec'],
  };
}
const member = (name: string, over: Partial<PodFacts> = {}): PodFacts => pod(name, { process: { name, uid: `uid-${name}`, deleting: false, containers: [] }, ...over });

function setup(allowed?: ConstructorParameters<typeof FakeServices>[0]) {
  const services = new FakeServices(allowed);
  const fence = new FakeFence();
  const leader = new LeaderServices({ clock: new FakeClock(), services, fence: fence.fence, apiTimeoutMs: 1000, sipPort: 5060 });
  return { services, fence, leader, signal: new AbortController().signal };
}

test('leader Services: exposure None never calls the API (a fake that allows nothing bites)', async () => {
  const { leader, services, signal } = setup(new Set());
  assert.equal(await leader.pass(vc(null), [member('bono-a')], signal), undefined);
  assert.deepEqual(services.calls, []);
});

test('leader Services: one Service per member, each request fenced; an unchanged cluster only lists', async () => {
  const { leader, services, fence, signal } = setup();
  const said = await leader.pass(vc(), [member('bono-a'), member('bono-b')], signal);
  assert.equal(said, 'create NodePort Service bono-a for bono-a; create NodePort Service bono-b for bono-b');
  assert.deepEqual(services.calls, ['list bono', 'create bono-a', 'create bono-b']);
  assert.equal(fence.calls, 4, 'the term read once, then each of the 3 requests fenced');
  assert.equal(await leader.pass(vc(), [member('bono-a'), member('bono-b')], signal), undefined);
  assert.deepEqual(services.calls.slice(3), ['list bono']);
});

test('leader Services: after a pass with nothing to do, the same spec, members and term skip the list until the resync period', async () => {
  const services = new FakeServices();
  const fence = new FakeFence();
  const clock = new FakeClock();
  const leader = new LeaderServices({ clock, services, fence: fence.fence, apiTimeoutMs: 1000, sipPort: 5060, resyncMs: 30_000 });
  const signal = new AbortController().signal;
  const two = [member('bono-a'), member('bono-b')];
  await leader.pass(vc(), two, signal);
  await leader.pass(vc(), two, signal);
  const lists = (): number => services.calls.filter((c) => c.startsWith('list')).length;
  assert.equal(lists(), 2, 'the pass after the creates lists, and finds nothing to do');
  clock.jump(29_999);
  assert.equal(await leader.pass(vc(), two, signal), undefined);
  assert.equal(lists(), 2, 'nothing changed: no list');
  clock.jump(1);
  await leader.pass(vc(), two, signal);
  assert.equal(lists(), 3, 'the resync period passed: listed again');
  await leader.pass(vc(), [...two, member('bono-c')], signal);
  assert.equal(lists(), 4, 'a new member: listed (and its Service created)');
  assert.ok(services.items.has('bono-c'));
  await leader.pass(vc(), [...two, member('bono-c')], signal);
  await leader.pass(vc(), [...two, member('bono-c')], signal);
  assert.equal(lists(), 5);
  fence.term = 2;
  await leader.pass(vc(), [...two, member('bono-c')], signal);
  assert.equal(lists(), 6, 'a new term (another leader may have written since): listed');
  await leader.pass(vc({ annotations: { lb: 'internal' } }), [...two, member('bono-c')], signal);
  assert.equal(lists(), 7, 'a changed spec: listed');
});

test('leader Services: a leaving member keeps its Service (its clients re-register elsewhere); it goes once the pod is gone', async () => {
  const { leader, services, signal } = setup();
  await leader.pass(vc(), [member('bono-a'), member('bono-b')], signal);
  const leaving = member('bono-b', { drainingAnnotation: true, deleting: true });
  assert.equal(await leader.pass(vc(), [member('bono-a'), leaving], signal), undefined);
  assert.ok(services.items.has('bono-b'));
  const version = services.items.get('bono-b')?.version;
  assert.equal(await leader.pass(vc(), [member('bono-a')], signal), 'delete Service bono-b (bono-b is gone)');
  assert.equal(services.calls.at(-1), `remove bono-b@${version}`);
  assert.deepEqual([...services.items.keys()], ['bono-a']);
});

test('leader Services: not leading, nothing is sent (fence refuses before the list)', async () => {
  const { leader, services, fence, signal } = setup();
  fence.lose();
  assert.match((await leader.pass(vc(), [member('bono-a')], signal)) ?? '', /^could not list member Services: .*lease/);
  assert.deepEqual(services.calls, []);
});

test('leader Services: a duplicate create (another leader made it) fails with 409 and ends the pass; the next pass updates nothing it need not', async () => {
  const { leader, services, signal } = setup();
  const raced = new FakeServices();
  // The list happens before the other leader's create lands: the plan says create, the API says 409.
  services.list = async (cluster) => {
    const items = await raced.list(cluster);
    services.seed({ name: 'bono-a', member: 'bono-a', type: 'NodePort', ports: [{ name: 'sip-udp', port: 5060, protocol: 'UDP', nodePort: 31000 }, { name: 'sip-tcp', port: 5060, protocol: 'TCP', nodePort: 31001 }], annotations: { 'vnf-agent.dev/exposure-annotations': '' }, ingress: [], ownerUid: 'uid-bono-a' });
    return items;
  };
  assert.match((await leader.pass(vc(), [member('bono-a'), member('bono-b')], signal)) ?? '', /^could not create NodePort Service bono-a for bono-a: .*modified$/);
  assert.deepEqual(services.calls, ['create bono-a']);
});

test('leader Services: an update at a version someone moved loses (409); the next pass reads again and lands', async () => {
  const { leader, services, signal } = setup();
  await leader.pass(vc(), [member('bono-a')], signal);
  const lb = vc({ type: 'LoadBalancer', annotations: { 'lb.example/internal': 'true' } });
  const list = services.list.bind(services);
  services.list = async (cluster) => {
    const items = await list(cluster);
    services.touch('bono-a');
    return items;
  };
  assert.match((await leader.pass(lb, [member('bono-a')], signal)) ?? '', /^could not update Service bono-a \(type NodePort -> LoadBalancer\)/);
  services.list = list;
  assert.equal(await leader.pass(lb, [member('bono-a')], signal), 'update Service bono-a (type NodePort -> LoadBalancer)');
  const stored = services.items.get('bono-a');
  assert.equal(stored?.type, 'LoadBalancer');
  assert.equal(stored?.annotations['lb.example/internal'], 'true');
  assert.deepEqual(stored?.ports.map((p) => p.nodePort), [30000, 30001], 'node ports kept');
});

test('leader Services: exposure turned None removes the Services once, then stops listing', async () => {
  const { leader, services, signal } = setup();
  await leader.pass(vc(), [member('bono-a')], signal);
  assert.equal(await leader.pass(vc(null), [member('bono-a')], signal), 'delete Service bono-a (exposure is None)');
  const calls = services.calls.length;
  assert.equal(await leader.pass(vc(null), [member('bono-a')], signal), undefined);
  assert.equal(services.calls.length, calls);
});
