import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KAMAILIO_BIN } from '../../sim/kamailio/config.js';
import { eventually, freePort, startAgent, type RunningProcess } from '../support/process.js';

/**
 * `vnf-agent local --sip kamailio --load sipp`: every pod's SIP server is a
 * real Kamailio and SIPp places the calls. They go through Bono's dispatcher to Sprouts that answer as
 * dialogs; the sidecars read Kamailio's own statistics; a policy change makes
 * the leader scale out and the new Sprout gets calls once Bono's sidecar has
 * rendered it into the dispatcher list and reloaded Kamailio.
 */
interface SipStats { server: string; role: string; activeCalls: number; answered: number; forwarded: number; rejected: number }
interface State {
  kubeconfig: string;
  notice: string;
  clusters: { name: string; leader: string | null; readyPods: number; deploymentReplicas: number }[];
  pods: { name: string; cluster: string; ip: string; terminating: boolean; ready: boolean; utilization: number | null; sip: SipStats | null }[];
  load: { counters: Record<string, number> };
}

describe('vnf-agent local --sip kamailio --load sipp', { timeout: 150_000 }, () => {
  let playground: RunningProcess;
  let url = '';
  let dir = '';

  const state = async (): Promise<State | undefined> => {
    const res = await fetch(`${url}api/state`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    return res?.ok ? ((await res.json()) as State) : undefined;
  };
  const sprouts = (s: State) => s.pods.filter((p) => p.cluster === 'sprout' && !p.terminating);
  const processes = (pattern: string) => {
    try {
      return execFileSync('pgrep', ['-f', '--', pattern], { encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      return []; // pgrep exits 1 when nothing matches
    }
  };
  const kamailios = () => processes(`${KAMAILIO_BIN} -f ${dir}`);
  const sipps = () => processes(`-sf ${dir}/sipp/`);

  before(async () => {
    const port = await freePort();
    playground = startAgent(['local', '--port', String(port), '--sip', 'kamailio', '--load', 'sipp', '--profile', 'constant', '--sprout-cps', '5', '--hold-ms', '2000']);
    url = await eventually(async () => /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(playground.stdout())?.[1], 10_000, `the dashboard URL\n${playground.stderr()}`);
  });

  after(() => {
    playground.child.kill('SIGKILL');
    if (dir) for (const pid of [...kamailios(), ...sipps()]) process.kill(Number(pid), 'SIGKILL');
  });

  test('calls go through Bono\'s Kamailio to both Sprout Kamailios, which the sidecars measure', async () => {
    const s = await eventually(async () => {
      const s = await state();
      const answering = s ? sprouts(s).filter((p) => p.ready && p.sip?.server === 'kamailio' && p.sip.answered > 0 && p.utilization !== null && p.utilization > 0) : [];
      const bono = s?.pods.find((p) => p.cluster === 'bono' && p.sip?.forwarded);
      return s && answering.length === 2 && bono && s.clusters.every((c) => c.leader) ? s : undefined;
    }, 30_000, 'two answering Sprouts with a utilization, calls forwarded by Bono, and leaders', 500);
    dir = dirname(s.kubeconfig);
    assert.match(s.notice, /real Kamailio.*callers are SIPp/);
    assert.ok(s.load.counters.answered! > 0, JSON.stringify(s.load.counters));
    const bono = s.pods.find((p) => p.cluster === 'bono')!;
    const list = readFileSync(join(dir, 'pods', bono.name, 'dispatcher.list'), 'utf8');
    for (const p of sprouts(s)) assert.match(list, new RegExp(`sip:${p.ip.replaceAll('.', '\\.')}:5054`), `dispatcher list names ${p.name}`);
    assert.ok(kamailios().length >= 3, 'a Kamailio per pod, with its workers');
    assert.equal(sipps().length, 1, 'one SIPp places the calls');
  });

  test('a lower target utilization makes the leader scale out; the new Sprout gets calls through the reloaded dispatcher', async () => {
    const before = (await state())!;
    const known = new Set(sprouts(before).map((p) => p.name));
    const res = await fetch(`${url}api/policy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cluster: 'sprout', targetUtilization: 0.2 }) });
    assert.equal(res.status, 200, await res.text());
    const fresh = await eventually(async () => {
      const s = await state();
      const added = s ? sprouts(s).filter((p) => !known.has(p.name) && p.ready && (p.sip?.answered ?? 0) > 0) : [];
      return added.length > 0 ? added : undefined;
    }, 60_000, 'a new ready Sprout answering calls', 500);
    const s = (await state())!;
    assert.ok(s.clusters.find((c) => c.name === 'sprout')!.deploymentReplicas > 2);
    process.stdout.write(`# kamailio playground: new sprout ${fresh[0]!.name} answered ${fresh[0]!.sip!.answered} calls; load ${JSON.stringify(s.load.counters)}\n`);
  });

  test('SIGINT stops SIPp and every Kamailio process (workers too) and removes the temp dir', async () => {
    playground.child.kill('SIGINT');
    const exit = await playground.exited(40_000);
    assert.equal(exit.code, 0, exit.stderr);
    assert.deepEqual(kamailios(), [], 'no Kamailio outlives the playground');
    assert.deepEqual(sipps(), [], 'no SIPp outlives the playground');
    assert.equal(existsSync(dir), false, `temp dir ${dir} removed`);
  });
});
