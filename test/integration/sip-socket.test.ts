import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock } from '../../agent/clock/clock.js';
import { readTextFile } from '../../agent/signals/build.js';
import { SocketSource } from '../../agent/signals/socket-source.js';
import { UdpProber } from '../../agent/signals/sip/udp-prober.js';
import type { SignalReading } from '../../agent/signals/sample.js';
import { startKamailio, type Kamailio } from '../support/kamailio.js';
import { eventually, freePort } from '../support/process.js';

const HOST = '127.0.0.44';
let kamailio: Kamailio;

before(async () => {
  kamailio = await startKamailio({ host: HOST });
});
after(async () => {
  await kamailio?.stop();
});

const source = (ports: number[]) => new SocketSource({ ports, procNetDir: '/proc/net', readText: readTextFile, clock: systemClock });
const read = (s: SocketSource) => s.read(AbortSignal.timeout(2_000));

test('a port nobody listens on is missing, not zero load', async () => {
  const reading = await read(source([await freePort(HOST)]));
  assert.equal(reading.status, 'missing');
  assert.deepEqual(reading.raw, {});
});

test('an idle Kamailio shows its UDP socket and TCP listener with empty queues; connections are counted', async () => {
  const s = source([kamailio.port]);
  const first = await read(s);
  assert.equal(first.status, 'ok');
  assert.equal(first.raw.udpSockets, 1);
  assert.equal(first.raw.tcpListeners, 1);
  assert.equal(first.raw.udpRxQueueBytes, 0);
  assert.equal(first.raw.udpDrops, undefined, 'drops need a window: unknown on the first read');
  const clients = await Promise.all([1, 2, 3].map(() => connect()));
  try {
    const base = first.raw.tcpEstablished ?? 0;
    const busy = await eventually(async () => ((r) => (r.raw.tcpEstablished === base + 3 ? r : undefined))(await read(s)), 3_000, '3 more established');
    assert.equal(busy.raw.udpDrops, 0);
    assert.equal(busy.overload, undefined);
  } finally {
    for (const c of clients) c.destroy();
  }
});

test('a SIP server that stops reading shows a growing receive queue, drops, a listen backlog and a probe timeout', async () => {
  const s = source([kamailio.port]);
  const sender = dgram.createSocket('udp4');
  const prober = new UdpProber({ targetHost: HOST, targetPort: kamailio.port, localHost: HOST, timeoutMs: 700, clock: systemClock });
  const pending: net.Socket[] = [];
  await read(s);
  kamailio.pause();
  try {
    const datagram = Buffer.from(`OPTIONS sip:${HOST}:${kamailio.port} SIP/2.0\r\n${'X-Pad: '.padEnd(900, 'x')}\r\n\r\n`);
    const readings: SignalReading[] = [];
    for (const batch of [20, 40, 3_000]) {
      for (let i = 0; i < batch; i++) sender.send(datagram, kamailio.port, HOST);
      await delay(200);
      readings.push(await read(s));
    }
    const queues = readings.map((r) => r.raw.udpRxQueueBytes ?? -1);
    assert.ok(queues[0]! > 0 && queues[1]! > queues[0]! && queues[2]! >= queues[1]!, `queue grows: ${queues.join(' < ')}`);
    assert.equal(readings[0]?.raw.udpDrops, 0);
    assert.ok((readings[2]?.raw.udpDrops ?? 0) > 0, `drops: ${JSON.stringify(readings[2]?.raw)}`);
    assert.match(readings[2]?.overload ?? '', /UDP datagrams dropped on port/);
    for (let i = 0; i < 4; i++) pending.push(await connect());
    const backlog = await eventually(async () => ((r) => ((r.raw.tcpListenBacklog ?? 0) >= 4 ? r : undefined))(await read(s)), 3_000, 'accept queue of 4');
    assert.ok((backlog.raw.tcpListenBacklog ?? 0) >= 4);
    const probe = await prober.probe(AbortSignal.timeout(5_000));
    assert.equal(probe.kind, 'timeout');
  } finally {
    kamailio.resume();
    for (const c of pending) c.destroy();
    sender.close();
    await prober.close();
  }
});

async function connect(): Promise<net.Socket> {
  const socket = net.connect({ host: HOST, port: kamailio.port, localAddress: HOST });
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  return socket;
}
