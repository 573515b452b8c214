import type { PodFacts, Role } from './pod-env.js';
import type { SipServerKind } from './settings.js';

/** What the dashboard shows of one pod's SIP server, whichever server it is. */
export interface PodSipStats {
  readonly server: SipServerKind;
  readonly role: Role;
  readonly activeCalls: number;
  /** Sprout: new calls answered. */
  readonly answered: number;
  /** Bono: new calls sent on to a Sprout. */
  readonly forwarded: number;
  /** New calls refused (503 overload, call cap, no Sprout). */
  readonly rejected: number;
  /** Requests waiting for a worker (the simulated Sprout's queue; Kamailio reports none). */
  readonly queueLength: number;
}

/** The pod's SIP server container, as the playground's kubelet runs it. */
export interface SipContainer {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * What runs as each pod's SIP server: the simulation (`sim/sip`) or real
 * Kamailio. The backend owns the container's command line, the sidecar's
 * settings that depend on it (load signals, peer file format and reload) and
 * how the dashboard reads the server's own statistics.
 */
export interface SipBackend {
  readonly kind: SipServerKind;
  /** One sentence for stdout and the dashboard: what is real, what is simulated. */
  readonly notice: string;
  container(pod: PodFacts): SipContainer;
  sidecarEnv(pod: PodFacts): Record<string, string>;
  /** The server's statistics, or null when it does not answer (bounded). */
  stats(pod: { readonly ip: string; readonly role: Role }): Promise<PodSipStats | null>;
}
