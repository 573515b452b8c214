import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { MembershipMetrics } from '../../agent/membership/metrics.js';
import { PeerRegistrar } from '../../agent/membership/registrar.js';
import { ReloadBusyError } from '../../agent/membership/reload.js';
import { createRenderer } from '../../agent/membership/render/index.js';
import { buildView, type ClusterView } from '../../agent/membership/view.js';
import { PeerFileWriter } from '../../agent/membership/writer.js';
import { FakeClock, flushMicrotasks } from '../support/fake-clock.js';
import { MemoryFileSystem, pod, ScriptedReloader } from '../support/membership-fakes.js';

const ROOT = '/etc/kamailio';
const FILE = `${ROOT}/dispatcher.list`;

function setup(options: { retryMaxMs?: number; renderer?: boolean } = {}) {
  const clock = new FakeClock();
  const fs = new MemoryFileSystem(ROOT);
  const reloader = new ScriptedReloader();
  const registry = new Registry();
  const registrar = new PeerRegistrar({
    renderer: options.renderer === false ? undefined : createRenderer('lines', { port: 5054, transport: 'udp', setId: 1 }),
    file: FILE,
    writer: new PeerFileWriter(fs),
    reloader,
    clock,
    metrics: new MembershipMetrics(registry),
    timeoutMs: 2_000,
    retryInitialMs: 1_000,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    busyRetryMs: 250,
  });
  return { clock, fs, reloader, registry, registrar };
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = (await registry.getSingleMetric(`vnf_agent_${name}`)?.get())?.values.find((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return found?.value ?? 0;
}

const twoSprouts = (): ClusterView =>
  buildView('sprout', [pod('sprout-0', { ip: '10.0.0.11', ready: true }), pod('sprout-1', { ip: '10.0.0.12', ready: true })]);

test('first pass writes the file and reloads; an identical pass touches nothing', async () => {
  const { fs, reloader, registry, registrar, clock } = setup();
  reloader.expect('ok');
  const first = await registrar.pass([twoSprouts()]);
  assert.equal(first.outcome, 'reloaded');
  assert.equal(first.reason, `wrote 2 routable peers to ${FILE} and triggered scripted reload`);
  assert.equal(fs.files.get(FILE), '10.0.0.11:5054\n10.0.0.12:5054\n');
  assert.deepEqual(registrar.lastResult, { rendered: true, file: FILE, reloaded: true, inSync: true, peers: 2, at: clock.wallTime().toISOString() });

  const writesBefore = fs.calls.filter((c) => c.startsWith('rename')).length;
  const second = await registrar.pass([twoSprouts()]); // the reloader has no step left: a reload here would fail the test
  assert.equal(second.outcome, 'unchanged');
  assert.equal(second.reason, `peers unchanged (2 routable) in ${FILE}`);
  assert.equal(fs.calls.filter((c) => c.startsWith('rename')).length, writesBefore);
  assert.equal(reloader.calls, 1);
  assert.equal(await metric(registry, 'peers_renders_total'), 1);
  assert.equal(await metric(registry, 'peers_reloads_total'), 1);
});

test('a failed reload is surfaced, waited out, then retried even though the file is unchanged', async () => {
  const { clock, fs, reloader, registry, registrar } = setup();
  reloader.expect(new Error('500 Ongoing reload'));
  const failed = await registrar.pass([twoSprouts()]);
  assert.equal(failed.outcome, 'failed');
  assert.equal(failed.reason, `wrote ${FILE} but scripted reload failed: 500 Ongoing reload; retrying in 1.0s (failure 1)`);
  assert.equal(registrar.lastResult?.error, '500 Ongoing reload');
  assert.equal(registrar.lastResult?.inSync, false);
  assert.equal(registrar.lastResult?.rendered, true);
  assert.equal(await metric(registry, 'peers_reload_failures_total'), 1);

  const callsBefore = fs.calls.length;
  await clock.advance(500);
  const waiting = await registrar.pass([twoSprouts()]);
  assert.equal(waiting.outcome, 'waiting');
  assert.match(waiting.reason, /^waiting 0\.5s before retrying peer registration after: 500 Ongoing reload$/);
  assert.equal(fs.calls.length, callsBefore, 'no file access while backing off');

  await clock.advance(500);
  reloader.expect('ok');
  const retried = await registrar.pass([twoSprouts()]);
  assert.equal(retried.outcome, 'retried-reload');
  assert.equal(registrar.lastResult?.error, undefined);
  assert.equal(registrar.lastResult?.inSync, true);
  assert.equal(reloader.remaining, 0);
  assert.equal(await metric(registry, 'peers_renders_total'), 1, 'the file was written once');
});

test('backoff doubles per consecutive failure up to the cap, and resets after success', async () => {
  const { clock, reloader, registrar } = setup({ retryMaxMs: 3_000 });
  const delays: string[] = [];
  for (let i = 0; i < 4; i++) {
    reloader.expect(new Error('connection refused'));
    const r = await registrar.pass([twoSprouts()]);
    delays.push(/retrying in ([\d.]+)s/.exec(r.reason)?.[1] ?? r.reason);
    await clock.advance(3_000);
  }
  assert.deepEqual(delays, ['1.0', '2.0', '3.0', '3.0']);
  reloader.expect('ok', new Error('again'));
  assert.equal((await registrar.pass([twoSprouts()])).outcome, 'retried-reload');
  const changed = buildView('sprout', [pod('sprout-0', { ip: '10.0.0.11', ready: true })]);
  assert.match((await registrar.pass([changed])).reason, /retrying in 1\.0s \(failure 1\)$/);
});

test('a failed write keeps the old file, counts a render failure and is retried', async () => {
  const { clock, fs, reloader, registry, registrar } = setup();
  reloader.expect('ok');
  await registrar.pass([twoSprouts()]);
  fs.failNext('rename', new Error('EIO: rename failed'));
  const shrunk = buildView('sprout', [pod('sprout-0', { ip: '10.0.0.11', ready: true })]);
  const failed = await registrar.pass([shrunk]);
  assert.equal(failed.reason, `could not write ${FILE}: EIO: rename failed; retrying in 1.0s (failure 1)`);
  assert.equal(fs.files.get(FILE), '10.0.0.11:5054\n10.0.0.12:5054\n');
  assert.deepEqual([...fs.files.keys()], [FILE], 'the temp file was removed');
  assert.equal(await metric(registry, 'peers_render_failures_total'), 1);
  assert.equal(registrar.lastResult?.rendered, false);

  await clock.advance(1_000);
  reloader.expect('ok');
  assert.equal((await registrar.pass([shrunk])).outcome, 'reloaded');
  assert.equal(fs.files.get(FILE), '10.0.0.11:5054\n');
});

test('a reload that hangs is cut off by the timeout and reported, without blocking the loop', async () => {
  const { clock, reloader, registry, registrar } = setup();
  reloader.expect('hang');
  const pending = registrar.pass([twoSprouts()]);
  await flushMicrotasks(); // the write is done and the reload is parked on its timeout
  assert.equal(clock.pendingSleeps, 1);
  await clock.advance(1_999);
  let settled = false;
  void pending.then(() => (settled = true));
  await clock.advance(0);
  assert.equal(settled, false, 'still within the timeout');
  await clock.advance(1);
  const result = await pending;
  assert.equal(result.outcome, 'failed');
  assert.match(result.reason, /scripted reload did not finish within 2000 ms; retrying in 1\.0s/);
  assert.equal(await metric(registry, 'peers_reload_failures_total'), 1);
});

test('passes never overlap: a pass while one is in flight is refused without I/O', async () => {
  const { clock, fs, reloader, registrar } = setup();
  reloader.expect('hang');
  const slow = registrar.pass([twoSprouts()]);
  await flushMicrotasks();
  const callsBefore = fs.calls.length;
  assert.deepEqual(await registrar.pass([twoSprouts()]), { outcome: 'busy', reason: 'previous peer registration pass still running' });
  assert.equal(fs.calls.length, callsBefore);
  assert.equal(reloader.calls, 1);
  await clock.advance(2_000);
  assert.equal((await slow).outcome, 'failed');
});

test('a write that hangs is cut off by the timeout too', async () => {
  const { clock, fs, registrar } = setup();
  fs.hangNext('writeNewSynced');
  const pending = registrar.pass([twoSprouts()]);
  await flushMicrotasks();
  assert.equal(clock.pendingSleeps, 1);
  await clock.advance(2_000);
  assert.match((await pending).reason, /^could not write .*: writing .* did not finish within 2000 ms/);
});

test('the first pass after start reloads even when the file is already current', async () => {
  const { fs, reloader, registrar } = setup();
  fs.files.set(FILE, '10.0.0.11:5054\n10.0.0.12:5054\n');
  reloader.expect('ok');
  const first = await registrar.pass([twoSprouts()]);
  assert.equal(first.outcome, 'retried-reload');
  assert.equal(first.reason, `${FILE} already current; triggered scripted reload`);
  assert.equal(fs.calls.filter((c) => !c.startsWith('readText')).length, 0, 'nothing written');
});

test('with no renderer the pass does no I/O but still exports member counts', async () => {
  const { fs, reloader, registry, registrar } = setup({ renderer: false });
  const view = buildView('sprout', [pod('sprout-0', { ip: '10.0.0.11', ready: true }), pod('sprout-1', { deleting: true }), pod('sprout-2')]);
  const result = await registrar.pass([view]);
  assert.equal(result.outcome, 'disabled');
  assert.deepEqual(fs.calls, []);
  assert.equal(reloader.calls, 0);
  assert.equal(registrar.lastResult, undefined);
  for (const [state, count] of [['active', 1], ['leaving', 1], ['joining', 1]] as const) {
    assert.equal(await metric(registry, 'members', { cluster: 'sprout', state }), count, state);
  }
  await registrar.pass([buildView('bono', [])]);
  assert.equal(await metric(registry, 'members', { cluster: 'sprout', state: 'active' }), 0, 'a cluster no longer rendered is dropped');
});

test('a reload refused as busy (Kamailio reload_delta) is asked again after busyRetryMs, without growing the backoff', async () => {
  const { clock, reloader, registrar } = setup();
  assert.equal(registrar.retryInMs(), undefined, 'nothing pending before the first pass');
  reloader.expect(new ReloadBusyError('500 Ongoing reload'));
  const refused = await registrar.pass([twoSprouts()]);
  assert.equal(refused.outcome, 'failed');
  assert.equal(refused.reason, `wrote ${FILE} but scripted reload was refused: 500 Ongoing reload; asking again in 0.25s`);
  assert.equal(registrar.lastResult?.inSync, false);
  assert.equal(registrar.retryInMs(), 250, 'the loop is told when to come back');

  await clock.advance(100);
  assert.equal((await registrar.pass([twoSprouts()])).outcome, 'waiting');
  assert.equal(registrar.retryInMs(), 150);

  for (let i = 0; i < 3; i++) {
    await clock.advance(250);
    reloader.expect(new ReloadBusyError('500 Ongoing reload'));
    const again = await registrar.pass([twoSprouts()]);
    assert.match(again.reason, /asking again in 0\.25s$/, 'busy never turns into a growing backoff');
  }
  await clock.advance(250);
  reloader.expect('ok');
  assert.equal((await registrar.pass([twoSprouts()])).outcome, 'retried-reload');
  assert.equal(registrar.retryInMs(), undefined);
  assert.equal(registrar.lastResult?.inSync, true);

  // A real failure afterwards still starts the backoff at its first step.
  const changed = buildView('sprout', [pod('sprout-0', { ip: '10.0.0.11', ready: true })]);
  reloader.expect(new Error('connection refused'));
  assert.match((await registrar.pass([changed])).reason, /retrying in 1\.0s \(failure 1\)$/);
  assert.equal(registrar.retryInMs(), 1_000);
});
