import type { LoadDriverKind } from '../load/driver.js';
import type { ProfileKind } from '../load/profiles.js';

/** Each simulated pod's SIP server: the built-in simulation or a real Kamailio. */
export type SipServerKind = 'sim' | 'kamailio';

/** What `vnf-agent local` was asked for, with the defaults filled in. */
export interface PlaygroundSettings {
  /** Dashboard port on 127.0.0.1. */
  readonly port: number;
  readonly namespace: string;
  readonly profile: ProfileKind;
  /** Throughput of one simulated Sprout, new calls per second. */
  readonly sproutCallsPerSecond: number;
  readonly sproutWorkers: number;
  /** Established calls one simulated Sprout holds. */
  readonly sproutMaxCalls: number;
  /** How long a generated call lasts. */
  readonly holdMs: number;
  readonly sidecarLogLevel: string;
  /** Each pod's SIP server: the simulation or real Kamailio. */
  readonly sip: SipServerKind;
  /** Who places the calls: the built-in UAC or SIPp. */
  readonly load: LoadDriverKind;
}

/** Ports every simulated pod uses on its own 127.0.0.x address. */
export const POD_PORTS = {
  sidecarHttp: 8686,
  sproutSip: 5054,
  bonoSip: 5060,
  /** The simulated SIP server's GET /metrics, GET /stats, POST /reload. */
  simStats: 9091,
} as const;

export const DEFAULT_SETTINGS: PlaygroundSettings = {
  port: 8080,
  namespace: 'vnf-playground',
  profile: 'daily',
  sproutCallsPerSecond: 10,
  sproutWorkers: 2,
  sproutMaxCalls: 60,
  holdMs: 3_000,
  sidecarLogLevel: 'info',
  sip: 'sim',
  load: 'builtin',
};
