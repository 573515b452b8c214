import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exposedPorts, exposureOf, planServices, serviceName, type MemberPod } from '../../agent/exposure/plan.js';
import { reachableAddress } from '../../agent/exposure/address.js';
import { MANAGED_ANNOTATIONS, type MemberService } from '../../agent/exposure/ports.js';
import type { Exposure } from '../../agent/model/vnfcluster.js';

const NODE_PORT: Exposure = { type: 'NodePort', annotations: {}, ports: [] };
const SIP = exposedPorts(NODE_PORT, 5060).map((p, i) => ({ ...p, nodePort: 30000 + i }));

function svc(member: string, over: Partial<MemberService> = {}): MemberService {
  return { name: member, member, type: 'NodePort', ports: SIP, annotations: { [MANAGED_ANNOTATIONS]: '' }, ingress: [], ownerUid: `uid-${member}`, version: '7', ...over };
}
const member = (name: string, uid = `uid-${name}`): MemberPod => ({ name, uid });
const summary = (actions: ReturnType<typeof planServices>): string[] =>
  actions.map((a) => (a.kind === 'delete' ? `delete ${a.name}@${a.version}` : a.kind === 'update' ? `update ${a.spec.name}@${a.version}: ${a.why}` : `create ${a.spec.name} ${a.spec.type}`));

const plans: { name: string; exposure: Exposure; pods: MemberPod[]; existing: MemberService[]; want: string[] }[] = [
  { name: 'None and no Services: nothing', exposure: exposureOf({}), pods: [member('bono-a')], existing: [], want: [] },
  { name: 'a Service for each member that has none', exposure: NODE_PORT, pods: [member('bono-a'), member('bono-b')], existing: [svc('bono-a')], want: ['create bono-b NodePort'] },
  { name: 'nothing while every Service is as the spec says', exposure: NODE_PORT, pods: [member('bono-a')], existing: [svc('bono-a')], want: [] },
  { name: 'a pod without a uid yet waits (no owner to name)', exposure: NODE_PORT, pods: [member('bono-a', '')], existing: [], want: [] },
  { name: 'the Service of a gone pod is deleted at the version listed', exposure: NODE_PORT, pods: [member('bono-b')], existing: [svc('bono-a'), svc('bono-b')], want: ['delete bono-a@7'] },
  {
    name: 'a new pod of the same name: the old Service goes first, and is created for it next pass',
    exposure: NODE_PORT, pods: [member('bono-a', 'uid-new')], existing: [svc('bono-a')], want: ['delete bono-a@7'],
  },
  {
    name: 'type change NodePort -> LoadBalancer is an update',
    exposure: { ...NODE_PORT, type: 'LoadBalancer' }, pods: [member('bono-a')], existing: [svc('bono-a')], want: ['update bono-a@7: type NodePort -> LoadBalancer'],
  },
  {
    name: 'a new annotation is an update',
    exposure: { ...NODE_PORT, annotations: { 'lb.example/internal': 'true' } }, pods: [member('bono-a')], existing: [svc('bono-a')], want: ['update bono-a@7: annotations lb.example/internal'],
  },
  {
    name: 'an annotation dropped from the spec is an update (and removed)',
    exposure: NODE_PORT, pods: [member('bono-a')], existing: [svc('bono-a', { annotations: { [MANAGED_ANNOTATIONS]: 'x', x: '1' } })], want: ['update bono-a@7: annotations x'],
  },
  {
    name: 'annotations someone else put on the Service are left alone',
    exposure: NODE_PORT, pods: [member('bono-a')], existing: [svc('bono-a', { annotations: { [MANAGED_ANNOTATIONS]: '', 'other/tool': 'y' } })], want: [],
  },
  {
    name: 'ports from the spec replace the SIP defaults',
    exposure: { ...NODE_PORT, ports: [{ name: 'sip-tcp', port: 5061, protocol: 'TCP' }] }, pods: [member('bono-a')], existing: [svc('bono-a')],
    want: ['update bono-a@7: ports sip-udp/5060/UDP,sip-tcp/5060/TCP -> sip-tcp/5061/TCP'],
  },
  { name: 'exposure None removes every member Service', exposure: exposureOf({}), pods: [member('bono-a')], existing: [svc('bono-a')], want: ['delete bono-a@7'] },
];
for (const row of plans) {
  test(`member Services: ${row.name}`, () => {
    assert.deepEqual(summary(planServices('bono', row.exposure, 5060, row.pods, row.existing)), row.want);
  });
}

test('member Services: a created Service selects its pod, is owned by it, and carries the SIP ports over UDP and TCP by default', () => {
  const [action] = planServices('bono', NODE_PORT, 5060, [member('bono-a')], []);
  assert.equal(action?.kind, 'create');
  assert.deepEqual(action.kind === 'create' ? action.spec : undefined, {
    name: 'bono-a', cluster: 'bono', member: 'bono-a', ownerUid: 'uid-bono-a', type: 'NodePort', annotations: {}, dropAnnotations: [],
    ports: [{ name: 'sip-udp', port: 5060, protocol: 'UDP' }, { name: 'sip-tcp', port: 5060, protocol: 'TCP' }],
  });
});

test('serviceName: the pod name when it is a valid Service name, else a stable prefix and hash of at most 63 characters', () => {
  assert.equal(serviceName('vnf-bono-6d5f7c9b8-x2k4q'), 'vnf-bono-6d5f7c9b8-x2k4q');
  const long = `bono.${'a'.repeat(80)}`;
  assert.match(serviceName(long), /^bono-a+-[0-9a-f]{10}$/);
  assert.ok(serviceName(long).length <= 63);
  assert.equal(serviceName(long), serviceName(long));
  assert.notEqual(serviceName(long), serviceName(`${long}b`));
  assert.match(serviceName('0pod'), /^pod-[0-9a-f]{10}$/);
});

const addresses: { name: string; service: MemberService | undefined; node: string; want: string }[] = [
  { name: 'no Service yet', service: undefined, node: '10.0.0.5', want: 'waiting: its member Service does not exist yet (the leader creates it)' },
  { name: 'NodePort: node address and the first port\'s node port', service: svc('a'), node: '10.0.0.5', want: '10.0.0.5:30000' },
  { name: 'NodePort on an IPv6 node', service: svc('a'), node: 'fd00::5', want: '[fd00::5]:30000' },
  { name: 'NodePort without a node address', service: svc('a'), node: '', want: 'waiting: the node address is not known yet (the pod has no hostIP)' },
  { name: 'NodePort before allocation', service: svc('a', { ports: SIP.map((p) => ({ ...p, nodePort: 0 })) }), node: '10.0.0.5', want: 'waiting: Service a has no node port yet' },
  { name: 'LoadBalancer: the first ingress and the Service port', service: svc('a', { type: 'LoadBalancer', ingress: ['203.0.113.7', 'lb.example'] }), node: '10.0.0.5', want: '203.0.113.7:5060' },
  { name: 'LoadBalancer with a hostname', service: svc('a', { type: 'LoadBalancer', ingress: ['lb.example'] }), node: '', want: 'lb.example:5060' },
  { name: 'LoadBalancer before the cloud answered', service: svc('a', { type: 'LoadBalancer' }), node: '10.0.0.5', want: 'waiting: Service a has no load balancer ingress yet' },
  { name: 'ClusterIP (someone changed it)', service: svc('a', { type: 'ClusterIP' }), node: '10.0.0.5', want: "waiting: Service a is of type ClusterIP; the leader changes it to the spec's type" },
];
for (const row of addresses) {
  test(`reachable address: ${row.name}`, () => {
    const got = reachableAddress(row.service, row.node);
    assert.equal('address' in got ? got.address : `waiting: ${got.waiting}`, row.want);
  });
}
