import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kamailioLeavingNotice } from '../../agent/membership/leaving-notice.js';
import { startSippUac } from '../support/sipp.js';
import { Phones } from '../support/sip-phones.js';
import { bindings } from '../support/registrar.js';
import { CHART, find, objects, template, type Manifest } from './helm.js';
import { freeAddresses, podSpecOf, rpc, startChartKamailio, type PodAddresses, type RunningKamailio } from './kamailio-pod.js';

const CLIENTS = 20;

/**
 * The chart's Sprout keeps registrations with the Path through the Bono each
 * came by, and a Bono told it is leaving, as its sidecar tells it when its
 * drain starts (drainNotice kamailio-rpc, agent/membership/leaving-notice.ts),
 * turns REGISTER away with 503 while its calls go on: the clients register
 * through the other Bono, and none is left bound through the leaving one.
 */
describe('the chart\'s Bono, leaving, moves its registrations to another Bono', { timeout: 180_000 }, () => {
  let docs: Manifest[];
  const dir = mkdtempSync(join(tmpdir(), 'vnf-chart-registrations-'));
  const running: RunningKamailio[] = [];
  let addresses: { sprout: PodAddresses; leaving: PodAddresses; staying: PodAddresses; phones: string };

  const config = (w: string) => (find(docs, 'ConfigMap', `sip-vnf-agent-${w}`).data as Record<string, string>)['kamailio.cfg'] ?? '';
  const sipArgs = (w: string) => podSpecOf(find(docs, 'Deployment', `sip-vnf-agent-${w}`)).containers.find((c) => c.name === 'sip')?.args ?? [];
  const startBono = async (name: string, a: PodAddresses): Promise<RunningKamailio> => {
    mkdirSync(join(dir, name, 'shared'), { recursive: true });
    writeFileSync(join(dir, name, 'shared', 'dispatcher.list'), `1 sip:${addresses.sprout.podIp}:5054;transport=udp 0 0 duid=sprout-0\n`);
    const k = await startChartKamailio(join(dir, name), sipArgs('bono'), config('bono'), 5060, a);
    running.push(k);
    return k;
  };

  before(async () => {
    docs = objects(await template(CHART));
    const [s, sl, l, ll, st, stl, phones] = await freeAddresses(7, [5054, 5060]);
    const pod = (podIp = '', localIp = ''): PodAddresses => ({ podIp, localIp });
    addresses = { sprout: pod(s, sl), leaving: pod(l, ll), staying: pod(st, stl), phones: phones ?? '' };
  });

  after(async () => {
    for (const k of running) await k.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('registrations move to the staying Bono, calls through the leaving one end normally', async () => {
    const sprout = await startChartKamailio(join(dir, 'sprout'), sipArgs('sprout'), config('sprout'), 5054, addresses.sprout);
    running.push(sprout);
    const leaving = await startBono('leaving', addresses.leaving);
    await startBono('staying', addresses.staying);
    const [leavingAt, stayingAt] = [`${addresses.leaving.podIp}:5060`, `${addresses.staying.podIp}:5060`];
    const users = Array.from({ length: CLIENTS }, (_, i) => `phone${i}`);
    const phones = new Phones({ localHost: addresses.phones, expiresS: 60, dir });

    await phones.register(users, [leavingAt], 'first');
    const first = await bindings([sprout.rpcUrl]);
    assert.equal(first.length, CLIENTS, 'one binding per client');
    assert.ok(first.every((b) => b.path.includes(addresses.leaving.podIp)), `each binding's Path names the Bono it came by: ${JSON.stringify(first[0])}`);

    // Calls in flight through the leaving Bono when its drain starts.
    const calls = await startSippUac({ target: leavingAt, localHost: addresses.phones, rate: 10, calls: 10, holdMs: 3_000, errorFile: join(dir, 'calls-errors.log') });
    await kamailioLeavingNotice(leaving.rpcUrl)(AbortSignal.timeout(5_000));
    assert.match(JSON.stringify(await rpc(leaving.rpcUrl, 'pv.shvGet', ['draining'])), /"value":1\b/, 'its $shv(draining) is 1');
    await phones.refresh([leavingAt, stayingAt], 'refresh');
    assert.deepEqual(phones.moved, { refused: CLIENTS, lost: 0 }, 'every client refused by the leaving Bono, none left without an answer');

    const after = await bindings([sprout.rpcUrl]);
    assert.equal(after.length, CLIENTS, 'still one binding per client');
    assert.equal(after.filter((b) => b.path.includes(addresses.leaving.podIp)).length, 0, 'no binding left through the leaving Bono');
    assert.equal(after.filter((b) => b.path.includes(addresses.staying.podIp)).length, CLIENTS, 'every binding through the staying Bono');
    const { code, stdout } = await calls.exited(60_000);
    assert.equal(code, 0, `the calls through the leaving Bono were answered and ended\n${stdout.slice(-1_500)}`);
  });
});
