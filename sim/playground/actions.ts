import { isProfileKind, presetProfiles } from '../load/profiles.js';
import type { LoadDriver } from '../load/driver.js';
import type { DashboardActions } from './dashboard-server.js';
import type { History } from './history.js';
import { paths, type KubeHttp } from './kube-http.js';
import type { Observer } from './observer.js';
import type { PodSupervisor } from './pods.js';
import type { PlaygroundSettings } from './settings.js';
import type { Clock } from '../../agent/clock/clock.js';

export interface ActionDeps {
  readonly kube: KubeHttp;
  readonly settings: PlaygroundSettings;
  readonly supervisor: PodSupervisor;
  readonly observer: Observer;
  readonly load: LoadDriver;
  readonly history: History;
  readonly clock: Clock;
}

/** The dashboard's buttons, each recorded as an event on the chart. */
export function playgroundActions(d: ActionDeps): DashboardActions {
  const ns = d.settings.namespace;
  const note = (text: string): string => {
    d.history.addEvent({ t: d.clock.wallTime().getTime() / 1000, kind: 'action', text });
    return text;
  };
  return {
    async killPod(name) {
      await d.kube.delete(paths.pod(ns, name));
      return note(`deleted pod ${name} (graceful: preStop drain, SIGTERM, SIGKILL after the grace period)`);
    },
    async pauseLeader(cluster, seconds) {
      const leader = d.observer.state()?.clusters.find((c) => c.name === cluster)?.leader;
      if (!leader) throw new Error(`${cluster} has no leader to pause`);
      const ms = Math.min(Math.max(seconds, 1), 120) * 1000;
      if (!d.supervisor.pauseSidecar(leader, ms)) throw new Error(`no running sidecar for ${leader}`);
      await Promise.resolve();
      return note(`paused the sidecar of ${cluster} leader ${leader} (SIGSTOP) for ${ms / 1000} s`);
    },
    setProfile(kind) {
      if (!isProfileKind(kind)) throw new Error(`unknown load profile ${JSON.stringify(kind)}`);
      const profile = presetProfiles(d.settings.sproutCallsPerSecond)[kind];
      d.load.setProfile(profile);
      return note(`load profile ${kind}: ${JSON.stringify(profile)}`);
    },
    async setPolicy(cluster, policy) {
      if (Object.keys(policy).length === 0) throw new Error('nothing to change');
      await d.kube.mergePatch(paths.vnfCluster(ns, cluster), { spec: policy });
      return note(`patched VnfCluster ${cluster} spec ${JSON.stringify(policy)}`);
    },
  };
}
