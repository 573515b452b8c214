import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeDeath, ownProcess, parseTermProcess, type ContainerFacts, type PodSighting, type TermProcess } from '../../agent/election/proof.js';
import { leaseRecord } from '../support/fake-lease-lock.js';
import { processFacts } from '../../agent/kube/pods.js';
import { leaseToRecord, TERM_PROCESS_ANNOTATION } from '../../agent/kube/lease-lock.js';

const BEGAN = new Date('2026-12-03T10:00:00.500Z');
const at = (s: number): Date => new Date(BEGAN.getTime() + s * 1000);
const TERM: TermProcess = { pod: 'sprout-b', podUid: 'uid-b', container: 'vnf-agent', containerId: 'containerd://aaa', restartCount: 2 };
const record = leaseRecord({ holderIdentity: 'sprout-b', acquireTime: BEGAN, process: TERM });

const running = (over: Partial<ContainerFacts> = {}): ContainerFacts => ({
  name: 'vnf-agent', containerId: 'containerd://aaa', restartCount: 2, runningSince: at(-60), terminated: undefined, lastTerminated: undefined, ...over,
});
const seen = (c: ContainerFacts | undefined, over: { gone?: boolean; deleting?: boolean; uid?: string } = {}): PodSighting => ({
  gone: over.gone ?? false,
  pod: { name: 'sprout-b', uid: over.uid ?? 'uid-b', deleting: over.deleting ?? false, containers: c ? [{ ...running(), name: 'sip' }, c] : [] },
});
const ended = (finishedAt: Date | undefined, containerId = 'containerd://aaa') => ({ containerId, finishedAt });
const restarted = (over: Partial<ContainerFacts> = {}) =>
  running({ containerId: 'containerd://bbb', restartCount: 3, runningSince: at(2), lastTerminated: ended(at(1)), ...over });

const cases: { name: string; record?: typeof record; sighting: PodSighting | undefined; proof: boolean; reason: RegExp }[] = [
  { name: 'container terminated during the term', sighting: seen(running({ runningSince: undefined, terminated: ended(at(3)) })), proof: true, reason: /sidecar container terminated/ },
  { name: 'terminated, then restarted (lastState)', sighting: seen(restarted()), proof: true, reason: /terminated and was restarted/ },
  { name: 'restartCount grew and the new instance started after the term began', sighting: seen(restarted({ lastTerminated: undefined })), proof: true, reason: /restarted since the term began/ },
  { name: 'pod deleted after its sidecar terminated', sighting: seen(running({ runningSince: undefined, terminated: ended(at(3)) }), { gone: true, deleting: true }), proof: true, reason: /deleted after its sidecar container terminated/ },
  // Everything below keeps waiting for the lease.
  { name: 'SIGSTOP: the container still runs', sighting: seen(running()), proof: false, reason: /is running/ },
  { name: 'NotReady or partitioned: still running as last reported', sighting: seen(running()), proof: false, reason: /is running/ },
  { name: 'deletion still terminating', sighting: seen(running(), { deleting: true }), proof: false, reason: /terminating/ },
  { name: 'pod gone without a termination report (force delete)', sighting: seen(running(), { gone: true, deleting: true }), proof: false, reason: /not seen stopped/ },
  { name: 'pod not seen yet', sighting: undefined, proof: false, reason: /not been seen/ },
  { name: 'no term record', record: leaseRecord({ holderIdentity: 'sprout-b', acquireTime: BEGAN }), sighting: seen(restarted()), proof: false, reason: /records no process/ },
  { name: 'term record of another pod', record: leaseRecord({ holderIdentity: 'sprout-c', acquireTime: BEGAN, process: TERM }), sighting: seen(restarted()), proof: false, reason: /another pod/ },
  { name: 'no acquireTime', record: leaseRecord({ holderIdentity: 'sprout-b', acquireTime: undefined, process: TERM }), sighting: seen(restarted()), proof: false, reason: /acquireTime/ },
  { name: 'a pod of the same name but another uid', sighting: seen(restarted(), { uid: 'uid-new' }), proof: false, reason: /uid/ },
  { name: 'no status for the sidecar container', sighting: seen(undefined), proof: false, reason: /no status/ },
  { name: 'released lease', record: leaseRecord({ holderIdentity: '', acquireTime: BEGAN, process: TERM }), sighting: seen(restarted()), proof: false, reason: /free/ },
  // A record written from a stale view (an older instance) must never turn that instance's end into a proof.
  { name: 'the recorded instance ended before the term began', sighting: seen(running({ runningSince: undefined, terminated: ended(at(-1)) })), proof: false, reason: /not reported/ },
  { name: 'lastState of an instance that ended before the term', sighting: seen(restarted({ runningSince: at(-0.5), lastTerminated: ended(at(-1)) })), proof: false, reason: /is running/ },
  { name: 'a terminated instance other than the recorded one', sighting: seen(running({ runningSince: undefined, terminated: ended(at(3), 'containerd://zzz') })), proof: false, reason: /not reported/ },
  { name: 'restartCount grew but the running instance is older than the term', sighting: seen(running({ containerId: 'containerd://bbb', restartCount: 3, runningSince: at(-1) })), proof: false, reason: /is running/ },
  { name: 'restartCount unchanged with a new id (stale record)', sighting: seen(running({ containerId: 'containerd://bbb', runningSince: at(5) })), proof: false, reason: /is running/ },
  { name: 'a termination without finishedAt', sighting: seen(running({ runningSince: undefined, terminated: ended(undefined) })), proof: false, reason: /not reported/ },
];

for (const c of cases) {
  test(`proof of death: ${c.name}`, () => {
    const verdict = judgeDeath(c.record ?? record, c.sighting);
    assert.equal(verdict.proof, c.proof, verdict.reason);
    assert.match(verdict.reason, c.reason);
  });
}

test('kubelet times are whole seconds: an end in the same second as acquireTime is no proof', () => {
  // finishedAt 10:00:00 (truncated) may be just before or after acquireTime 10:00:00.500.
  const v = judgeDeath(record, seen(running({ runningSince: undefined, terminated: ended(new Date('2026-12-03T10:00:00Z')) })));
  assert.equal(v.proof, false);
});

test('own process: recorded only from a running sidecar container with an id and a pod uid', () => {
  const pod = seen(running()).pod;
  assert.deepEqual(ownProcess(pod, 'vnf-agent'), TERM);
  assert.equal(ownProcess(pod, 'other'), undefined);
  assert.equal(ownProcess(undefined, 'vnf-agent'), undefined);
  assert.equal(ownProcess(seen(running({ runningSince: undefined, terminated: ended(at(1)) })).pod, 'vnf-agent'), undefined);
  assert.equal(ownProcess(seen(running({ containerId: '' })).pod, 'vnf-agent'), undefined);
  assert.equal(ownProcess({ ...pod, uid: '' }, 'vnf-agent'), undefined);
});

test('a malformed term record reads as none', () => {
  assert.deepEqual(parseTermProcess({ ...TERM }), TERM);
  for (const bad of [undefined, null, 'x', { ...TERM, restartCount: -1 }, { ...TERM, restartCount: 1.5 }, { ...TERM, containerId: '' }, { ...TERM, pod: 3 }]) {
    assert.equal(parseTermProcess(bad), undefined, JSON.stringify(bad));
  }
});

test('the kubelet status of a native sidecar (an init container) is read like a regular one', () => {
  const facts = processFacts({
    metadata: { name: 'sprout-b', uid: 'uid-b', deletionTimestamp: new Date() },
    status: {
      initContainerStatuses: [{
        name: 'vnf-agent', containerID: 'containerd://bbb', image: '', imageID: '', ready: true, restartCount: 3,
        state: { running: { startedAt: at(2) } }, lastState: { terminated: { exitCode: 137, containerID: 'containerd://aaa', finishedAt: at(1) } },
      }],
      containerStatuses: [{ name: 'sip', image: '', imageID: '', ready: true, restartCount: 0, state: { waiting: {} } }],
    },
  });
  assert.equal(facts.deleting, true);
  assert.deepEqual(facts.containers[0], { name: 'vnf-agent', containerId: 'containerd://bbb', restartCount: 3, runningSince: at(2), terminated: undefined, lastTerminated: ended(at(1)) });
  assert.deepEqual(facts.containers[1], { name: 'sip', containerId: '', restartCount: 0, runningSince: undefined, terminated: undefined, lastTerminated: undefined });
  assert.equal(judgeDeath(record, { pod: facts, gone: false }).proof, true);
});

test('the Lease carries the term record as an annotation; a malformed one reads as none', () => {
  const lease = (annotations?: Record<string, string>) => ({ metadata: { resourceVersion: '5', ...(annotations ? { annotations } : {}) }, spec: { holderIdentity: 'sprout-b', leaseTransitions: 2 } });
  assert.deepEqual(leaseToRecord(lease({ [TERM_PROCESS_ANNOTATION]: JSON.stringify(TERM) })).record.process, TERM);
  for (const bad of ['not json', '{"pod":"sprout-b"}', 'null']) assert.equal(leaseToRecord(lease({ [TERM_PROCESS_ANNOTATION]: bad })).record.process, undefined, bad);
  assert.equal('process' in leaseToRecord(lease()).record, false);
});
