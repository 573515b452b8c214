import Value from 'typebox/value';
import { ConfigError, ConfigSchema, loadConfig, type ConfigSources } from '../../agent/config/index.js';
import type { Fixture } from './server-fixture.js';
import type { FuzzRequest } from './arbitraries.js';

/**
 * The properties every fuzzed input must keep; each returns a problem in
 * words, or undefined. Shared by the bounded tests and the 100k benches.
 */

/** 503 is an answer, not a failure, only where the route documents it: /readyz while draining. */
const documented503 = (r: FuzzRequest): boolean => /^\/readyz(?:[?#]|$)/.test(r.url) && ['GET', 'HEAD'].includes(String(r.method));

export async function checkHttp(f: Fixture, r: FuzzRequest, onStatus?: (status: number) => void): Promise<string | undefined> {
  let res;
  try {
    res = await f.app.inject({ method: r.method, url: r.url, headers: r.headers, remoteAddress: r.remoteAddress, ...(r.payload !== undefined ? { payload: r.payload } : {}) });
  } catch (err) {
    return `inject threw: ${(err as Error).message}`;
  }
  onStatus?.(res.statusCode);
  const where = `${String(r.method)} ${r.url.slice(0, 120)} -> ${res.statusCode}`;
  if (res.statusCode >= 500 && !(res.statusCode === 503 && documented503(r))) return `${where}: ${res.body.slice(0, 300)}`;
  if (res.statusCode >= 400 && r.method !== 'HEAD') {
    let body: { error?: unknown; reason?: unknown; status?: unknown };
    try {
      body = res.json();
    } catch {
      return `${where}: the error body is not JSON: ${res.body.slice(0, 200)}`;
    }
    // Health routes answer failures with their check list; every other error says what went wrong.
    const clear = (typeof body.error === 'string' && typeof body.reason === 'string' && body.reason !== '') || body.status === 'failed';
    if (!clear) return `${where}: the error body gives no reason: ${res.body.slice(0, 200)}`;
  }
  return undefined;
}

/** Log lines that mean a request failed inside the server (a 5xx was logged). */
export const serverFailures = (f: Fixture): string[] =>
  f.sink.lines().filter((l) => l.msg === 'Request failed' || l.level === 'error' || l.level === 'fatal').map((l) => JSON.stringify(l).slice(0, 300));

/** loadConfig either returns a valid, frozen config or throws one ConfigError naming each problem; nothing else. */
export function checkConfig(sources: ConfigSources): string | undefined {
  try {
    const config = loadConfig(sources);
    if (!Object.isFrozen(config)) return 'the config is not frozen';
    if (!Value.Check(ConfigSchema, config)) return `an accepted config fails the schema: ${JSON.stringify(config).slice(0, 300)}`;
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) return `threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`;
    if (err.violations.length === 0) return 'ConfigError without violations';
    const blank = err.violations.find((v) => v.source === '' || v.reason === '');
    if (blank) return `a violation without source or reason: ${JSON.stringify(blank)}`;
    if (!err.message.startsWith('invalid configuration')) return `unexpected message: ${err.message.slice(0, 200)}`;
    return undefined;
  }
}
