import type { Logger } from 'pino';
import type { LeaderElector } from '../election/elector.js';
import type { EventSink } from '../scaling/scaler-ports.js';
import type { VnfCluster } from '../model/vnfcluster.js';

/**
 * Turns election events into Kubernetes Events on the VnfCluster, so
 * `kubectl describe vnfcluster` shows who led when. Best effort: a failed
 * Event is logged, never retried, and never blocks the elector.
 */
export function recordElectionEvents(elector: LeaderElector, events: EventSink, cluster: () => VnfCluster | undefined, log: Logger): void {
  const record = (reason: string, note: string, type: 'Normal' | 'Warning' = 'Normal'): void => {
    const vc = cluster();
    if (!vc) return;
    events
      .record({ regarding: { apiVersion: vc.apiVersion, kind: vc.kind, name: vc.metadata.name, uid: vc.metadata.uid }, type, reason, note, action: 'Elect' })
      .catch((err: unknown) => log.debug({ err, reason }, 'Could not record election Event'));
  };
  elector.on('startedLeading', ({ identity, term }) => record('StartedLeading', `${identity} started leading (term ${term})`));
  elector.on('stoppedLeading', ({ identity, reason }) => record('StoppedLeading', `${identity} stopped leading: ${reason}`, 'Warning'));
}
