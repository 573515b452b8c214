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
  (c) =>
    (c.peersReload === 'kamailio-rpc' || c.peersReload === 'http') && !/^https?:\/\/[^/\s]+/.test(c.peersReloadUrl)
      ? [{ source: envName('peersReloadUrl'), reason: `must be an http(s) URL when ${envName('peersReload')} is ${c.peersReload} (got ${JSON.stringify(c.peersReloadUrl)})` }]
      : [],
  (c) => (c.peersReload === 'signal' && c.peersReloadProcess === '' ? [{ source: envName('peersReloadProcess'), reason: `is required when ${envName('peersReload')} is signal` }] : []),
  (c) =>
    c.publicAddressReload === 'kamailio-rpc' && !/^https?:\/\/[^/\s]+/.test(c.publicAddressReloadUrl)
      ? [{ source: envName('publicAddressReloadUrl'), reason: `must be an http(s) URL when ${envName('publicAddressReload')} is kamailio-rpc (got ${JSON.stringify(c.publicAddressReloadUrl)})` }]
      : [],
  (c) =>
    c.drainNotice === 'kamailio-rpc' && !/^https?:\/\/[^/\s]+/.test(c.drainNoticeUrl)
      ? [{ source: envName('drainNoticeUrl'), reason: `must be an http(s) URL when ${envName('drainNotice')} is kamailio-rpc (got ${JSON.stringify(c.drainNoticeUrl)})` }]
      : [],
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
