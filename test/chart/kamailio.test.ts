import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpExchange } from '../../agent/net/http.js';
import { eventually } from '../support/process.js';
import { startSidecar, type Sidecar } from '../support/sidecars.js';
import { startSippUac, type Sipp } from '../support/sipp.js';
import { CHART, find, objects, template, type Manifest } from './helm.js';
import { activeDialogs, checkConfig, freeAddresses, localizer, podSpecOf, rpc, sidecarEnv, startChartKamailio, UAC_WITH_ROUTES, type PodAddresses, type RunningKamailio } from './kamailio-pod.js';

const WORKLOADS = { sprout: 5054, bono: 5060 } as const;
type Workload = keyof typeof WORKLOADS;
// Long enough for the sidecars to sample the calls while they are up, even on a busy machine.
const HOLD_MS = 8_000;
const CALLS = 3;

/**
 * The chart's own Kamailio configs with the chart's defaults, run for real:
 * they parse, calls placed through Bono are dialogs on Bono and on the Sprout
 * that answers them, and the sidecars, with the env the chart gives them,
 * count those calls, so a drain ends when the calls end and not at the drain
 * timeout. SIPp's built-in uac ignores Record-Route (Bono must route its ACK
 * and BYE from the dialog); the second scenario follows it as a phone does.
 */
describe('the chart\'s Kamailio configs with the chart\'s defaults', { timeout: 120_000 }, () => {
  let docs: Manifest[];
  const dir = mkdtempSync(join(tmpdir(), 'vnf-chart-kamailio-'));
  const addresses = {} as Record<Workload, PodAddresses>;
  const running: RunningKamailio[] = [];
  const sidecars: Sidecar[] = [];
  const calls: Sipp[] = [];
  let sippHost = '';
  let fallbackBono: PodAddresses;

  const config = (w: Workload) => (find(docs, 'ConfigMap', `sip-vnf-agent-${w}`).data as Record<string, string>)['kamailio.cfg'] ?? '';
  const deployment = (w: Workload) => find(docs, 'Deployment', `sip-vnf-agent-${w}`);
  const sipArgs = (w: Workload) => podSpecOf(deployment(w)).containers.find((c) => c.name === 'sip')?.args ?? [];
  const rpcUrl = (w: Workload) => `http://${addresses[w].localIp}:${WORKLOADS[w]}/RPC`;

  before(async () => {
    docs = objects(await template(CHART));
    const [bono, bonoLocal, sprout, sproutLocal, sipp, bono2, bono2Local] = await freeAddresses(7, [5054, 5060]);
    addresses.bono = { podIp: bono ?? '', localIp: bonoLocal ?? '' };
    addresses.sprout = { podIp: sprout ?? '', localIp: sproutLocal ?? '' };
    fallbackBono = { podIp: bono2 ?? '', localIp: bono2Local ?? '' };
    sippHost = sipp ?? '';
  });

  after(async () => {
    calls.forEach((c) => c.stop());
    for (const s of sidecars) {
      s.process.child.kill('SIGTERM');
      await s.process.exited(15_000).catch(() => undefined);
    }
    for (const k of running) await k.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const w of Object.keys(WORKLOADS) as Workload[]) {
    test(`${w}: kamailio -c accepts the rendered config`, () => {
      const file = join(dir, `${w}-check.cfg`);
      writeFileSync(file, localizer(join(dir, w), addresses[w])(config(w)));
      const checked = checkConfig(file);
      assert.ok(checked.ok, checked.output);
    });
  }

  test('calls through Bono are dialogs on Bono and Sprout, counted by the sidecars, and a drain ends when they end', async (t) => {
    // Bono's dispatcher set, as its sidecar renders it into the shared volume.
    const sprout = await startChartKamailio(join(dir, 'sprout'), sipArgs('sprout'), config('sprout'), WORKLOADS.sprout, addresses.sprout);
    running.push(sprout);
    const shared = join(dir, 'bono', 'shared');
    mkdirSync(shared, { recursive: true });
    writeFileSync(join(shared, 'dispatcher.list'), `1 sip:${addresses.sprout.podIp}:5054;transport=udp 0 0 duid=sprout-0\n`);
    const bono = await startChartKamailio(join(dir, 'bono'), sipArgs('bono'), config('bono'), WORKLOADS.bono, addresses.bono);
    running.push(bono);

    // Each sidecar with the signal settings the chart gives it, but without a cluster (no API server here).
    for (const w of Object.keys(WORKLOADS) as Workload[]) {
      const chartEnv = sidecarEnv(deployment(w));
      const signals = Object.fromEntries(Object.entries(chartEnv).filter(([k]) => k.startsWith('VNF_AGENT_SIGNAL_') || k === 'VNF_AGENT_SIP_PORT'));
      const local = localizer(join(dir, w), addresses[w]);
      const sidecar = await startSidecar(`${w}-0`, { ...Object.fromEntries(Object.entries(signals).map(([k, v]) => [k, local(v)])), VNF_AGENT_POD_IP: addresses[w].podIp });
      sidecars.push(sidecar);
      await eventually(async () => ((await httpExchange(`http://127.0.0.1:${sidecar.port}/livez`, { method: 'GET' }, 1_000)).status === 200 ? true : undefined), 30_000, `${w}'s sidecar up`, 200)
        .catch((err: Error) => {
          throw new Error(`${err.message}\n${sidecar.process.stdout().slice(-2_000)}\n${sidecar.process.stderr().slice(-2_000)}`);
        });
    }
    assert.match(sidecars[0]?.env.VNF_AGENT_SIGNAL_SOURCES ?? '', /kamailio/, 'the chart turns the kamailio signal on');

    const scenario = join(dir, 'uac-routes.xml');
    writeFileSync(scenario, UAC_WITH_ROUTES);
    for (const scenarioFile of [undefined, scenario]) {
      calls.push(await startSippUac({ target: `${addresses.bono.podIp}:5060`, localHost: sippHost, rate: 20, calls: CALLS, holdMs: HOLD_MS, ...(scenarioFile ? { scenarioFile } : {}) }));
    }
    for (const w of Object.keys(WORKLOADS) as Workload[]) {
      await eventually(async () => ((await activeDialogs(rpcUrl(w))) === 2 * CALLS ? true : undefined), 10_000, `${2 * CALLS} calls up on ${w}`, 100);
      const sidecar = sidecars.find((s) => s.name === `${w}-0`);
      await eventually(async () => {
        const load = JSON.parse((await httpExchange(`http://127.0.0.1:${sidecar?.port}/load`, { method: 'GET' }, 2_000)).body) as { signals?: { kamailio?: { raw?: { activeDialogs?: number } } } };
        return load.signals?.kamailio?.raw?.activeDialogs === 2 * CALLS ? true : undefined;
      }, 10_000, `${w}'s sidecar counting ${2 * CALLS} dialogs (GET /load)`, 200);
    }

    // The preStop hook's request: it must return when the calls end, long before the 60 s drain timeout.
    const started = performance.now();
    const drains = sidecars.map((s) => httpExchange(`http://127.0.0.1:${s.port}/drain?wait=true`, { method: 'GET' }, 70_000).then(() => performance.now()));
    const results = await Promise.all(calls.map((c) => c.exited(30_000)));
    const callsEnded = performance.now();
    results.forEach((r, i) => assert.equal(r.code, 0, `SIPp run ${i}: every call answered and ended\n${r.stdout.slice(-2_000)}`));
    const drained = await Promise.all(drains);
    const after = (at: number) => ((at - callsEnded) / 1000).toFixed(1);
    t.diagnostic(`drains began ${((callsEnded - started) / 1000).toFixed(1)} s before the calls ended and ended ${drained.map(after).join(' s and ')} s after them (drain timeout 60 s)`);
    for (const at of drained) {
      // The signal samples every 2 s: a drain ends within a sample or two of the last BYE, never before it.
      assert.ok(at > callsEnded - 500, `a drain ended ${after(at)} s after the calls: it must wait for them`);
      assert.ok(at < callsEnded + 10_000, `a drain ended ${after(at)} s after the calls: it should end with them, not at the 60 s timeout`);
    }
    for (const w of Object.keys(WORKLOADS) as Workload[]) assert.equal(await activeDialogs(rpcUrl(w)), 0, `${w} holds no dialog after the calls ended`);
    for (const k of running) assert.doesNotMatch(k.stderr(), /CRITICAL|ERROR: (?!dialog \[dlg_handlers\.c:\d+\]: dlg_onreply\(\): Faked reply!)/, 'no Kamailio errors but the documented one');
  });

  test('without a peer file Bono\'s Kamailio exits at start; with sidecar.native=false the init container leaves an empty one it starts on', async () => {
    const dir2 = join(dir, 'bono-fallback');
    const missing = await startChartKamailio(dir2, sipArgs('bono'), config('bono'), WORKLOADS.bono, fallbackBono).then(
      (k) => k.stop().then(() => 'started'),
      (err: Error) => err.message,
    );
    assert.match(missing, /can't open list file/, 'the failure the ordering prevents');

    const rendered = objects(await template(CHART, ['--set', 'sidecar.native=false']));
    const init = podSpecOf(find(rendered, 'Deployment', 'sip-vnf-agent-bono')).initContainers?.find((c) => c.name === 'vnf-agent-peers-file');
    const [node, ...args] = (init as { command?: string[] } | undefined)?.command ?? [];
    assert.equal(node, 'node', 'the sidecar image\'s node runs it');
    const file = localizer(dir2, fallbackBono)(init?.env?.find((e) => e.name === 'VNF_AGENT_PEERS_FILE')?.value ?? '');
    assert.equal(spawnSync(process.execPath, args, { env: { VNF_AGENT_PEERS_FILE: file } }).status, 0);
    assert.equal(readFileSync(file, 'utf8'), '', 'an empty peer set');
    const started = await startChartKamailio(dir2, sipArgs('bono'), config('bono'), WORKLOADS.bono, fallbackBono);
    running.push(started);
    // Then the sidecar writes the Sprouts and reloads (Kamailio refuses reloads for reload_delta, 5 s, after its start).
    const list = `1 sip:${addresses.sprout.podIp}:5054;transport=udp 0 0 duid=sprout-0\n`;
    writeFileSync(file, list);
    await eventually(async () => ((await rpc(started.rpcUrl, 'dispatcher.reload').then(() => true, () => undefined))), 10_000, 'dispatcher.reload accepted', 250);
    assert.match(JSON.stringify(await rpc(started.rpcUrl, 'dispatcher.list')), new RegExp(`sip:${addresses.sprout.podIp.replaceAll('.', '\\.')}:5054`));
    assert.equal(spawnSync(process.execPath, args, { env: { VNF_AGENT_PEERS_FILE: file } }).status, 0);
    assert.equal(readFileSync(file, 'utf8'), list, 'run again (a restarted pod), the init container never empties a written file');
  });
});
