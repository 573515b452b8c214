import type { Clock } from '../clock/clock.js';
import type { Fence } from '../election/leadership.js';
import type { PodFacts } from '../membership/state.js';
import type { VnfCluster } from '../model/vnfcluster.js';
import { describeError, fenced } from '../scaling/scaler-ports.js';
import { exposureOf, planServices, type ServiceAction } from './plan.js';
import type { MemberServices } from './ports.js';

export interface LeaderServicesDeps {
  readonly clock: Clock;
  readonly services: MemberServices;
  /** elector.fence() as leader work sees it: called before every request. */
  readonly fence: () => Fence;
  readonly apiTimeoutMs: number;
  /** The port of the member Services when spec.exposure lists none: the sidecars' SIP port. */
  readonly sipPort: number;
  /** How long a pass with nothing to do holds while spec, members and term stay the same; RESYNC_MS by default. */
  readonly resyncMs?: number;
}

/**
 * The leader is the only writer of member Services, so while the spec, the
 * member pods and its term stay as they were in a pass that found nothing to
 * do, the next pass would find nothing either: it skips the list, and lists
 * again at least this often, to repair a Service someone else changed or
 * deleted (a controller's resync period).
 */
export const RESYNC_MS = 30_000;

/**
 * The leader's member Services: one per member pod of the spec's type, kept
 * as the spec says, deleted once the pod is gone. Each pass reads the
 * cluster's Services (a quorum list, fenced) and makes every write against
 * the version that list returned: a create names the Service, so a second
 * leader's create of the same one fails with 409; an update or delete of a
 * Service that changed since fails with 409 too, and the next pass decides
 * again on what is there then. A failed write ends the pass (the next one
 * reads again); it never throws.
 */
export class LeaderServices {
  /** A cluster whose exposure was on in an earlier pass: list once more after it turns None, to remove its Services. */
  readonly #wasExposed = new Set<string>();
  /** Per cluster, the inputs of the last pass that found nothing to do, and when it listed. */
  readonly #quiet = new Map<string, { readonly inputs: string; readonly listedAtMs: number }>();

  constructor(private readonly d: LeaderServicesDeps) {}

  async pass(vc: VnfCluster, pods: readonly PodFacts[], outer: AbortSignal): Promise<string | undefined> {
    const cluster = vc.metadata.name;
    const exposure = exposureOf(vc.spec);
    if (exposure.type === 'None' && !this.#wasExposed.has(cluster)) return undefined;
    const request = <T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> =>
      fenced(this.d.clock, this.d.fence(), this.d.apiTimeoutMs, outer, what, work);
    const members = pods.map((p) => ({ name: p.name, uid: p.process?.uid ?? '' }));
    const listedAtMs = this.d.clock.nowMs();
    let inputs: string;
    let actions: ServiceAction[];
    try {
      // fence() throws when not leading: the same answer as a refused list.
      inputs = JSON.stringify([this.d.fence().term, exposure, members]);
      const quiet = this.#quiet.get(cluster);
      if (quiet?.inputs === inputs && listedAtMs - quiet.listedAtMs < (this.d.resyncMs ?? RESYNC_MS)) return undefined;
      const existing = await request(`list member Services of ${cluster}`, (signal) => this.d.services.list(cluster, signal));
      actions = planServices(cluster, exposure, this.d.sipPort, members, existing);
    } catch (err) {
      return `could not list member Services: ${describeError(err)}`;
    }
    if (actions.length === 0) this.#quiet.set(cluster, { inputs, listedAtMs });
    else this.#quiet.delete(cluster);
    const done: string[] = [];
    for (const action of actions) {
      try {
        await this.#apply(action, request);
        done.push(describe(action));
      } catch (err) {
        done.push(`could not ${describe(action)}: ${describeError(err)}`);
        break;
      }
    }
    if (exposure.type === 'None') this.#wasExposed.delete(cluster);
    else this.#wasExposed.add(cluster);
    return done.length > 0 ? done.join('; ') : undefined;
  }

  #apply(action: ServiceAction, request: <T>(what: string, work: (signal: AbortSignal) => Promise<T>) => Promise<T>): Promise<unknown> {
    const s = this.d.services;
    switch (action.kind) {
      case 'create':
        return request(`create Service ${action.spec.name}`, (signal) => s.create(action.spec, signal));
      case 'update':
        return request(`update Service ${action.spec.name}`, (signal) => s.update(action.spec, action.version, signal));
      case 'delete':
        return request(`delete Service ${action.name}`, (signal) => s.remove(action.name, action.version, signal));
    }
  }
}

function describe(action: ServiceAction): string {
  switch (action.kind) {
    case 'create':
      return `create ${action.spec.type} Service ${action.spec.name} for ${action.spec.member}`;
    case 'update':
      return `update Service ${action.spec.name} (${action.why})`;
    case 'delete':
      return `delete Service ${action.name} (${action.why})`;
  }
}
