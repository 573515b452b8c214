import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { kubectlBin } from '../support/controlplane.js';
import { eventually, freePort, startAgent, type RunningProcess } from '../support/process.js';

/**
 * `vnf-agent local` as a user runs it (the built CLI as a child process):
 * start-up times, the dashboard in headless Chromium (kill the leader's pod,
 * see a new leader and the replicas recover), and a clean Ctrl-C.
 * Needs `npm run build`; the browser part needs Debian's chromium.
 */
const CHROMIUM = '/usr/bin/chromium';

interface State {
  kubeconfig: string;
  pids: number[];
  clusters: { name: string; leader: string | null; runningPods: number; readyPods: number }[];
  pods: { name: string; cluster: string; terminating: boolean; ready: boolean; sidecar: unknown; sip: unknown }[];
}

describe('vnf-agent local (the playground)', { timeout: 150_000 }, () => {
  let playground: RunningProcess;
  let url = '';
  let startedMs = 0;
  const seenPids = new Set<number>();

  const state = async (): Promise<State | undefined> => {
    const res = await fetch(`${url}api/state`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return undefined;
    const s = (await res.json()) as State;
    s.pids.forEach((p) => seenPids.add(p));
    return s;
  };
  const cluster = (s: State, name: string) => s.clusters.find((c) => c.name === name);

  before(async () => {
    const port = await freePort();
    startedMs = performance.now();
    playground = startAgent(['local', '--port', String(port)]);
  });

  after(() => {
    playground.child.kill('SIGKILL');
    for (const pid of seenPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    }
  });

  test('prints the dashboard URL, then a Sprout and a Bono leader appear (deadlines 10 s and 30 s; the printed figures are the speed)', async () => {
    url = await eventually(async () => /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(playground.stdout())?.[1], 10_000, `the dashboard URL\n${playground.stderr()}`);
    const urlMs = performance.now() - startedMs;
    const leaders = await eventually(async () => {
      const s = await state();
      const sprout = s && cluster(s, 'sprout')?.leader;
      const bono = s && cluster(s, 'bono')?.leader;
      return sprout && bono ? { sprout, bono } : undefined;
    }, 30_000 - (performance.now() - startedMs), 'leaders for sprout and bono', 200);
    const leaderMs = performance.now() - startedMs;
    process.stdout.write(`# playground: dashboard URL after ${urlMs.toFixed(0)} ms, leaders after ${leaderMs.toFixed(0)} ms (${JSON.stringify(leaders)})\n`);
    assert.ok(leaders.sprout.startsWith('sprout-'));
    const s = (await state())!;
    assert.ok(existsSync(s.kubeconfig), 'the printed kubeconfig exists');
    assert.match(playground.stdout(), /simulation/i, 'says it is a simulation');
  });

  test('kubectl sees the VnfClusters, pods and Leases through the printed kubeconfig', async () => {
    const s = (await state())!;
    const out = execFileSync(kubectlBin(), ['--kubeconfig', s.kubeconfig, '--cache-dir', `${dirname(s.kubeconfig)}/kubectl-cache`, 'get', 'vnfclusters,pods,leases', '-o', 'name'], { encoding: 'utf8', timeout: 30_000 });
    assert.match(out, /vnfcluster\.vnf-agent\.dev\/sprout/);
    assert.match(out, /pod\/sprout-/);
    assert.match(out, /lease\.coordination\.k8s\.io\/sprout-leader/);
  });

  test('dashboard in headless Chromium: pods, leader and chart render; killing the leader pod elects a new leader and replicas recover', async () => {
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
      const page = await browser.newPage({ viewport: { width: 1300, height: 1100 } });
      await page.goto(url);
      await page.locator('#pods tr[data-pod]').nth(2).waitFor({ timeout: 10_000 });
      const leaderName = page.locator('.cluster[data-cluster="sprout"] .leader-name');
      await eventually(async () => ((await leaderName.textContent())?.startsWith('sprout-') ? true : undefined), 10_000, 'the leader on the page');
      const leader = (await leaderName.textContent())!;
      assert.equal(await page.locator('#chart canvas').count() > 0, true, 'uPlot drew its canvas');
      assert.match((await page.locator('#notice').textContent()) ?? '', /simulat/i);

      await page.locator(`button.kill[data-pod="${leader}"]`).click();
      await eventually(async () => ((await page.locator('#action-result').textContent())?.includes(`deleted pod ${leader}`) ? true : undefined), 5_000, 'the kill to be acknowledged');
      const newLeader = await eventually(async () => {
        const text = await leaderName.textContent();
        return text && text !== leader && text.startsWith('sprout-') ? text : undefined;
      }, 40_000, 'a new Sprout leader on the page', 250);
      const recovered = await eventually(async () => {
        const s = await state();
        const sprout = s && cluster(s, 'sprout');
        const alive = s?.pods.filter((p) => p.cluster === 'sprout' && !p.terminating && p.ready && p.sidecar !== null && p.sip !== null) ?? [];
        return sprout && sprout.readyPods === 2 && alive.length === 2 && !alive.some((p) => p.name === leader) ? alive.map((p) => p.name) : undefined;
      }, 40_000, 'two ready Sprouts again without the killed pod', 250);
      assert.ok(recovered.includes(newLeader), `the new leader ${newLeader} is one of ${recovered.join(', ')}`);
      await page.waitForTimeout(1_500);
      mkdirSync('artifacts', { recursive: true });
      await page.screenshot({ path: 'artifacts/playground.png', fullPage: true });
    } finally {
      await browser?.close();
    }
  });

  test('SIGINT stops every pod process and removes the temp dir', async () => {
    const s = (await state())!;
    const dir = dirname(s.kubeconfig);
    assert.ok(seenPids.size >= 6, `sidecar and SIP server pids of at least 3 pods: ${[...seenPids].join(', ')}`);
    playground.child.kill('SIGINT');
    const exit = await playground.exited(30_000);
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /Playground stopped/);
    const survivors = [...seenPids].filter((pid) => {
      try {
        return /dist\/agent\/main\.js|sim\/sip\/main/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      } catch {
        return false;
      }
    });
    assert.deepEqual(survivors, [], 'no sidecar or simulated SIP server outlives the playground');
    assert.equal(existsSync(dir), false, `temp dir ${dir} removed`);
  });
});
