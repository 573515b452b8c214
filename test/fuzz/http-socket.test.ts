import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { FUZZ_TOKEN } from './arbitraries.js';
import { fixture, type Fixture } from './server-fixture.js';

/**
 * What app.inject cannot show: the real listener and Node's HTTP parser.
 * Slow clients within the limits are served; oversized headers, broken
 * request lines and bodies over the limit get a 4xx; the server stays up.
 */
let f: Fixture;
let port = 0;

before(async () => {
  f = fixture({ token: FUZZ_TOKEN });
  const address = await f.app.listen({ host: '127.0.0.1', port: 0 });
  port = Number(new URL(address).port);
});
after(() => f.close());

/** Sends `parts` with `gapMs` between them and returns what came back until the server closed or 3 s passed. */
async function raw(parts: (string | Buffer)[], gapMs = 0): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.on('data', (b: Buffer) => (answer += b.toString()));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  for (const part of parts) {
    if (socket.destroyed) break;
    socket.write(part);
    if (gapMs > 0) await delay(gapMs);
  }
  await Promise.race([closed, delay(3_000)]);
  socket.destroy();
  return answer;
}

const status = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

test('a slow client within the limits is served: a request trickled byte by byte over ~1.5 s', async () => {
  const request = 'GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
  const answer = await raw([...request].map((c) => c), 1_500 / request.length);
  assert.equal(status(answer), 200, answer);
  assert.match(answer, /"pod":"sprout-0"/);
});

test('a slow authenticated POST body is accepted', async () => {
  const body = '{"pause":true}';
  const head = `POST /scale HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${FUZZ_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  const answer = await raw([head, ...body], 50);
  assert.equal(status(answer), 200, answer);
});

test('oversized headers are refused with 431, not a crash', async () => {
  const answer = await raw([`GET /status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
  assert.equal(status(answer), 431, answer);
});

test('a broken request line is a 400', async () => {
  for (const line of ['GARBAGE\r\n\r\n', 'GET /status HTTP/9.9\r\n\r\n', 'GET\t/status HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /status HTTP/1.1\r\nBad Header\r\n\r\n']) {
    const answer = await raw([line]);
    assert.equal(status(answer), 400, `${JSON.stringify(line)} -> ${answer}`);
  }
});

test('a body over the 16 KiB limit is refused with 413 before the token is even checked', async () => {
  const body = `{"reason":"${'r'.repeat(40_000)}"}`;
  const answer = await raw([`POST /drain HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`, body]);
  assert.equal(status(answer), 413, answer);
});

test('a Content-Length that lies (shorter body, then silence) does not wedge the server', async () => {
  const hung = raw([`POST /scale HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${FUZZ_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pa`]);
  const res = await fetch(`http://127.0.0.1:${port}/livez`);
  assert.equal(res.status, 200);
  await hung;
});

test('the server still answers after all of that', async () => {
  assert.equal((await fetch(`http://127.0.0.1:${port}/status`)).status, 200);
  assert.equal(f.drainer.draining, false);
});
