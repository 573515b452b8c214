import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { systemClock } from '../../agent/clock/clock.js';
import { MembershipMetrics } from '../../agent/membership/metrics.js';
import { PeerRegistrar, type PassResult } from '../../agent/membership/registrar.js';
import { kamailioDispatcherReloader } from '../../agent/membership/reload.js';
import { createRenderer } from '../../agent/membership/render/index.js';
import type { PodFacts } from '../../agent/membership/state.js';
import { buildView, type ClusterView } from '../../agent/membership/view.js';
import { nodeFileSystem, PeerFileWriter } from '../../agent/membership/writer.js';
import { pod } from '../support/membership-fakes.js';
import { startDispatcherKamailio, type DispatcherKamailio } from '../support/membership-kamailio.js';
import { eventually } from '../support/process.js';

const renderer = createRenderer('kamailio-dispatcher', { port: 5054, transport: 'udp', setId: 1 });
const up = (name: string, ip: string, over: Partial<PodFacts> = {}) => pod(name, { ip, ready: true, ...over });

/** Runs passes (as the agent loop would, on every tick) until one says the SIP server is in sync. */
async function passUntilInSync(registrar: PeerRegistrar, views: ClusterView[], deadlineMs: number): Promise<PassResult[]> {
  const results: PassResult[] = [];
  await eventually(
    async () => {
      const r = await registrar.pass(views);
      results.push(r);
      return registrar.lastResult?.inSync && r.outcome !== 'waiting' ? r : undefined;
    },
    deadlineMs,
    'the registrar to reload Kamailio',
    100,
  );
  return results;
}

test('Kamailio dispatcher follows membership changes through the peer file and dispatcher.reload', { timeout: 60_000 }, async (t) => {
  assert.ok(renderer);
  let view = buildView('sprout', [up('sprout-0', '127.0.0.11'), up('sprout-1', '127.0.0.12')]);
  const writer = new PeerFileWriter(nodeFileSystem);
  let kamailio: DispatcherKamailio | undefined;
  try {
    kamailio = await startDispatcherKamailio((file) => writer.writeIfChanged(file, renderer.render([view])).then(() => undefined));
    assert.deepEqual(await kamailio.destinations(), ['1 sip:127.0.0.11:5054;transport=udp sprout-0', '1 sip:127.0.0.12:5054;transport=udp sprout-1']);

    const registry = new Registry();
    const registrar = new PeerRegistrar({
      renderer,
      file: kamailio.listFile,
      writer,
      reloader: kamailioDispatcherReloader(kamailio.rpcUrl),
      clock: systemClock,
      metrics: new MembershipMetrics(registry),
      timeoutMs: 2_000,
      retryInitialMs: 250,
      retryMaxMs: 2_000,
      busyRetryMs: 250,
    });

    // sprout-0 starts draining, sprout-2 joins and becomes ready: new traffic must go to 1 and 2 only.
    view = buildView('sprout', [up('sprout-0', '127.0.0.11', { drainingAnnotation: true }), up('sprout-1', '127.0.0.12'), up('sprout-2', '127.0.0.13')], view);
    const started = performance.now();
    const first = await passUntilInSync(registrar, [view], 15_000);
    const firstMs = performance.now() - started;
    assert.deepEqual(await kamailio.destinations(), ['1 sip:127.0.0.12:5054;transport=udp sprout-1', '1 sip:127.0.0.13:5054;transport=udp sprout-2']);

    // A second change right away usually meets Kamailio's reload_delta ("Ongoing reload"): it must be retried, not lost.
    view = buildView('sprout', [up('sprout-2', '127.0.0.13')], view);
    const second = await passUntilInSync(registrar, [view], 15_000);
    assert.deepEqual(await kamailio.destinations(), ['1 sip:127.0.0.13:5054;transport=udp sprout-2']);
    assert.equal(registrar.lastResult?.error, undefined);

    // The last Sprout drains: an empty (comment-only) list is valid and leaves Kamailio with no destinations.
    view = buildView('sprout', [up('sprout-2', '127.0.0.13', { deleting: true })], view);
    const third = await passUntilInSync(registrar, [view], 15_000);
    assert.deepEqual(await kamailio.destinations(), []);

    const failures = (await registry.getSingleMetric('vnf_agent_peers_reload_failures_total')?.get())?.values[0]?.value ?? 0;
    const rejected = [...first, ...second, ...third].filter((r) => r.outcome === 'failed').map((r) => r.reason);
    assert.equal(failures, rejected.length, 'every failed pass is counted');
    for (const reason of rejected) assert.match(reason, /Ongoing reload/);
    t.diagnostic(`change -> Kamailio reloaded in ${firstMs.toFixed(1)} ms (${first.length} pass); later changes: ${second.length} and ${third.length} passes, ${failures} reloads refused by reload_delta`);
  } finally {
    await kamailio?.stop();
  }
});
