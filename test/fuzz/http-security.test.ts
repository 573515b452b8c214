import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './server-fixture.js';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

test('token rotation without restart: after the mounted file changes the old token is 403, the new one 2xx', async () => {
  const f = fixture({ token: 'old-token-aaaaaaaaaaaa' });
  try {
    const scale = (token: string) => f.app.inject({ method: 'POST', url: '/scale', headers: auth(token), payload: { pause: true } });
    assert.equal((await scale('old-token-aaaaaaaaaaaa')).statusCode, 200);
    f.rotate('new-token-bbbbbbbbbbbb');
    const old = await scale('old-token-aaaaaaaaaaaa');
    assert.equal(old.statusCode, 403);
    assert.deepEqual(old.json(), { error: 'Forbidden', reason: 'invalid bearer token' });
    assert.equal((await scale('new-token-bbbbbbbbbbbb')).statusCode, 200);
    const drain = await f.app.inject({ method: 'POST', url: '/drain', headers: auth('new-token-bbbbbbbbbbbb'), payload: {} });
    assert.equal(drain.statusCode, 202);
    // An emptied file (Secret removed) disables mutating routes: fail closed.
    f.rotate('');
    assert.equal((await scale('new-token-bbbbbbbbbbbb')).statusCode, 503);
  } finally {
    await f.close();
  }
});

test('mutating routes: no header 401, wrong token 403, each with a reason; read routes need none', async () => {
  const f = fixture({ token: 'right-token-cccccccccc' });
  try {
    const none = await f.app.inject({ method: 'POST', url: '/drain', payload: {} });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json<{ reason: string }>().reason, 'missing bearer token');
    const wrong = await f.app.inject({ method: 'POST', url: '/drain', headers: { authorization: 'Basic cmlnaHQ6dG9rZW4=' }, payload: {} });
    assert.equal(wrong.statusCode, 401);
    assert.equal(f.drainer.draining, false);
    for (const url of ['/status', '/scale', '/load', '/metrics', '/livez', '/readyz', '/drain']) {
      assert.equal((await f.app.inject({ method: 'GET', url })).statusCode, 200, url);
    }
  } finally {
    await f.close();
  }
});

test('mutating routes are rate limited per client IP: 429 with a reason and Retry-After; reads never', async () => {
  const f = fixture({ token: 'rl-token-dddddddddddd', perMinute: 3 });
  try {
    const post = (ip: string, token = 'rl-token-dddddddddddd') =>
      f.app.inject({ method: 'POST', url: '/scale', remoteAddress: ip, headers: auth(token), payload: { pause: false } });
    // Wrong tokens count too: the limit runs before the bearer check and bounds guessing.
    assert.equal((await post('10.0.0.1', 'guess-1')).statusCode, 403);
    assert.equal((await post('10.0.0.1')).statusCode, 200);
    assert.equal((await post('10.0.0.1')).statusCode, 200);
    const limited = await post('10.0.0.1');
    assert.equal(limited.statusCode, 429);
    const body = limited.json<{ error: string; reason: string }>();
    assert.equal(body.error, 'Too Many Requests');
    assert.match(body.reason, /at most 3 mutating requests per minute from 10\.0\.0\.1; retry in/);
    assert.ok(Number(limited.headers['retry-after']) > 0, JSON.stringify(limited.headers));
    assert.equal((await post('10.0.0.2')).statusCode, 200, 'another client has its own budget');
    for (let i = 0; i < 50; i++) {
      for (const url of ['/status', '/scale', '/readyz', '/metrics', '/drain']) assert.equal((await f.app.inject({ method: 'GET', url, remoteAddress: '10.0.0.1' })).statusCode, 200);
    }
  } finally {
    await f.close();
  }
});

test('the default limit is 30 per minute on POST /drain', async () => {
  const f = fixture({ token: 'rl-token-eeeeeeeeeeee' });
  try {
    const codes: number[] = [];
    for (let i = 0; i < 31; i++) codes.push((await f.app.inject({ method: 'POST', url: '/drain', headers: auth('rl-token-eeeeeeeeeeee'), payload: {} })).statusCode);
    assert.deepEqual([...new Set(codes.slice(0, 30))], [202]);
    assert.equal(codes[30], 429);
  } finally {
    await f.close();
  }
});

test('tokens never reach the log: refused and accepted requests, at trace level', async () => {
  const secret = 'log-secret-ffffffffffff';
  const f = fixture({ token: secret, level: 'trace' });
  try {
    await f.app.inject({ method: 'POST', url: '/drain', headers: auth(`${secret}-wrong`), payload: {} });
    await f.app.inject({ method: 'POST', url: '/scale', headers: auth(secret), payload: { replicas: 3 } });
    await f.app.inject({ method: 'POST', url: '/drain', headers: { authorization: secret }, payload: { reason: 'x' } });
    await f.app.inject({ method: 'POST', url: '/drain', headers: auth(secret), payload: {} });
    f.app.log.info({ req: { headers: { authorization: `Bearer ${secret}` } } }, 'a request as a part might log it');
    f.app.log.warn({ kubeconfig: { user: { token: secret, password: secret } } }, 'a client config');
    const text = f.sink.text();
    assert.ok(f.sink.lines().length >= 3, 'the sink saw the requests');
    assert.doesNotMatch(text, new RegExp(secret));
    assert.match(text, /\[redacted\]/);
  } finally {
    await f.close();
  }
});

test('read routes reveal no token: /status, /scale, /load, /metrics, /drain bodies and headers', async () => {
  const secret = 'read-secret-gggggggggggg';
  const f = fixture({ token: secret });
  try {
    for (const url of ['/status', '/scale', '/load', '/metrics', '/drain', '/livez', '/readyz', '/nope']) {
      const res = await f.app.inject({ method: 'GET', url, headers: auth(secret) });
      assert.doesNotMatch(res.body + JSON.stringify(res.headers), new RegExp(secret), url);
    }
  } finally {
    await f.close();
  }
});
