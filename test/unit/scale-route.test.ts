import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../agent/http/server.js';
import { HealthChecks } from '../../agent/http/checks.js';
import { createRegistry } from '../../agent/metrics/registry.js';
import { createLogger } from '../../agent/log/logger.js';
import type { ScaleReply } from '../../agent/http/routes/scale.js';
import { ScaleDesk, type ScalerView } from '../../agent/scaling/scaler-control.js';
import { ScaleRelay, type ScaleForwarder } from '../../agent/http/scale-relay.js';
import type { LastDecision } from '../../agent/scaling/scaler.js';
import type { ManualRequest } from '../../agent/scaling/types.js';
import type { VnfCluster } from '../../agent/model/vnfcluster.js';
import { memorySink } from '../support/log-sink.js';
import { FakeClock } from '../support/fake-clock.js';

const TOKEN = 's3cret';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** The scaler as the desk sees it; counts the manual requests it got. */
class FakeScaler implements ScalerView {
  manual: ManualRequest | undefined;
  last: LastDecision | undefined;
  lastPass = 'no change at 3: average utilization 0.50 is below target 0.80 (ratio 0.63), held by the scale-down stabilization window';
  requests: (ManualRequest | undefined)[] = [];

  setManual(manual: ManualRequest | undefined): void {
    this.manual = manual;
    this.requests.push(manual);
  }
}

interface Forwarded {
  url: string;
  method: string;
  body: unknown;
  headers: Record<string, string>;
}

/** Answers with a script; bites when called without one (a leader must never forward). */
class FakeForwarder implements ScaleForwarder {
  calls: Forwarded[] = [];
  constructor(private readonly answer?: ScaleReply | Error | 'hang') {}

  forward(url: string, method: 'GET' | 'POST', body: unknown, headers: Record<string, string>): Promise<ScaleReply> {
    this.calls.push({ url, method, body, headers });
    if (this.answer === 'hang') return new Promise(() => undefined); // connected, never answers, ignores the abort
    if (this.answer === undefined) return Promise.reject(new Error(`unexpected forward ${method} ${url}`));
    return this.answer instanceof Error ? Promise.reject(this.answer) : Promise.resolve(this.answer);
  }
}

const vc = { apiVersion: 'vnf-agent.dev/v1alpha1', kind: 'VnfCluster', metadata: { name: 'sprout' }, spec: { paused: false }, status: { replicas: 3 } } as unknown as VnfCluster;

function setup(o: { isLeader?: boolean; leader?: string; ips?: Record<string, string>; forwarder?: FakeForwarder; token?: string | undefined; clock?: FakeClock } = {}) {
  const scaler = new FakeScaler();
  const forwarder = o.forwarder ?? new FakeForwarder();
  const leadership = () => ({ isLeader: o.isLeader ?? true, leader: 'leader' in o ? o.leader : 'sprout-a' });
  const desk = new ScaleRelay({
    pod: 'sprout-a', httpPort: 8686, leadership, ipOf: (pod) => o.ips?.[pod],
    desk: new ScaleDesk({ pod: 'sprout-a', leadership, policy: () => vc, scaler, scaleIn: { state: () => null } }),
    forwarder, timeoutMs: 1000,
    ...(o.clock ? { clock: o.clock } : {}),
  });
  const token = 'token' in o ? o.token : TOKEN;
  const app = buildServer({
    logger: createLogger({ level: 'silent', destination: memorySink() }),
    registry: createRegistry({ version: 't', nodeVersion: 'v20' }),
    liveness: new HealthChecks(),
    tokens: { current: () => token },
    scale: desk,
  });
  return { app, scaler, forwarder };
}

test('GET /scale on the leader shows counts, overrides and the last pass', async () => {
  const { app } = setup();
  const res = await app.inject({ method: 'GET', url: '/scale' });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.isLeader, true);
  assert.equal(body.currentReplicas, 3);
  assert.equal(body.paused, false);
  assert.equal(body.manual, null);
  assert.match(body.lastPass, /^no change at 3/);
});

const authRows: { name: string; headers: Record<string, string>; token?: string | undefined; status: number; reason: RegExp }[] = [
  { name: 'no Authorization header', headers: {}, status: 401, reason: /missing bearer token/ },
  { name: 'a wrong token', headers: { authorization: 'Bearer nope' }, status: 403, reason: /invalid bearer token/ },
  { name: 'no token configured on this pod', headers: AUTH, token: undefined, status: 503, reason: /no token configured/ },
];
for (const row of authRows) {
  test(`POST /scale refuses ${row.name} with ${row.status} and never touches the scaler`, async () => {
    const { app, scaler } = setup({ token: 'token' in row ? row.token : TOKEN });
    const res = await app.inject({ method: 'POST', url: '/scale', headers: row.headers, payload: { replicas: 4 } });
    assert.equal(res.statusCode, row.status);
    assert.match(res.json().reason, row.reason);
    assert.deepEqual(scaler.requests, []);
  });
}

const badBodies: { name: string; payload: unknown; reason: RegExp }[] = [
  { name: 'an empty object', payload: {}, reason: /fewer than 1 properties/ },
  { name: 'a negative count', payload: { replicas: -1 }, reason: /replicas must be >= 0/ },
  { name: 'a fractional count', payload: { replicas: 1.5 }, reason: /replicas must be integer/ },
  { name: 'a count above 1000', payload: { replicas: 1001 }, reason: /replicas must be <= 1000/ },
  { name: 'two commands at once', payload: { replicas: 2, pause: true }, reason: /more than 1 properties/ },
  { name: 'clear: false', payload: { clear: false }, reason: /clear must be equal to constant/ },
  { name: 'pause as a word', payload: { pause: 'maybe' }, reason: /pause must be boolean/ },
];
for (const row of badBodies) {
  test(`POST /scale rejects ${row.name} with 400 and a reason`, async () => {
    const { app, scaler } = setup();
    const res = await app.inject({ method: 'POST', url: '/scale', headers: AUTH, payload: row.payload as object });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().reason, row.reason);
    assert.deepEqual(scaler.requests, []);
  });
}

test('POST /scale rejects an unknown field with 400', async () => {
  const { app, scaler } = setup();
  const res = await app.inject({ method: 'POST', url: '/scale', headers: AUTH, payload: { replica: 3 } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().reason, /^body must hold exactly one of replicas/);
  assert.deepEqual(scaler.requests, []);
});

const commands: { name: string; before?: ManualRequest; payload: object; manual: ManualRequest | undefined; paused: boolean }[] = [
  { name: '{replicas: 4} holds 4', payload: { replicas: 4 }, manual: { kind: 'replicas', replicas: 4 }, paused: false },
  { name: '{pause: true} pauses', payload: { pause: true }, manual: { kind: 'pause' }, paused: true },
  { name: '{pause: false} lifts a pause', before: { kind: 'pause' }, payload: { pause: false }, manual: undefined, paused: false },
  { name: '{pause: false} keeps a manual count', before: { kind: 'replicas', replicas: 5 }, payload: { pause: false }, manual: { kind: 'replicas', replicas: 5 }, paused: false },
  { name: '{clear: true} drops a manual count', before: { kind: 'replicas', replicas: 5 }, payload: { clear: true }, manual: undefined, paused: false },
];
for (const row of commands) {
  test(`POST /scale on the leader: ${row.name}`, async () => {
    const { app, scaler } = setup();
    scaler.manual = row.before;
    const res = await app.inject({ method: 'POST', url: '/scale', headers: AUTH, payload: row.payload });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(scaler.manual, row.manual);
    assert.equal(scaler.requests.length, 1);
    assert.deepEqual(res.json().manual, row.manual ?? null);
    assert.equal(res.json().paused, row.paused);
  });
}

test('POST /scale on a pod that stopped leading mid-request is a 503', async () => {
  const { app, scaler } = setup();
  scaler.setManual = () => {
    throw new Error('not the leader: this elector does not hold the lease');
  };
  const res = await app.inject({ method: 'POST', url: '/scale', headers: AUTH, payload: { pause: true } });
  assert.equal(res.statusCode, 503);
  assert.match(res.json().reason, /stopped leading before the request was applied/);
});

test('POST /scale on a non-leader forwards to the leader with the same token and relays its answer', async () => {
  // A field this pod's schema does not know (a newer leader's) survives: relayed as is, not re-serialized.
  const state = { pod: 'sprout-b', isLeader: true, fromANewerLeader: 1 };
  const forwarder = new FakeForwarder({ status: 200, body: state });
  const { app, scaler } = setup({ isLeader: false, leader: 'sprout-b', ips: { 'sprout-b': '10.0.0.7' }, forwarder });
  const res = await app.inject({ method: 'POST', url: '/scale', headers: AUTH, payload: { replicas: 6 } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), state, 'relayed as is, not re-serialized');
  assert.deepEqual(forwarder.calls, [
    { url: 'http://10.0.0.7:8686/scale', method: 'POST', body: { replicas: 6 }, headers: { authorization: `Bearer ${TOKEN}`, 'x-vnf-agent-forwarded': 'sprout-a' } },
  ]);
  assert.deepEqual(scaler.requests, [], 'a non-leader never sets a manual request itself');
});

test('a refusal by the leader is relayed with its status', async () => {
  const forwarder = new FakeForwarder({ status: 403, body: { error: 'Forbidden', reason: 'invalid bearer token' } });
  const { app } = setup({ isLeader: false, leader: 'sprout-b', ips: { 'sprout-b': 'fd00::7' }, forwarder });
  const res = await app.inject({ method: 'GET', url: '/scale' });
  assert.equal(res.statusCode, 403);
  assert.deepEqual(res.json(), { error: 'Forbidden', reason: 'invalid bearer token' });
  assert.equal(forwarder.calls[0]?.url, 'http://[fd00::7]:8686/scale');
});

const unroutable: { name: string; leader: string | undefined; ips: Record<string, string>; headers?: Record<string, string>; forwarder?: FakeForwarder; status: number; reason: RegExp }[] = [
  { name: 'no leader is known', leader: undefined, ips: {}, status: 503, reason: /no leader is known/ },
  { name: 'the leader has no IP in the view', leader: 'sprout-b', ips: {}, status: 503, reason: /has no known pod IP/ },
  { name: 'the request was already forwarded once', leader: 'sprout-b', ips: { 'sprout-b': '10.0.0.7' }, headers: { 'x-vnf-agent-forwarded': 'sprout-c' }, status: 503, reason: /not the leader \(the leader is sprout-b\)/ },
  { name: 'the leader does not answer', leader: 'sprout-b', ips: { 'sprout-b': '10.0.0.7' }, forwarder: new FakeForwarder(new Error('connect ECONNREFUSED')), status: 502, reason: /could not reach the leader sprout-b at 10\.0\.0\.7: connect ECONNREFUSED/ },
  // Something other than the leader's sidecar answers at its address: never relayed as the leader's word.
  ...([
    ['a 200 in text (a proxy page)', { status: 200, body: '<html>ok</html>' }, /answered 200 without sprout-b's scale state: "<html>ok<\/html>"/],
    ['a 200 from another pod (a reused IP)', { status: 200, body: { pod: 'bono-x', isLeader: true } }, /answered 200 without sprout-b's scale state: \{"pod":"bono-x"/],
    ['a 200 from a sidecar that no longer leads', { status: 200, body: { pod: 'sprout-b', isLeader: false } }, /answered 200 without sprout-b's scale state/],
    ['a mesh proxy\'s 503 in text', { status: 503, body: 'upstream connect error or disconnect/reset before headers' }, /answered 503 without a sidecar's error body: "upstream connect error/],
    ['a 404 page', { status: 404, body: '<h1>Not Found</h1>' }, /answered 404 without a sidecar's error body/],
    ['an error without a reason', { status: 400, body: { error: 'Bad Request' } }, /answered 400 without a sidecar's error body/],
    ['a redirect', { status: 301, body: null }, /answered 301, which no sidecar answers to \/scale: null/],
    ['a 204', { status: 204, body: null }, /answered 204, which no sidecar answers/],
  ] as const).map(([name, answer, reason]) => ({ name: `the leader's address answers ${name}`, leader: 'sprout-b', ips: { 'sprout-b': '10.0.0.7' }, forwarder: new FakeForwarder(answer), status: 502, reason: new RegExp(`^the leader sprout-b at 10\\.0\\.0\\.7 ${reason.source}`) })),
];
for (const row of unroutable) {
  test(`a non-leader answers ${row.status} when ${row.name}`, async () => {
    const { app } = setup({ isLeader: false, leader: row.leader, ips: row.ips, ...(row.forwarder ? { forwarder: row.forwarder } : {}) });
    const res = await app.inject({ method: 'POST', url: '/scale', headers: { ...AUTH, ...row.headers }, payload: { pause: true } });
    assert.equal(res.statusCode, row.status);
    assert.match(res.json().reason, row.reason);
  });
}

test('a forwarded /scale that the leader never answers is a 502 after timeoutMs on the injected clock', async () => {
  const clock = new FakeClock();
  const { app } = setup({ isLeader: false, leader: 'sprout-b', ips: { 'sprout-b': '10.0.0.7' }, forwarder: new FakeForwarder('hang'), clock });
  await app.ready();
  let status = 0;
  const reply = app.inject({ method: 'GET', url: '/scale' }).then((res) => ((status = res.statusCode), res));
  await clock.advance(999);
  assert.equal(status, 0, 'still waiting for the leader');
  await clock.advance(1);
  const res = await reply;
  assert.equal(res.statusCode, 502);
  assert.match(res.json().reason, /could not reach the leader sprout-b at 10\.0\.0\.7: forward GET \/scale did not finish within 1000 ms/);
});
