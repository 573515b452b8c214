import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Clock } from '../../agent/clock/clock.js';
import { startApiServer, type ApiServer } from '../apiserver/index.js';
import type { LoadDriver } from '../load/driver.js';
import { LoadGenerator } from '../load/generator.js';
import { presetProfiles } from '../load/profiles.js';
import { SippLoad } from '../load/sipp.js';
import { SIM_SIP_MAIN } from '../sip/main.js';
import { playgroundActions } from './actions.js';
import { startDashboard, type Dashboard } from './dashboard-server.js';
import { History } from './history.js';
import { KubeHttp, paths } from './kube-http.js';
import { locateFiles } from './locate.js';
import { deploymentObject, namespaceObject, vnfClusterObject } from './manifests.js';
import { kamailioBackend } from './kamailio-backend.js';
import { Observer, playgroundNotice } from './observer.js';
import { PodSupervisor } from './pods.js';
import type { PlaygroundSettings } from './settings.js';
import { simBackend } from './sim-backend.js';

export interface RunningPlayground {
  readonly dashboardUrl: string;
  readonly kubeconfig: string;
  readonly dir: string;
  /** Orderly: load off, pods stopped (SIGTERM, then SIGKILL), API server closed, temp dir removed. */
  stop(): Promise<void>;
  /** Second Ctrl-C: SIGKILL every pod process and remove the temp dir. */
  kill(): void;
}

const TICK_MS = 1_000;

/** Kubeconfig of the stand-in with `namespace` as the context's default (so plain kubectl sees the playground). */
function kubeconfigIn(server: ApiServer, token: string, namespace: string): string {
  const doc = parse(server.kubeconfig(token)) as { contexts: { context: { namespace?: string } }[] };
  for (const c of doc.contexts) c.context.namespace = namespace;
  return stringify(doc);
}

export async function startPlayground(settings: PlaygroundSettings, clock: Clock, say: (line: string) => void): Promise<RunningPlayground> {
  const files = locateFiles();
  const dir = mkdtempSync(join(tmpdir(), 'vnf-agent-playground-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const undo = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, randomBytes(16).toString('hex'), { mode: 0o600 });
    const history = new History();
    const note = (kind: 'pod' | 'info', text: string) => {
      history.addEvent({ t: clock.wallTime().getTime() / 1000, kind, text });
      say(text);
    };
    const node = { execPath: process.execPath, execArgv: process.execArgv };
    const sip = settings.sip === 'kamailio' ? kamailioBackend({ settings, dir: join(dir, 'kamailio') }) : simBackend({ settings, node, simSipMain: SIM_SIP_MAIN });
    // The pods' kubeconfigs need the server's URL; pods appear only after it started.
    const api: { server?: ApiServer } = {};
    const supervisor = new PodSupervisor({
      settings, clock, rootDir: dir, tokenFile,
      kubeconfigFor: (pod, podDir) => {
        const path = join(podDir, 'kubeconfig');
        writeFileSync(path, kubeconfigIn(api.server!, pod, settings.namespace), { mode: 0o600 });
        return path;
      },
      node, sidecarMain: files.sidecarMain, sip,
      baseEnv: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VNF_AGENT_') && k !== 'KUBECONFIG')),
      note: (kind, text) => note(kind === 'pod' ? 'pod' : 'info', text),
    });
    const server = await startApiServer({ crdFiles: [files.crd], kubelet: { onPodRunning: supervisor.onPodRunning, onPodStopping: supervisor.onPodStopping } });
    api.server = server;
    cleanups.push(() => server.close());
    // Runs before the API server closes: stopping sidecars release their Leases through it.
    cleanups.push(() => supervisor.stopAll());
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigIn(server, 'playground-admin', settings.namespace), { mode: 0o600 });

    const kube = new KubeHttp(server.url, 'playground');
    const profile = presetProfiles(settings.sproutCallsPerSecond)[settings.profile];
    const load: LoadDriver = settings.load === 'sipp'
      ? new SippLoad({ clock, holdMs: settings.holdMs, dir: join(dir, 'sipp'), log: (line) => note('info', line) }, profile)
      : new LoadGenerator({ clock, holdMs: settings.holdMs }, profile);
    const observer = new Observer({ kube, namespace: settings.namespace, kubeconfig, supervisor, load, sip, history, clock });
    const actions = playgroundActions({ kube, settings, supervisor, observer, load, history, clock });
    const dashboard: Dashboard = await startDashboard({
      host: '127.0.0.1', port: settings.port, assetsDir: files.dashboardAssets, chartDir: files.chartDir, state: () => observer.state(), history, actions,
    });
    cleanups.push(() => dashboard.close());
    say(`Dashboard: ${dashboard.url}`);
    say(`Kubeconfig: ${kubeconfig}  (kubectl --kubeconfig ${kubeconfig} get vnfclusters,pods,leases)`);
    say(playgroundNotice(sip, load));

    const ns = settings.namespace;
    await kube.create(paths.namespaces(), namespaceObject(ns));
    for (const role of ['sprout', 'bono'] as const) await kube.create(paths.vnfClusters(ns), vnfClusterObject(role));
    await kube.create(paths.deployments(ns), deploymentObject('sprout', 2));
    await kube.create(paths.deployments(ns), deploymentObject('bono', 1));

    await load.start();
    cleanups.push(() => load.stop());
    const unsubscribe = history.onEvent((e) => dashboard.broadcast('event', e));
    const ticking = new AbortController();
    cleanups.push(() => {
      ticking.abort();
      unsubscribe();
    });
    void (async () => {
      while (!ticking.signal.aborted) {
        try {
          const { state, point } = await observer.tick();
          dashboard.broadcast('tick', { state, point });
        } catch (err) {
          if (!ticking.signal.aborted) say(`observer: ${(err as Error).message}`);
        }
        await clock.sleep(TICK_MS, ticking.signal).catch(() => undefined);
      }
    })();

    return {
      dashboardUrl: dashboard.url,
      kubeconfig,
      dir,
      stop: undo,
      kill: () => {
        supervisor.killAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await undo();
    throw err;
  }
}
