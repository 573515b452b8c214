import type { Config } from './schema.js';
import type { ConfigViolation } from './errors.js';
import { envName } from './names.js';
import { timingViolations } from '../election/timing.js';
import { signalRules } from '../signals/config-rules.js';

/**
 * Checks that span more than one setting. They run only when every setting is
 * valid on its own, so each rule may trust the types.
 */
export type CrossFieldRule = (config: Config) => ConfigViolation[];

const podNamePattern = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

type ModeKey = 'peersReload' | 'publicAddressReload' | 'drainNotice';
type UrlKey = 'peersReloadUrl' | 'publicAddressReloadUrl' | 'drainNoticeUrl';

/** A mode that calls out over HTTP needs the URL it calls. */
function urlWhen(mode: ModeKey, url: UrlKey, modes: readonly string[]): CrossFieldRule {
  return (c) =>
    modes.includes(c[mode]) && !/^https?:\/\/[^/\s]+/.test(c[url])
      ? [{ source: envName(url), reason: `must be an http(s) URL when ${envName(mode)} is ${c[mode]} (got ${JSON.stringify(c[url])})` }]
      : [];
}

export const crossFieldRules: readonly CrossFieldRule[] = [
  (c) =>
    c.cluster !== '' && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.cluster)
      ? [{ source: envName('cluster'), reason: `must be a DNS-1123 label (got ${JSON.stringify(c.cluster)})` }]
      : [],
  (c) =>
    c.cluster !== '' && !podNamePattern.test(c.podName)
      ? [{ source: envName('podName'), reason: `must be a valid pod name (got ${JSON.stringify(c.podName)})` }]
      : [],
  (c) => (c.peersRenderer !== 'none' && c.peersFile === '' ? [{ source: envName('peersFile'), reason: `is required when ${envName('peersRenderer')} is ${c.peersRenderer}` }] : []),
  (c) => (c.peersReload !== 'none' && c.peersRenderer === 'none' ? [{ source: envName('peersReload'), reason: `needs ${envName('peersRenderer')}: there is no peer file to reload` }] : []),
  urlWhen('peersReload', 'peersReloadUrl', ['kamailio-rpc', 'http']),
  (c) => (c.peersReload === 'signal' && c.peersReloadProcess === '' ? [{ source: envName('peersReloadProcess'), reason: `is required when ${envName('peersReload')} is signal` }] : []),
  urlWhen('publicAddressReload', 'publicAddressReloadUrl', ['kamailio-rpc']),
  urlWhen('drainNotice', 'drainNoticeUrl', ['kamailio-rpc']),
  signalRules,
  // Leader-election timing: the same invariants the LeaderElector constructor enforces.
  (c) =>
    timingViolations(c).map((v) => ({
      source: envName(v.field),
      reason: v.reason.replace(/\b(leaseDurationMs|renewDeadlineMs|retryPeriodMs)\b/g, (key) => envName(key)),
    })),
  (c) =>
    c.apiTimeoutMs >= c.renewDeadlineMs
      ? [{ source: envName('apiTimeoutMs'), reason: `must be below ${envName('renewDeadlineMs')} (${c.renewDeadlineMs}), or a hung call could outlive leadership (got ${c.apiTimeoutMs})` }]
      : [],
];
