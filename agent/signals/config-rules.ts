import type { ConfigViolation } from '../config/errors.js';
import { envName } from '../config/names.js';
import type { Config, SettingKey } from '../config/schema.js';
import { parseSeries } from './prometheus-series.js';
import { parsePorts, parseSources, parseTargets } from './targets.js';

const URL_PATTERN = /^https?:\/\/[^/\s]+/;

/** Cross-field checks of the signal settings; registered in config/rules.ts. */
export function signalRules(c: Config): ConfigViolation[] {
  const violations: ConfigViolation[] = [];
  const bad = (key: SettingKey, reason: string): void => {
    violations.push({ source: envName(key), reason });
  };
  const sources = parseSources(c.signalSources);
  if (!sources.ok) sources.errors.forEach((e) => bad('signalSources', e));
  const enabled = sources.ok ? sources.value : [];
  if (sources.ok && !enabled.includes('sip-options')) bad('signalSources', 'must include sip-options: readiness depends on the SIP probe');
  if (c.signalTimeoutMs >= c.signalIntervalMs) bad('signalTimeoutMs', `must be below ${envName('signalIntervalMs')} (${c.signalIntervalMs}) so passes never pile up`);
  if (c.signalOptionsTimeoutMs >= c.signalTimeoutMs) bad('signalOptionsTimeoutMs', `must be below ${envName('signalTimeoutMs')} (${c.signalTimeoutMs})`);
  const targets = parseTargets(c.signalTargets);
  if (!targets.ok) targets.errors.forEach((e) => bad('signalTargets', e));
  const ports = parsePorts(c.signalSocketPorts);
  if (!ports.ok) ports.errors.forEach((e) => bad('signalSocketPorts', e));
  if (enabled.includes('kamailio') && !URL_PATTERN.test(c.signalKamailioRpcUrl)) {
    bad('signalKamailioRpcUrl', `must be an http(s) URL when ${envName('signalSources')} has kamailio (got ${JSON.stringify(c.signalKamailioRpcUrl)})`);
  }
  if (enabled.includes('prometheus')) {
    if (!URL_PATTERN.test(c.signalPrometheusUrl)) bad('signalPrometheusUrl', `must be an http(s) URL when ${envName('signalSources')} has prometheus (got ${JSON.stringify(c.signalPrometheusUrl)})`);
    const series = parseSeries(c.signalPrometheusSeries);
    if (!series.ok) series.errors.forEach((e) => bad('signalPrometheusSeries', e));
    else if (series.value.length === 0) bad('signalPrometheusSeries', `must name at least one series when ${envName('signalSources')} has prometheus`);
  }
  return violations;
}
