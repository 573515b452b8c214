import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kamailioShvApplier } from '../../agent/exposure/apply.js';
import { startSippUac } from '../support/sipp.js';
import { CHART, find, objects, template, type Manifest } from './helm.js';
import { freeAddresses, podSpecOf, rpc, startChartKamailio, UAC_WITH_ROUTES, type PodAddresses, type RunningKamailio } from './kamailio-pod.js';

/** A node address and node port no one listens on here: only Record-Route carries it. */
const PUBLIC = '198.51.100.7:31234';

/**
 * The chart's Bono Kamailio told its public address the way its sidecar
 * tells it (spec.exposure; agent/exposure/apply.ts, JSON-RPC pv.shvSet):
 * the calls placed through it are answered and ended, whether the client
 * ignores Record-Route (SIPp's uac) or follows it to that address (as a phone
 * does), and the Record-Route it adds carries the public address.
 */
describe('the chart\'s Bono Kamailio with a public address (exposure)', { timeout: 120_000 }, () => {
  let docs: Manifest[];
  const dir = mkdtempSync(join(tmpdir(), 'vnf-chart-exposure-'));
  const running: RunningKamailio[] = [];
  let bono: PodAddresses;
  let sprout: PodAddresses;
  let sippHost = '';

  const config = (w: string) => (find(docs, 'ConfigMap', `sip-vnf-agent-${w}`).data as Record<string, string>)['kamailio.cfg'] ?? '';
  const sipArgs = (w: string) => podSpecOf(find(docs, 'Deployment', `sip-vnf-agent-${w}`)).containers.find((c) => c.name === 'sip')?.args ?? [];

  before(async () => {
    docs = objects(await template(CHART));
    const [b, bl, s, sl, sipp] = await freeAddresses(5, [5054, 5060]);
    bono = { podIp: b ?? '', localIp: bl ?? '' };
    sprout = { podIp: s ?? '', localIp: sl ?? '' };
    sippHost = sipp ?? '';
  });

  after(async () => {
    for (const k of running) await k.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('calls through Bono are answered and ended, and its Record-Route carries the public address', async () => {
    running.push(await startChartKamailio(join(dir, 'sprout'), sipArgs('sprout'), config('sprout'), 5054, sprout));
    mkdirSync(join(dir, 'bono', 'shared'), { recursive: true });
    writeFileSync(join(dir, 'bono', 'shared', 'dispatcher.list'), `1 sip:${sprout.podIp}:5054;transport=udp 0 0 duid=sprout-0\n`);
    const kamailio = await startChartKamailio(join(dir, 'bono'), sipArgs('bono'), config('bono'), 5060, bono);
    running.push(kamailio);
    const [host = '', port = ''] = PUBLIC.split(':');
    await kamailioShvApplier(kamailio.rpcUrl).apply({ address: PUBLIC, host, port: Number(port) }, AbortSignal.timeout(5_000));
    assert.match(JSON.stringify(await rpc(kamailio.rpcUrl, 'pv.shvGet', ['public_address'])), new RegExp(PUBLIC.replace(/\./g, '\\.')));

    const scenario = join(dir, 'uac-routes.xml');
    writeFileSync(scenario, UAC_WITH_ROUTES);
    for (const [name, scenarioFile] of [['uac', undefined], ['uac-routes', scenario]] as const) {
      const messages = join(dir, `${name}-messages.log`);
      const sipp = await startSippUac({
        target: `${bono.podIp}:5060`, localHost: sippHost, rate: 10, calls: 5, holdMs: 200, messageFile: messages, errorFile: join(dir, `${name}-errors.log`),
        ...(scenarioFile ? { scenarioFile } : {}),
      });
      const { code, stdout } = await sipp.exited(60_000);
      assert.equal(code, 0, `${name}: every call answered and ended\n${stdout.slice(-1_500)}`);
      const routes = [...readFileSync(messages, 'utf8').matchAll(/^Record-Route: (.*)$/gm)].map((m) => m[1] ?? '');
      assert.ok(routes.length >= 5, `${name}: a Record-Route on every answer (${routes.length})`);
      for (const r of routes) assert.match(r, new RegExp(`^<sip:${PUBLIC.replace(/\./g, '\\.')};`), `${name}: ${r}`);
    }
    assert.match(readFileSync(join(dir, 'uac-routes-messages.log'), 'utf8'), new RegExp(`^Route: <sip:${PUBLIC.replace(/\./g, '\\.')};`, 'm'), 'the phone-like client routed its BYE by it');
  });
});
