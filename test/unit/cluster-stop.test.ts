import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { loadConfig } from '../../agent/config/index.js';
import { createLogger } from '../../agent/log/logger.js';
import { Drainer } from '../../agent/membership/drain.js';
import { createPeerRegistrar } from '../../agent/membership/from-config.js';
import type { VnfCluster, VnfClusterStatus } from '../../agent/model/vnfcluster.js';
import { startClusterAgent, type ClusterKube } from '../../agent/run-cluster.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryLeaseStore } from '../support/fake-lease-lock.js';
import { memorySink } from '../support/log-sink.js';
import { pod } from '../support/membership-fakes.js';
import { FakeAnnotator, FakeEvents, FakeScaleTarget } from '../support/scaler-fakes.js';

const VC: VnfCluster = {
  apiVersion: 'vnf-agent.dev/v1alpha1', kind: 'VnfCluster', metadata: { name: 'sprout', uid: 'u1', resourceVersion: '100', generation: 1 },
  spec: {
    role: 'sprout', targetRef: { kind: 'Deployment', name: 'sprout' }, selector: { matchLabels: { app: 'sprout' } },
    minReplicas: 1, maxReplicas: 3, targetUtilization: 0.8, tolerance: 0.1,
    behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' }, scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max' } },
    overload: { enabled: true, step: 1 }, schedules: [], maintenanceWindows: [], drainTimeoutSeconds: 60, drainMinimumSeconds: 0, upstreams: [], paused: false,
  },
};

/**
 * VnfCluster status writes whose answer comes back only when the test says
 * so, whatever the caller's signal does: a write the API server may still be
 * applying. Leader work is not over until it settles.
 */
class HeldStatus {
  readonly sent: Partial<VnfClusterStatus>[] = [];
  #answer: (() => void) | undefined;

  get pending(): boolean {
    return this.#answer !== undefined;
  }

  patchStatus(name: string, status: Partial<VnfClusterStatus>, version: string): Promise<VnfCluster> {
    this.sent.push(status);
    return new Promise((resolve) => {
      this.#answer = () => resolve({ ...VC, metadata: { ...VC.metadata, name, resourceVersion: `${version}+1` }, status });
    });
  }

  answer(): void {
    const answer = this.#answer;
    this.#answer = undefined;
    answer?.();
  }
}

/** One sidecar (sprout-a, the only pod) over in-memory Kubernetes ports, on a fake clock. */
function sidecar(env: Record<string, string> = {}) {
  const clock = new FakeClock();
  const sink = memorySink();
  const logger = createLogger({ level: 'debug', destination: sink });
  const config = loadConfig({
    env: { VNF_AGENT_CLUSTER: 'sprout', VNF_AGENT_POD_NAME: 'sprout-a', ...env },
    flags: {},
    readFile: (path) => assert.fail(`unexpected read of ${path}`),
    hostname: 'sprout-a',
  });
  const store = new MemoryLeaseStore();
  const status = new HeldStatus();
  const annotator = new FakeAnnotator();
  annotator.allowed = false;
  const scale = new FakeScaleTarget(1, { readable: false });
  const kube: ClusterKube = {
    leaseLock: () => store.handle(),
    scale: () => scale,
    podWatch: () => ({ pods: () => [pod('sprout-a', { ip: '10.0.0.1', ready: true })], start: () => undefined, stop: async () => undefined }),
    annotator,
    vnfClusters: status,
    vnfClusterWatch: () => ({ synced: true, get: (name) => (name === 'sprout' ? VC : undefined), start: () => undefined, stop: async () => undefined }),
    events: new FakeEvents(),
  };
  const registry = new Registry();
  const drainer = new Drainer({ clock, logger, timeoutMs: () => 60_000, inFlight: () => ({ calls: 0, countedAtMs: clock.nowMs() }), peersLearnFromMark: true, markLeaving: () => Promise.reject(new Error('unexpected leaving mark')) });
  const cluster = startClusterAgent({
    config, clock, logger, registry, registrar: createPeerRegistrar(config, { clock, registry }), drainer,
    tokens: { current: () => undefined }, localSample: () => undefined, kube,
  });
  const holder = () => store.read()?.record.holderIdentity;
  const stopOutcome = () => sink.lines().find((l) => l.msg === 'Stopped leader election')?.outcome;
  return { clock, config, store, status, annotator, scale, cluster, holder, stopOutcome };
}

/** Runs the sidecar until it leads and its leader work is in the middle of a status write. */
async function leadingWithAWriteInFlight(s: ReturnType<typeof sidecar>): Promise<void> {
  for (let i = 0; i < 50 && !s.status.pending; i++) await s.clock.advance(10);
  assert.equal(s.holder(), 'sprout-a');
  assert.ok(s.status.pending, 'the leader never started its membership write');
}

test('a new term wakes the loop: the leader writes its membership long before the next tick', async () => {
  const s = sidecar({ VNF_AGENT_LOOP_INTERVAL_MS: '60000' });
  const startedMs = s.clock.nowMs();
  await leadingWithAWriteInFlight(s);
  assert.ok(s.clock.nowMs() - startedMs < 1_000, `the first leader write waited ${s.clock.nowMs() - startedMs} ms`);
  s.status.answer();
  await s.cluster.stop();
});

test('stop: leader work ends first, the sidecar waits for it, and only then releases the Lease', async () => {
  const s = sidecar();
  await leadingWithAWriteInFlight(s);
  const stopping = s.cluster.stop();
  await s.clock.advance(1_000);
  assert.equal(s.cluster.elector.status().isLeader, false, 'the term ended at once: fence() refuses');
  assert.equal(s.holder(), 'sprout-a', 'the Lease was released while a leader write was still in flight');

  s.status.answer();
  await s.clock.advance(0);
  await stopping;
  assert.equal(s.holder(), '', 'released once leader work ended');
  assert.equal(s.stopOutcome(), 'Released the lease');
  assert.equal(s.status.sent.length, 1, 'no leader write after stop began');
  assert.deepEqual([s.scale.reads, s.annotator.calls.length], [0, 0]);
});

test('stop: a leader write that gets no answer is given up at the deadline it was sent with, and only then is the Lease released', async () => {
  const s = sidecar();
  await leadingWithAWriteInFlight(s);
  const stopping = s.cluster.stop();
  // The write was sent with min(apiTimeoutMs, time left before the renew deadline): 2 s here.
  await s.clock.advance(s.config.apiTimeoutMs - 100);
  assert.equal(s.holder(), 'sprout-a', 'released while the write could still land');
  await s.clock.advance(200);
  await stopping;
  assert.equal(s.holder(), '');
  assert.equal(s.stopOutcome(), 'Released the lease');
  assert.equal(s.status.sent.length, 1);
});
