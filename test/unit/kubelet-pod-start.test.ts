import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import type { V1Container, V1Pod, V1Probe } from '@kubernetes/client-node';
import { startInOrder, type PodStartDeps } from '../support/kubelet/pod-start.js';
import { probeReady } from '../support/kubelet/probes.js';
import type { RunningContainer } from '../support/kubelet/runner.js';

/** A process stand-in: running until exit() is called. */
class FakeChild extends EventEmitter {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  exit(code: number): void {
    this.exitCode = code;
    this.emit('exit', code, null);
  }
}

const startupz: V1Probe = { httpGet: { path: '/startupz', port: 8686 }, periodSeconds: 1, failureThreshold: 2 };
const sidecar = (probe?: V1Probe): V1Container => ({ name: 'agent', image: 'agent:1', restartPolicy: 'Always', ...(probe ? { startupProbe: probe } : {}) });
const init: V1Container = { name: 'setup', image: 'tool:1' };
const app: V1Container = { name: 'sip', image: 'sip:1' };
const podOf = (initContainers: V1Container[]): V1Pod => ({ metadata: { name: 'p' }, spec: { initContainers, containers: [app] } });

/** Records starts and probe tries in order; `probeAnswers` are the startup probe's successive results. */
function harness(o: { probeAnswers?: boolean[]; exitCodes?: Record<string, number>; stopAfterProbes?: number } = {}) {
  const events: string[] = [];
  const children = new Map<string, FakeChild>();
  let probes = 0;
  const deps: PodStartDeps = {
    start(c) {
      events.push(`start ${c.name}`);
      const child = new FakeChild();
      children.set(c.name, child);
      const code = o.exitCodes?.[c.name];
      if (code !== undefined) setImmediate(() => child.exit(code));
      return { name: c.name, child: child as unknown as ChildProcess } satisfies RunningContainer;
    },
    async probe(p) {
      probes++;
      events.push(`probe ${p.httpGet?.path}`);
      return o.probeAnswers?.[probes - 1] ?? false;
    },
    stopping: () => o.stopAfterProbes !== undefined && probes >= o.stopAfterProbes,
    probeEveryMs: 5,
  };
  return { deps, events, children };
}

test('a regular init container runs to completion, then the sidecar, whose startup probe gates the app containers', async () => {
  const h = harness({ exitCodes: { setup: 0 }, probeAnswers: [false, false, true] });
  assert.equal(await startInOrder(podOf([init, sidecar(startupz)]), h.deps), undefined);
  assert.deepEqual(h.events, ['start setup', 'start agent', 'probe /startupz', 'probe /startupz', 'probe /startupz', 'start sip']);
});

test('a sidecar without a startup probe lets the app containers start at once', async () => {
  const h = harness();
  assert.equal(await startInOrder(podOf([sidecar()]), h.deps), undefined);
  assert.deepEqual(h.events, ['start agent', 'start sip']);
});

test('nothing after a failed regular init container starts', async () => {
  const h = harness({ exitCodes: { setup: 3 } });
  assert.equal(await startInOrder(podOf([init, sidecar(startupz)]), h.deps), 'init container setup failed (exit 3)');
  assert.deepEqual(h.events, ['start setup']);
});

test('a startup probe that never passes within failureThreshold x periodSeconds leaves the app containers unstarted', async () => {
  const h = harness({ probeAnswers: [] });
  const started = performance.now();
  assert.match(await startInOrder(podOf([sidecar(startupz)]), h.deps) ?? '', /startup probe of agent \(\/startupz\) did not pass within 2000 ms/);
  assert.ok(performance.now() - started >= 1_900);
  assert.equal(h.events.includes('start sip'), false);
});

test('a sidecar that exits before its startup probe passes, or a pod deleted meanwhile, starts no app container', async () => {
  const exited = harness();
  const waiting = startInOrder(podOf([sidecar(startupz)]), exited.deps);
  setTimeout(() => exited.children.get('agent')?.exit(1), 20);
  assert.equal(await waiting, 'sidecar agent exited before its startup probe passed');
  const deleted = harness({ stopAfterProbes: 2 });
  assert.equal(await startInOrder(podOf([sidecar(startupz)]), deleted.deps), 'the pod is being deleted');
  for (const h of [exited, deleted]) assert.equal(h.events.includes('start sip'), false);
});

test('pod readiness counts a native sidecar\'s readiness probe, not a regular init container\'s', async () => {
  const server = createServer((req, res) => res.writeHead(req.url === '/ok' ? 200 : 503).end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const probe = (path: string): V1Probe => ({ httpGet: { path, port } });
  try {
    assert.equal(await probeReady(podOf([{ ...sidecar(), readinessProbe: probe('/not-ready') }]), '127.0.0.1'), false);
    assert.equal(await probeReady(podOf([{ ...sidecar(), readinessProbe: probe('/ok') }]), '127.0.0.1'), true);
    assert.equal(await probeReady(podOf([{ ...init, readinessProbe: probe('/not-ready') }]), '127.0.0.1'), true);
  } finally {
    server.close();
  }
});
