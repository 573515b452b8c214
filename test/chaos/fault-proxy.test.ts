import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { FaultProxy } from './fault-proxy.js';

/** The proxy's faults do what the chaos run counts on, against a local echo server. */
let echo: Server;
let proxy: FaultProxy;
const upstreams = new Set<Socket>();

before(async () => {
  echo = createServer((s) => {
    upstreams.add(s);
    s.on('error', () => undefined).on('close', () => upstreams.delete(s));
    s.on('data', (b: Buffer) => s.write(b));
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const address = echo.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  proxy = new FaultProxy('127.0.0.1', address.port);
  await proxy.start();
});
after(async () => {
  process.stderr.write(`after: pairs open\n`);
  await proxy.stop();
  process.stderr.write(`proxy stopped\n`);
  for (const s of upstreams) s.destroy();
  echo.close();
  setTimeout(() => process.stderr.write(`active: ${process.getActiveResourcesInfo().join()}\n`), 500).unref();
});

async function client(): Promise<{ socket: Socket; received: () => string; closed: Promise<string> }> {
  const socket = connect(proxy.port, '127.0.0.1');
  await once(socket, 'connect');
  let data = '';
  socket.on('data', (b: Buffer) => (data += b.toString()));
  const closed = new Promise<string>((resolve) => {
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    socket.on('close', () => resolve('close'));
  });
  return { socket, received: () => data, closed };
}

test('bytes pass unchanged, and latency delays them by about the set amount, in order', async () => {
  const c = await client();
  c.socket.write('a');
  await delay(100);
  assert.equal(c.received(), 'a');
  proxy.latencyMs = 150;
  const t0 = performance.now();
  c.socket.write('b');
  c.socket.write('c');
  while (c.received() !== 'abc') await delay(5);
  assert.ok(performance.now() - t0 >= 280, `round trip ${performance.now() - t0} ms`);
  proxy.latencyMs = 0;
  c.socket.destroy();
  await c.closed;
  await delay(50); // the proxy sees the close and drops the pair
});

test('reset sends an RST to the client', async () => {
  const c = await client();
  proxy.reset();
  assert.equal(await c.closed, 'ECONNRESET');
});

test('freeze silences open connections without closing them; new ones work', async () => {
  const frozen = await client();
  proxy.freeze();
  frozen.socket.write('x');
  await delay(150);
  assert.equal(frozen.received(), '');
  assert.equal(frozen.socket.destroyed, false);
  const fresh = await client();
  fresh.socket.write('y');
  await delay(100);
  assert.equal(fresh.received(), 'y');
  frozen.socket.destroy();
  fresh.socket.destroy();
});

test('partition drops everything, new connections too; heal resets the survivors and lets new ones through', async () => {
  const open = await client();
  proxy.partition();
  const during = await client();
  during.socket.write('p');
  open.socket.write('q');
  await delay(150);
  assert.equal(during.received() + open.received(), '');
  proxy.heal();
  assert.equal(await open.closed, 'ECONNRESET');
  assert.equal(await during.closed, 'ECONNRESET');
  const after = await client();
  after.socket.write('z');
  await delay(100);
  assert.equal(after.received(), 'z');
  after.socket.destroy();
});
