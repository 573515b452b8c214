import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SelfExposure, type PodLabels } from '../../agent/exposure/self-exposure.js';
import { renderAddress, type AddressApplier, type PublicAddress } from '../../agent/exposure/apply.js';
import { MEMBER_LABEL, PUBLIC_ADDRESS_ANNOTATION } from '../../agent/exposure/ports.js';
import type { PodFacts } from '../../agent/membership/state.js';
import type { VnfCluster } from '../../agent/model/vnfcluster.js';
import type { PodAnnotations, PodReading } from '../../agent/scaling/pod-marks.js';
import { FakeClock } from '../support/fake-clock.js';
import { ConflictError } from '../support/scaler-fakes.js';
import { FakeServices } from '../support/exposure-fakes.js';
import { pod } from '../support/membership-fakes.js';

const VC = (type: 'None' | 'NodePort' | 'LoadBalancer'): VnfCluster => ({
  apiVersion: 'vnf-agent.dev/v1alpha1', kind: 'VnfCluster', metadata: { name: 'bono' },
  spec: { targetRef: { name: 'bono' }, selector: { matchLabels: {} }, exposure: { type, annotations: {}, ports: [] } } as unknown as VnfCluster['spec'],
});

/** This one pod in the API: conditional label and annotation writes, each moving the version; `conflictNext` makes the next write lose. */
class OwnPod implements PodAnnotations, PodLabels {
  labels: Record<string, string> = {};
  annotations: Record<string, string> = {};
  version = 1;
  writes: string[] = [];
  conflictNext = false;
  constructor(public facts: PodFacts) {}
  facts_(): PodFacts {
    const label = this.labels[MEMBER_LABEL];
    const address = this.annotations[PUBLIC_ADDRESS_ANNOTATION];
    return { ...this.facts, ...(label ? { memberLabel: label } : {}), ...(address ? { publicAddress: address } : {}) };
  }
  async read(): Promise<PodReading> {
    return { facts: this.facts_(), annotations: { ...this.annotations }, version: String(this.version) };
  }
  async label(_pod: string, labels: Record<string, string | null>, version: string): Promise<void> {
    this.#write('label', labels, version, this.labels);
  }
  async annotate(_pod: string, annotations: Record<string, string | null>, version: string): Promise<void> {
    this.#write('annotate', annotations, version, this.annotations);
  }
  #write(kind: string, change: Record<string, string | null>, version: string, into: Record<string, string>): void {
    this.writes.push(`${kind}@${version} ${JSON.stringify(change)}`);
    if (this.conflictNext) {
      this.conflictNext = false;
      this.version++;
      throw new ConflictError();
    }
    if (version !== String(this.version)) throw new ConflictError();
    for (const [k, v] of Object.entries(change)) if (v !== null) into[k] = v;
    this.version++;
  }
}

class RecordingApplier implements AddressApplier {
  readonly describe = 'test applier';
  applied: string[] = [];
  failNext: Error | undefined;
  async apply(a: PublicAddress): Promise<void> {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    this.applied.push(a.address);
  }
}

function setup(nodeAddress = '') {
  const clock = new FakeClock();
  const services = new FakeServices(new Set(['get', 'create']));
  const own = new OwnPod(pod('bono-a', { ip: '10.1.0.4', hostIp: '192.0.2.10' }));
  const applier = new RecordingApplier();
  const self = new SelfExposure({ pod: 'bono-a', clock, services, pods: own, applier, nodeAddress, apiTimeoutMs: 1000, recheckMs: 10_000 });
  const signal = new AbortController().signal;
  const pass = (type: 'None' | 'NodePort' | 'LoadBalancer' = 'NodePort') => self.pass(VC(type), own.facts_(), signal);
  const createService = () =>
    services.create({ name: 'bono-a', cluster: 'bono', member: 'bono-a', ownerUid: 'u', type: 'NodePort', ports: [{ name: 'sip-udp', port: 5060, protocol: 'UDP' }], annotations: {}, dropAnnotations: [] });
  return { clock, services, own, applier, self, pass, createService };
}

test('self exposure: None does nothing and the pod is ready as before', async () => {
  const { self, pass, services, own } = setup();
  assert.equal(await pass('None'), undefined);
  assert.equal(self.readiness(), undefined);
  assert.deepEqual([services.calls, own.writes], [[], []]);
});

test('self exposure: labels itself, waits for its Service (not ready), then applies, publishes and becomes ready', async () => {
  const { self, pass, own, applier, createService } = setup();
  assert.equal(self.readiness(), undefined, 'before the policy is read');
  assert.equal(await pass(), `labelled this pod ${MEMBER_LABEL}=bono-a; public address: its member Service does not exist yet (the leader creates it)`);
  assert.equal(self.readiness(), "waiting for this pod's public address: its member Service does not exist yet (the leader creates it)");
  assert.equal(await pass(), undefined, 'still waiting: nothing new to say');
  await createService();
  assert.equal(await pass(), 'applied public address 192.0.2.10:30000 (test applier); published 192.0.2.10:30000 on this pod');
  assert.deepEqual(applier.applied, ['192.0.2.10:30000']);
  assert.equal(own.annotations[PUBLIC_ADDRESS_ANNOTATION], '192.0.2.10:30000');
  assert.deepEqual(own.writes, [`label@1 {"${MEMBER_LABEL}":"bono-a"}`, `annotate@2 {"${PUBLIC_ADDRESS_ANNOTATION}":"192.0.2.10:30000"}`]);
  assert.equal(self.readiness(), undefined);
});

test('self exposure: an applied address is read and applied again only every recheck (a restarted SIP server forgot it)', async () => {
  const { clock, pass, services, applier, createService } = setup();
  await createService();
  await pass();
  const reads = services.calls.length;
  clock.jump(9_000);
  assert.equal(await pass(), undefined);
  assert.equal(services.calls.length, reads);
  clock.jump(1_000);
  assert.equal(await pass(), undefined, 'same address: applied again, nothing to say');
  assert.deepEqual(applier.applied, ['192.0.2.10:30000', '192.0.2.10:30000']);
});

test('self exposure: the nodeAddress setting wins over hostIP (node ports served on another address)', async () => {
  const { pass, applier, createService } = setup('10.244.0.1');
  await createService();
  await pass();
  assert.deepEqual(applier.applied, ['10.244.0.1:30000']);
});

test('self exposure: a failed apply leaves the pod not ready and is retried next pass', async () => {
  const { self, pass, applier, createService, own } = setup();
  await createService();
  applier.failNext = new Error('Kamailio RPC pv.shvSet failed: connection refused');
  assert.match((await pass()) ?? '', /public address: Kamailio RPC pv.shvSet failed/);
  assert.match(self.readiness() ?? '', /waiting for this pod's public address: Kamailio RPC/);
  assert.equal(own.annotations[PUBLIC_ADDRESS_ANNOTATION], undefined, 'nothing published that was not applied');
  applier.failNext = new Error('Kamailio RPC pv.shvSet failed: connection refused');
  assert.equal(await pass(), undefined, 'the same failure again is not said again');
  assert.match(self.readiness() ?? '', /waiting for this pod's public address: Kamailio RPC/);
  assert.match((await pass()) ?? '', /^applied public address/);
  assert.equal(self.readiness(), undefined);
});

test('self exposure: the label write lost to another write (409) is read and written again at the new version', async () => {
  const { pass, own } = setup();
  own.conflictNext = true;
  await pass();
  assert.deepEqual(own.writes, [`label@1 {"${MEMBER_LABEL}":"bono-a"}`, `label@2 {"${MEMBER_LABEL}":"bono-a"}`]);
  assert.equal(own.labels[MEMBER_LABEL], 'bono-a');
});

test('address files: Kamailio defines and Clearwater local_config keys', () => {
  const a = { address: '10.244.0.1:30123', host: '10.244.0.1', port: 30123 };
  assert.match(renderAddress('kamailio', a), /\n#!define PUBLIC_ADDRESS "10.244.0.1:30123"\n#!define PUBLIC_HOST "10.244.0.1"\n#!define PUBLIC_PORT 30123\n$/);
  assert.match(renderAddress('clearwater', a), /\npublic_ip=10.244.0.1\npublic_hostname=10.244.0.1\npublic_port=30123\n$/);
});
