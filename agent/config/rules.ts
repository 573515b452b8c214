import type { Config } from './schema.js';
import type { ConfigViolation } from './errors.js';
import { envName } from './names.js';

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
];
