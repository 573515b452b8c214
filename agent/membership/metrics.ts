import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../metrics/registry.js';
import type { MemberState } from '../model/vnfcluster.js';
import type { ClusterView } from './view.js';

const STATES: readonly MemberState[] = ['joining', 'active', 'leaving'];

/** The peer-registration series, registered on the agent's own Registry. */
export class MembershipMetrics {
  readonly renders: Counter;
  readonly renderFailures: Counter;
  readonly reloads: Counter;
  readonly reloadFailures: Counter;
  readonly members: Gauge<'cluster' | 'state'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.renders = new Counter({ name: `${METRIC_PREFIX}peers_renders_total`, help: 'Peer files written because the membership changed', registers });
    this.renderFailures = new Counter({ name: `${METRIC_PREFIX}peers_render_failures_total`, help: 'Peer files that could not be rendered or written (retried with backoff)', registers });
    this.reloads = new Counter({ name: `${METRIC_PREFIX}peers_reloads_total`, help: 'Successful reloads of the SIP server after a peer file change', registers });
    this.reloadFailures = new Counter({ name: `${METRIC_PREFIX}peers_reload_failures_total`, help: 'Failed reloads of the SIP server (retried with backoff)', registers });
    this.members = new Gauge({
      name: `${METRIC_PREFIX}members`,
      help: 'Members of each rendered cluster by state (joining, active, leaving)',
      labelNames: ['cluster', 'state'],
      registers,
    });
  }

  /** Sets every state of every cluster, zeros included, and drops clusters no longer rendered. */
  observe(views: readonly ClusterView[]): void {
    this.members.reset();
    for (const view of views) {
      for (const state of STATES) {
        this.members.set({ cluster: view.cluster, state }, view.members.filter((m) => m.state === state).length);
      }
    }
  }
}
