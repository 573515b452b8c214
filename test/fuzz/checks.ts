import { isDeepStrictEqual } from 'node:util';
import Value from 'typebox/value';
import { ConfigError, ConfigSchema, loadConfig, type ConfigSources } from '../../agent/config/index.js';
import { FORWARDED_HEADER } from '../../agent/http/routes/scale.js';
import type { ParsedMessage } from '../../agent/signals/sip/message.js';
import type { Fixture } from './server-fixture.js';
import type { FuzzRequest } from './arbitraries.js';
import { fromSidecar, type LeaderAnswer } from './biting-leader.js';

/**
 * The properties every fuzzed input must keep; each returns a problem in
 * words, or undefined. Shared by the bounded tests and the 100k benches.
 */

type Reply = Awaited<ReturnType<Fixture['app']['inject']>>;

const forwardedHeader = (r: FuzzRequest): boolean => Object.keys(r.headers).some((h) => h.toLowerCase() === FORWARDED_HEADER);
/** The request reaches the /scale routes (a query, fragment or path parameter does not change the route). */
export const targetsScale = (r: FuzzRequest): boolean => /^\/scale(?:[?#;]|$)/.test(r.url);

/**
 * 503 is an answer, not a failure, only where a route documents it: /readyz
 * while draining, and /scale on a pod that no longer leads when another
 * sidecar forwarded the request there (the caller retries; forwarding it on
 * could loop). The fuzz sets the forwarding header at random, as a
 * confused or hostile client could.
 */
function documented503(f: Fixture, r: FuzzRequest, body: string): boolean {
  if (/^\/readyz(?:[?#]|$)/.test(r.url) && ['GET', 'HEAD'].includes(String(r.method))) return true;
  return !f.isLeader && targetsScale(r) && forwardedHeader(r) && (r.method === 'HEAD' || /this pod is not the leader/.test(body));
}

async function send(f: Fixture, r: FuzzRequest): Promise<Reply | string> {
  try {
    return await f.app.inject({ method: r.method, url: r.url, headers: r.headers, remoteAddress: r.remoteAddress, ...(r.payload !== undefined ? { payload: r.payload } : {}) });
  } catch (err) {
    return `inject threw: ${(err as Error).message}`;
  }
}

/** No 5xx but the documented ones, and every error a JSON body that says what went wrong. */
function judge(f: Fixture, r: FuzzRequest, res: Reply): string | undefined {
  const where = `${f.pod}: ${String(r.method)} ${r.url.slice(0, 120)} -> ${res.statusCode}`;
  if (res.statusCode >= 500 && !(res.statusCode === 503 && documented503(f, r, res.body))) return `${where}: ${res.body.slice(0, 300)}`;
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

export async function checkHttp(f: Fixture, r: FuzzRequest, onStatus?: (status: number) => void): Promise<string | undefined> {
  const res = await send(f, r);
  if (typeof res === 'string') return res;
  onStatus?.(res.statusCode);
  return judge(f, r, res);
}

/** What a client can tell apart in an answer: status, content type and body (parsed when JSON). */
function answer(res: Reply, head: boolean): unknown {
  let body: unknown = res.body;
  try {
    body = JSON.parse(res.body);
  } catch {
    // Compared as text.
  }
  return { status: res.statusCode, type: res.headers['content-type'], ...(head ? {} : { body }) };
}

/**
 * The follower keeps every invariant, and answers /scale exactly as its
 * leader answers the same request sent to it directly: forwarding must not
 * change what the client gets (a lost header, a re-encoded body or a relayed
 * error would). The follower's own 429 is its per-client limit, which the
 * leader, asked from another address, need not share. Commands are
 * idempotent, so asking the leader a second time changes nothing.
 */
export async function checkForwarded(pair: { follower: Fixture; leader: Fixture }, r: FuzzRequest, onStatus?: (status: number) => void): Promise<string | undefined> {
  const res = await send(pair.follower, r);
  if (typeof res === 'string') return res;
  onStatus?.(res.statusCode);
  const problem = judge(pair.follower, r, res);
  if (problem || !targetsScale(r) || forwardedHeader(r) || res.statusCode === 429) return problem;
  const direct = await send(pair.leader, r);
  if (typeof direct === 'string') return `the leader asked directly: ${direct}`;
  const [relayed, own] = [answer(res, r.method === 'HEAD'), answer(direct, r.method === 'HEAD')];
  if (isDeepStrictEqual(relayed, own)) return undefined;
  return `${String(r.method)} ${r.url.slice(0, 120)}: the follower answered ${JSON.stringify(relayed).slice(0, 300)}, the leader ${JSON.stringify(own).slice(0, 300)}`;
}

/** Log lines that mean a request failed inside the server (a 5xx was logged). */
export const serverFailures = (...fixtures: Fixture[]): string[] =>
  fixtures.flatMap((f) => f.sink.lines()).filter((l) => l.msg === 'Request failed' || l.level === 'error' || l.level === 'fatal').map((l) => JSON.stringify(l).slice(0, 300));

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

/**
 * A follower whose leader's address answered `a` (biting-leader.ts): a
 * sidecar's answer is relayed exactly, anything else is a 502 whose reason
 * names the leader; requests it never forwarded keep the usual invariants.
 */
export async function checkBitten(follower: Fixture, r: FuzzRequest, a: LeaderAnswer, wasForwarded: () => boolean, onStatus?: (status: number) => void): Promise<string | undefined> {
  const res = await send(follower, r);
  if (typeof res === 'string') return res;
  onStatus?.(res.statusCode);
  if (!wasForwarded()) return judge(follower, r, res);
  const where = `${String(r.method)} ${r.url.slice(0, 80)} answered ${JSON.stringify(a).slice(0, 200)} by the leader's address -> ${res.statusCode} ${res.body.slice(0, 200)}`;
  const parsed = (text: string): string => {
    try {
      return JSON.stringify(JSON.parse(text));
    } catch {
      return `(not JSON) ${text}`;
    }
  };
  if (fromSidecar(a)) {
    const same = res.statusCode === a.status && (r.method === 'HEAD' || parsed(res.body) === parsed(a.body));
    return same ? undefined : `${where}: a sidecar's answer, not relayed as is`;
  }
  // A HEAD answer has no body to name anyone.
  const named = r.method === 'HEAD' || /"reason":"(?:the leader sprout-1 at 127\.0\.0\.1 answered|could not reach the leader sprout-1)/.test(res.body);
  return res.statusCode === 502 && named ? undefined : `${where}: not a sidecar's answer, yet not a 502 naming the leader`;
}

/** A parsed SIP message the prober may act on: a response has a real status code, Call-ID, branch and Retry-After. */
export function sipParseProblem(parsed: ParsedMessage): string | undefined {
  if (parsed.kind !== 'response') return undefined;
  if (!(Number.isInteger(parsed.statusCode) && parsed.statusCode >= 100 && parsed.statusCode <= 699)) return `status ${parsed.statusCode}`;
  if (parsed.callId.length === 0 || parsed.branch.length === 0) return 'a response without Call-ID or branch';
  if (!(parsed.retryAfterS === undefined || (Number.isInteger(parsed.retryAfterS) && parsed.retryAfterS >= 0))) return `Retry-After ${parsed.retryAfterS}`;
  return undefined;
}
